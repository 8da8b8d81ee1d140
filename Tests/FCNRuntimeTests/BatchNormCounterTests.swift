// torchvision's state_dicts carry `<bn>.num_batches_tracked` (int64 scalars) beside every batch
// norm's statistics: the loader ignores them, and only them; everything else stays an error
// that names the tensor.

import XCTest
import Foundation
import FCNPlan
@testable import FCNRuntime

final class BatchNormCounterTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try IOTestFiles.makeScratchDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// A conv without bias and its batch norm, as torchvision names them.
    let table: [WeightRef] = [
        WeightRef(name: "backbone.conv1.weight", shape: [4, 3, 1, 1]),
        WeightRef(name: "backbone.bn1.weight", shape: [4]), WeightRef(name: "backbone.bn1.bias", shape: [4]),
        WeightRef(name: "backbone.bn1.running_mean", shape: [4]), WeightRef(name: "backbone.bn1.running_var", shape: [4]),
    ]

    /// A safetensors file as `save_file(model.state_dict())` writes it: the float tensors
    /// (F32, shape from `shapes`, values 0.5) and the extra tensors of other dtypes given raw.
    func write(_ path: String, floats shapes: [(String, [Int])], raw: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])]) throws {
        var entries: [String] = [], data: [UInt8] = []
        for (name, shape) in shapes {
            let bytes = IOTestFiles.floatBytes([Float](repeating: 0.5, count: shape.reduce(1, *)))
            entries.append("\"\(name)\": {\"dtype\": \"F32\", \"shape\": \(shape), \"data_offsets\": [\(data.count), \(data.count + bytes.count)]}")
            data += bytes
        }
        for r in raw {
            entries.append("\"\(r.name)\": {\"dtype\": \"\(r.dtype)\", \"shape\": \(r.shape), \"data_offsets\": [\(data.count), \(data.count + r.bytes.count)]}")
            data += r.bytes
        }
        try IOTestFiles.write(IOTestFiles.safetensors(header: "{" + entries.joined(separator: ", ") + "}", data: data), path)
    }

    let counter = (name: "backbone.bn1.num_batches_tracked", dtype: "I64", shape: [Int](), bytes: withUnsafeBytes(of: Int64(1234).littleEndian, Array.init))

    func testCounterOfABatchNormIsIgnored() throws {
        let p = "\(dir)/torchvision.safetensors"
        try write(p, floats: table.map { ($0.name, $0.shape) }, raw: [counter])
        let store = try WeightStore.load(path: p, expected: table)
        XCTAssertEqual(store.names, table.map(\.name))
        XCTAssertEqual(store.ignoredNames, ["backbone.bn1.num_batches_tracked"])
        XCTAssertNil(store["backbone.bn1.num_batches_tracked"])
        XCTAssertEqual(store["backbone.bn1.running_var"]?.toArray(), [0.5, 0.5, 0.5, 0.5])
    }

    /// `--output aux` leaves the main head uncomputed: its tensors are optional, and so is its
    /// batch norm's counter.
    func testCounterOfAnOptionalBatchNormIsIgnored() throws {
        let p = "\(dir)/two-heads.safetensors"
        let head = [WeightRef(name: "classifier.1.weight", shape: [4]), WeightRef(name: "classifier.1.bias", shape: [4]),
                    WeightRef(name: "classifier.1.running_mean", shape: [4]), WeightRef(name: "classifier.1.running_var", shape: [4])]
        let headCounter = (name: "classifier.1.num_batches_tracked", dtype: "I64", shape: [Int](), bytes: counter.bytes)
        try write(p, floats: (table + head).map { ($0.name, $0.shape) }, raw: [counter, headCounter])
        let store = try WeightStore.load(path: p, expected: table, optional: head)
        XCTAssertEqual(store.ignoredNames, ["backbone.bn1.num_batches_tracked", "classifier.1.num_batches_tracked"])
        // Without the head in the optional table, its tensors and its counter are extras.
        assertRuntimeError(["5 problems", "extra: 'classifier.1.num_batches_tracked' (found shape [], I64)"]) {
            try WeightStore.load(path: p, expected: table)
        }
    }

    func testMissingAndMisshapenTensorsAreStillErrorsNamingThem() throws {
        let p = "\(dir)/broken.safetensors"
        var shapes = table.filter { $0.name != "backbone.bn1.running_var" }.map { ($0.name, $0.shape) }
        shapes[0].1 = [4, 3, 3, 3]
        try write(p, floats: shapes, raw: [counter])
        let e = assertRuntimeError([p, "2 problems", "missing: 'backbone.bn1.running_var' (expected shape [4])",
                                    "wrong shape: 'backbone.conv1.weight' expected [4, 3, 1, 1], found [4, 3, 3, 3]"]) {
            try WeightStore.load(path: p, expected: table)
        }
        XCTAssertFalse(e?.message.contains("num_batches_tracked") ?? true, e?.message ?? "")
    }

    func testCounterOfALayerThatIsNoBatchNormIsAnExtra() throws {
        let p = "\(dir)/stray.safetensors"
        let stray = (name: "backbone.conv1.num_batches_tracked", dtype: "I64", shape: [Int](), bytes: counter.bytes)
        try write(p, floats: table.map { ($0.name, $0.shape) }, raw: [counter, stray])
        assertRuntimeError(["1 problem", "extra: 'backbone.conv1.num_batches_tracked' (found shape [], I64) is not a weight of this model"]) {
            try WeightStore.load(path: p, expected: table)
        }
    }

    func testCounterThatIsNoIntegerScalarIsRefused() throws {
        let p = "\(dir)/float-counter.safetensors"
        try write(p, floats: table.map { ($0.name, $0.shape) } + [("backbone.bn1.num_batches_tracked", [4])], raw: [])
        assertRuntimeError(["1 problem", "wrong counter: 'backbone.bn1.num_batches_tracked' is F32 of shape [4]"]) {
            try WeightStore.load(path: p, expected: table)
        }
    }
}
