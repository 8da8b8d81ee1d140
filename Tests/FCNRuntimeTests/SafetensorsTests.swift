import XCTest
import Foundation
@testable import FCNRuntime
import FCNPlan

final class SafetensorsTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try IOTestFiles.makeScratchDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func path(_ name: String) -> String { "\(dir)/\(name)" }

    // MARK: Round trips

    func testRoundTripF32IsExact() throws {
        let w = Tensor(shape: [2, 3, 1, 2], values: [0, 1, -1, 0.1, Float(bitPattern: 0x0003_D0D0), -7.25, 1e30, .infinity, -0.0, 42, 1.0 / 3, 2])
        let b = Tensor(shape: [2], values: [0.5, -0.25])
        let p = path("a.safetensors")
        try SafetensorsWriter.write([("conv.weight", w), ("conv.bias", b)], to: p, metadata: ["format": "pt"])
        let f = try SafetensorsFile(path: p)
        XCTAssertEqual(f.names, ["conv.weight", "conv.bias"])
        XCTAssertEqual(f.metadata, ["format": "pt"])
        XCTAssertEqual(f["conv.weight"]?.shape, [2, 3, 1, 2])
        XCTAssertEqual(f["conv.weight"]?.dtype, .f32)
        let r = try f.tensor("conv.weight")
        XCTAssertEqual(r.shape, w.shape)
        XCTAssertEqual(r.toArray().map(\.bitPattern), w.toArray().map(\.bitPattern))
        XCTAssertEqual(try f.tensor("conv.bias").toArray(), [0.5, -0.25])
        // Header length + header is a multiple of 8, as the reference writer pads it.
        let bytes = try IOTestFiles.read(p)
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual((8 + n) % 8, 0)
        XCTAssertEqual(IOTestFiles.listing(dir), ["a.safetensors"], "no temporary file left")
    }

    func testRoundTripF16ConvertsWithRounding() throws {
        let values: [Float] = [0, 1, -2.5, 0.1, 65504, 70000, 6.1035156e-05, 5.9604645e-08, 1e-9, -0.0, 0.33333334]
        let p = path("h.safetensors")
        try SafetensorsWriter.write([("x", Tensor(shape: [values.count], values: values))], to: p, dtype: .f16)
        let f = try SafetensorsFile(path: p)
        XCTAssertEqual(f["x"]?.dtype, .f16)
        XCTAssertEqual(f["x"]?.byteRange.count, values.count * 2)
        let r = try f.tensor("x").toArray()
        let expected: [Float] = [0, 1, -2.5, 0.0999755859375, 65504, .infinity, 6.1035156e-05, 5.9604645e-08, 0, -0.0, 0.333251953125]
        XCTAssertEqual(r, expected)
        // Agrees with Swift's own Float16 conversion.
        for v in values {
            XCTAssertEqual(FloatFormats.floatToHalf(v), Float16(v).bitPattern, "\(v)")
        }
        for bits in stride(from: 0, through: 0xFFFF, by: 7) {
            let h = Float16(bitPattern: UInt16(bits))
            let f = FloatFormats.halfToFloat(UInt16(bits))
            if h.isNaN { XCTAssertTrue(f.isNaN) } else { XCTAssertEqual(f, Float(h), "bits \(bits)") }
        }
    }

    func testRoundTripBF16ConvertsWithRounding() throws {
        let values: [Float] = [0, 1, -2.5, 0.1, 3.0e38, 1.0 / 3, -1e-20, .infinity]
        let p = path("b.safetensors")
        try SafetensorsWriter.write([("x", Tensor(shape: [values.count], values: values))], to: p, dtype: .bf16)
        let r = try SafetensorsFile(path: p).tensor("x").toArray()
        XCTAssertEqual(r[0], 0)
        XCTAssertEqual(r[1], 1)
        XCTAssertEqual(r[2], -2.5)
        XCTAssertEqual(r[3], 0.10009765625)
        XCTAssertEqual(r[5], 0.333984375)
        XCTAssertEqual(r[7], .infinity)
        for (v, got) in zip(values, r) where v.isFinite {
            XCTAssertEqual(Double(got), Double(v), accuracy: abs(Double(v)) / 256)
        }
        XCTAssertTrue(FloatFormats.floatToBFloat16(.nan) & 0x7F80 == 0x7F80)
        XCTAssertTrue(FloatFormats.bfloat16ToFloat(FloatFormats.floatToBFloat16(.nan)).isNaN)
    }

    func testF64IsConverted() throws {
        let p = path("d.safetensors")
        try SafetensorsWriter.write([("x", Tensor(shape: [3], values: [1, -0.5, 0.1]))], to: p, dtype: .f64)
        XCTAssertEqual(try SafetensorsFile(path: p).tensor("x").toArray(), [1, -0.5, 0.1])
    }

    func testReadsTheReferenceWriter() throws {
        // Written by the `safetensors` Python package (safetensors.numpy.save_file).
        let f = try SafetensorsFile(path: IOTestFiles.fixture("reference-writer.safetensors"))
        XCTAssertEqual(f.metadata, ["format": "np"])
        XCTAssertEqual(Set(f.names), ["conv.weight", "conv.bias", "half.weight", "double.bias"])
        let w = try f.tensor("conv.weight")
        XCTAssertEqual(w.shape, [2, 3, 3, 3])
        XCTAssertEqual(w.toArray(), (0..<54).map { (Float($0) - 27) / 16 })
        XCTAssertEqual(try f.tensor("conv.bias").toArray(), [0.5, -1.25])
        XCTAssertEqual(try f.tensor("half.weight").toArray(), [1.0, -2.5, 65504.0, 6.1035156e-05, 5.9604645e-08])
        XCTAssertEqual(try f.tensor("double.bias").toArray(), [Float(1.0 / 3), -2])
    }

    func testScalarAndEmptyTensors() throws {
        let p = path("s.safetensors")
        try SafetensorsWriter.write([("empty", Tensor(shape: [0, 3])), ("scalar", Tensor(shape: [], values: [7]))], to: p)
        let f = try SafetensorsFile(path: p)
        XCTAssertEqual(try f.tensor("empty").shape, [0, 3])
        XCTAssertEqual(try f.tensor("scalar").toArray(), [7])
    }

    // MARK: Corrupt files: each refused with a message naming the file and the problem

    func check(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) {
        let p = path("bad-\(line).safetensors")
        XCTAssertNoThrow(try IOTestFiles.write(bytes, p))
        assertRuntimeError([p] + fragments, line: line) { try SafetensorsFile(path: p) }
    }

    let t = IOTestFiles.self

    func testShortFile() {
        check([1, 2, 3], ["truncated", "3 bytes"])
        check([], ["truncated", "0 bytes"])
    }

    func testAbsurdHeaderLength() {
        check(t.safetensors(header: "{}", declaredLength: 1 << 40), ["header length 1099511627776 is absurd"])
        check(t.safetensors(header: "{}", declaredLength: UInt64.max), ["absurd"])
    }

    func testHeaderLongerThanFile() {
        check(t.safetensors(header: "{}", declaredLength: 1000), ["header length 1000 is larger than the rest of the file (2 bytes)"])
    }

    func testInvalidJSON() {
        check(t.safetensors(header: #"{"a": {"dtype": "F32", "#), ["invalid JSON header"])
        check(t.safetensors(header: "[1, 2]"), ["does not start with '{'"])
        check(t.safetensors(header: #"{"a": {"dtype": "F32", "shape": [1]}}"#), ["tensor 'a'", "missing key 'data_offsets'"])
        check(t.safetensors(header: #"{"a": {"dtype": "F32", "shape": ["x"], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
              ["tensor 'a'", "invalid JSON header", "shape"])
        check(t.safetensors(header: #"{"a": {"dtype": "F32", "shape": [1e30], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
              ["tensor 'a'", "invalid JSON header"])
        check(t.safetensors(header: #"{"__metadata__": {"n": 3}}"#), ["__metadata__ must map strings to strings"])
        check(t.safetensors(header: "{\"a\u{FFFD}\"") .enumerated().map { $0.offset == 10 ? 0xFF : $0.element }, ["UTF-8"])
    }

    func testOffsetsPastEnd() {
        check(t.safetensors(header: #"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, data: t.floatBytes([1, 2])),
              ["tensor 'w'", "data_offsets [0, 16] run past the end of the data (8 bytes)", "truncated"])
    }

    func testBeginAfterEnd() {
        check(t.safetensors(header: #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}"#, data: t.floatBytes([1, 2])),
              ["tensor 'w'", "begin 8 > end 0"])
    }

    func testByteSizeMismatch() {
        check(t.safetensors(header: #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: t.floatBytes([1, 2])),
              ["tensor 'w'", "byte size mismatch", "cover 8 bytes", "[3] of F32 needs 12"])
    }

    func testOverlappingRanges() {
        check(t.safetensors(header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#,
                            data: t.floatBytes([1, 2, 3])),
              ["tensor 'b'", "overlaps tensor 'a'"])
    }

    func testHolesAndTrailingBytes() {
        check(t.safetensors(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, data: t.floatBytes([1, 2])),
              ["bytes [0, 4) belong to no tensor"])
        check(t.safetensors(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: t.floatBytes([1, 2])),
              ["4 trailing data bytes"])
    }

    func testUnknownDType() {
        check(t.safetensors(header: #"{"w": {"dtype": "F7", "shape": [1], "data_offsets": [0, 4]}}"#, data: t.floatBytes([1])),
              ["tensor 'w'", "unknown dtype 'F7'"])
    }

    func testNegativeAndHugeDims() {
        check(t.safetensors(header: #"{"w": {"dtype": "F32", "shape": [2, -2], "data_offsets": [0, 0]}}"#),
              ["tensor 'w'", "negative dimension -2"])
        check(t.safetensors(header: #"{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 0]}}"#),
              ["tensor 'w'", "overflow"])
        check(t.safetensors(header: #"{"w": {"dtype": "F64", "shape": [2305843009213693952], "data_offsets": [0, 0]}}"#),
              ["tensor 'w'", "overflow"])
        check(t.safetensors(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}"#),
              ["tensor 'w'", "negative data offset"])
    }

    func testTruncatedFile() throws {
        let p = path("good.safetensors")
        try SafetensorsWriter.write([("a", Tensor(shape: [8], repeating: 1)), ("b", Tensor(shape: [8], repeating: 2))], to: p)
        let bytes = try IOTestFiles.read(p)
        check(Array(bytes.dropLast(3)), ["tensor 'b'", "past the end", "truncated"])
        check(Array(bytes.prefix(20)), ["larger than the rest of the file"])
    }

    func testUnloadableDTypeIsRefusedOnRead() throws {
        let p = path("int.safetensors")
        try IOTestFiles.write(t.safetensors(header: #"{"steps": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}"#,
                                            data: [1, 0, 0, 0, 0, 0, 0, 0]), p)
        let f = try SafetensorsFile(path: p)
        XCTAssertEqual(f["steps"]?.dtype, .i64)
        assertRuntimeError([p, "tensor 'steps'", "dtype I64 cannot be loaded"]) { try f.tensor("steps") }
        assertRuntimeError([p, "tensor 'nope'", "no such tensor"]) { try f.tensor("nope") }
    }

    func testMissingFile() {
        let p = path("absent.safetensors")
        assertRuntimeError([p, "cannot open"]) { try SafetensorsFile(path: p) }
        assertRuntimeError([dir, "not a regular file"]) { try SafetensorsFile(path: dir) }
    }

    // MARK: Atomic writes

    func testFailedWriteLeavesNothingAndKeepsOldFile() throws {
        let p = path("w.safetensors")
        try SafetensorsWriter.write([("a", Tensor(shape: [1], values: [1]))], to: p)
        let before = try IOTestFiles.read(p)
        assertRuntimeError([p, "duplicate tensor name"]) {
            try SafetensorsWriter.write([("a", Tensor(shape: [1])), ("a", Tensor(shape: [1]))], to: p)
        }
        XCTAssertEqual(try IOTestFiles.read(p), before)
        let missing = "\(dir)/no/such/dir/x.safetensors"
        assertRuntimeError([missing, "temporary file"]) {
            try SafetensorsWriter.write([("a", Tensor(shape: [1]))], to: missing)
        }
        XCTAssertEqual(IOTestFiles.listing(dir), ["w.safetensors"])
    }
}
