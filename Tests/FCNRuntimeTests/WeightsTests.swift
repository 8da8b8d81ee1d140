import XCTest
import Foundation
import FCNCompiler
import FCNPlan
@testable import FCNRuntime

final class WeightsTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try IOTestFiles.makeScratchDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func ref(_ name: String, _ shape: [Int]) -> WeightRef { WeightRef(name: name, shape: shape) }

    lazy var table: [WeightRef] = [
        ref("conv1.weight", [4, 3, 3, 3]), ref("conv1.bias", [4]),
        ref("conv2.weight", [2, 4, 1, 1]), ref("conv2.bias", [2]),
    ]

    func testWeightRefMake() {
        let r = ref("a.weight", [1, 2])
        XCTAssertEqual(r.name, "a.weight")
        XCTAssertEqual(r.shape, [1, 2])
    }

    func testLoadMatchingFile() throws {
        let p = "\(dir)/ok.safetensors"
        let random = WeightStore.random(expected: table, seed: 1)
        try random.write(to: p, dtype: .f32)
        let store = try WeightStore.load(path: p, expected: table)
        XCTAssertEqual(store.names, table.map(\.name))
        XCTAssertEqual(store.path, p)
        XCTAssertEqual(store.parameterCount, 108 + 4 + 8 + 2)
        for r in table {
            XCTAssertEqual(store[r.name]?.shape, r.shape)
            XCTAssertEqual(store[r.name]?.toArray(), random[r.name]?.toArray())
        }
        XCTAssertNil(store["conv3.weight"])
        XCTAssertEqual(store.optionalNames, [])
    }

    func testLoadHalfPrecisionFileConverts() throws {
        let p = "\(dir)/half.safetensors"
        let random = WeightStore.random(expected: table, seed: 2)
        try random.write(to: p, dtype: .f16)
        let store = try WeightStore.load(path: p, expected: table)
        let a = store["conv1.weight"]!.toArray(), b = random["conv1.weight"]!.toArray()
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: abs(y) / 1000 + 1e-7) }
    }

    func testAllProblemsInOneError() throws {
        let p = "\(dir)/bad.safetensors"
        let header = """
        {"conv1.weight": {"dtype": "F32", "shape": [4, 3, 1, 1], "data_offsets": [0, 48]},
         "conv1.bias": {"dtype": "F32", "shape": [4], "data_offsets": [48, 64]},
         "conv2.weight": {"dtype": "I32", "shape": [2, 4, 1, 1], "data_offsets": [64, 96]},
         "score.weight": {"dtype": "F32", "shape": [3], "data_offsets": [96, 108]}}
        """
        try IOTestFiles.write(IOTestFiles.safetensors(header: header, data: [UInt8](repeating: 0, count: 108)), p)
        let e = assertRuntimeError([p, "weights do not match the model (4 problems)"]) {
            try WeightStore.load(path: p, expected: table)
        }
        let details = e?.details ?? []
        XCTAssertEqual(details.count, 4, "\(details)")
        let text = e?.message ?? ""
        XCTAssertTrue(text.contains("wrong shape: 'conv1.weight' expected [4, 3, 3, 3], found [4, 3, 1, 1]"), text)
        XCTAssertTrue(text.contains("wrong dtype: 'conv2.weight' is I32"), text)
        XCTAssertTrue(text.contains("missing: 'conv2.bias' (expected shape [2])"), text)
        XCTAssertTrue(text.contains("extra: 'score.weight' (found shape [3]"), text)
        XCTAssertEqual(IOTestFiles.listing(dir), ["bad.safetensors"])
    }

    func testPrefixedNamesGetAHint() throws {
        let p = "\(dir)/prefixed.safetensors"
        let one = [ref("conv1.bias", [4])]
        try SafetensorsWriter.write([("module.conv1.bias", Tensor(shape: [4]))], to: p)
        assertRuntimeError(["missing: 'conv1.bias'", "the file has 'module.conv1.bias'", "extra: 'module.conv1.bias'"]) {
            try WeightStore.load(path: p, expected: one)
        }
    }

    func testNonFiniteWeightsAreReported() throws {
        let p = "\(dir)/nan.safetensors"
        try SafetensorsWriter.write([("conv1.bias", Tensor(shape: [4], values: [0, .nan, 1, 2]))], to: p)
        assertRuntimeError(["non-finite value: 'conv1.bias'", "flat index 1"]) {
            try WeightStore.load(path: p, expected: [ref("conv1.bias", [4])])
        }
    }

    /// pytorch-fcn checkpoints carry the fixed bilinear upsamplers; they are accepted and kept.
    func testOptionalUpsamplerTensors() throws {
        let p = "\(dir)/fcn.safetensors"
        let base = WeightStore.random(expected: table, seed: 3)
        let up = Tensor(shape: [2, 2, 4, 4], repeating: 0.25)
        base.set("upscore8.weight", up)
        try base.write(to: p)
        let optional = [ref("upscore8.weight", [2, 2, 4, 4]), ref("upscore2.weight", [2, 2, 4, 4])]
        let store = try WeightStore.load(path: p, expected: table, optional: optional)
        XCTAssertEqual(store.optionalNames, ["upscore8.weight"])
        XCTAssertEqual(store["upscore8.weight"]?.toArray(), up.toArray())
        XCTAssertNil(store["upscore2.weight"])
        XCTAssertEqual(store.names, table.map(\.name) + ["upscore8.weight"])

        // Without the optional table they are extras.
        assertRuntimeError(["1 problem", "extra: 'upscore8.weight' (found shape [2, 2, 4, 4]"]) {
            try WeightStore.load(path: p, expected: table)
        }
        // A bias of an upsampler layer is accepted too (shape [C]); a wrong shape is not.
        base.set("upscore8.bias", Tensor(shape: [2]))
        base.set("upscore2.weight", Tensor(shape: [2, 2, 3, 3]))
        try base.write(to: p)
        assertRuntimeError(["1 problem", "wrong shape: 'upscore2.weight' expected [2, 2, 4, 4], found [2, 2, 3, 3]"]) {
            try WeightStore.load(path: p, expected: table, optional: optional)
        }
    }

    // MARK: Random initialisation

    func testRandomIsDeterministic() {
        let a = WeightStore.random(expected: table, seed: 42)
        let b = WeightStore.random(expected: table, seed: 42)
        let c = WeightStore.random(expected: table, seed: 43)
        for r in table {
            XCTAssertEqual(a[r.name]!.toArray().map(\.bitPattern), b[r.name]!.toArray().map(\.bitPattern))
            XCTAssertNotEqual(a[r.name]!.toArray(), c[r.name]!.toArray())
        }
        // A tensor does not depend on the rest of the table.
        let alone = WeightStore.random(expected: [table[2]], seed: 42)
        XCTAssertEqual(alone["conv2.weight"]!.toArray(), a["conv2.weight"]!.toArray())
    }

    /// Golden values: the same on every run and platform (basic IEEE operations only). Checked
    /// against an independent Python re-implementation (SplitMix64, polar Box-Muller, libm log).
    func testRandomGoldenValues() {
        let t = WeightInit.random("conv1_1.weight", shape: [2, 3, 3, 3], seed: 0)
        let got = Array(t.toArray().prefix(4)).map(\.bitPattern)
        XCTAssertEqual(got, WeightsTests.golden, "values: \(t.toArray().prefix(4))")
    }
    static let golden: [UInt32] = [3183491579, 3194757150, 1052568827, 3193525758]  // -0.09386059, -0.23059127, 0.36899552, -0.2122421

    func testRandomStatistics() {
        let refs = [ref("c.weight", [64, 64, 3, 3]), ref("c.bias", [4096]), ref("d.weight", [21, 21, 4, 4])]
        let s = WeightStore.random(expected: refs, seed: 7)
        func stats(_ t: Tensor) -> (mean: Double, std: Double) {
            let v = t.toArray().map(Double.init)
            let m = v.reduce(0, +) / Double(v.count)
            return (m, (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot())
        }
        let w = stats(s["c.weight"]!)
        let he = (2.0 / 576).squareRoot()
        XCTAssertEqual(WeightInit.heStd(shape: [64, 64, 3, 3]), he, accuracy: 1e-15)
        XCTAssertEqual(w.std, he, accuracy: he * 0.03)
        XCTAssertEqual(w.mean, 0, accuracy: he * 0.03)
        let b = stats(s["c.bias"]!)
        XCTAssertEqual(b.std, 0.01, accuracy: 0.01 * 0.05)
        let d = stats(s["d.weight"]!)
        let dStd: Double = (2.0 / 336.0).squareRoot()
        XCTAssertEqual(d.std, dStd, accuracy: dStd * 0.06)
    }

    func testPortableLogarithm() {
        var rng = WeightRNG(seed: 5)
        for _ in 0..<2000 {
            let x = rng.nextUniform() * 4 + 1e-300
            XCTAssertEqual(WeightRNG.log(x), Foundation.log(x), accuracy: 4e-16 * max(1, abs(Foundation.log(x))))
        }
        for x in [1e-300, 1e-10, 0.5, 1, 2, 1e300] {
            XCTAssertEqual(WeightRNG.log(x), Foundation.log(x), accuracy: 4e-16 * max(1, abs(Foundation.log(x))))
        }
    }

    func testWriteIsAtomicAndReadable() throws {
        let p = "\(dir)/w.safetensors"
        let s = WeightStore.random(expected: table, seed: 9)
        try s.write(to: p, metadata: ["fcngc": "random seed 9"])
        XCTAssertEqual(IOTestFiles.listing(dir), ["w.safetensors"])
        XCTAssertEqual(try SafetensorsFile(path: p).metadata["fcngc"], "random seed 9")
    }
}
