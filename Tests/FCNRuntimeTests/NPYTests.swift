import XCTest
import Foundation
@testable import FCNRuntime
import FCNPlan

final class NPYTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try IOTestFiles.makeScratchDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    let arange = (0..<120).map { (Float($0) - 60) / 8 }

    func testRoundTrip() throws {
        for shape in [[2, 3, 4, 5], [7], [1, 1, 1, 1], [0, 3], []] {
            let n = shape.reduce(1, *)
            let t = Tensor(shape: shape, values: (0..<n).map { Float($0) * 0.37 - 1 })
            let p = "\(dir)/t.npy"
            try NPY.write(t, to: p)
            let bytes = try IOTestFiles.read(p)
            XCTAssertEqual(Array(bytes[0..<8]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            XCTAssertEqual((10 + headerLength) % 64, 0)
            let r = try NPY.read(path: p)
            XCTAssertEqual(r.shape, shape)
            XCTAssertEqual(r.toArray(), t.toArray())
        }
        XCTAssertEqual(IOTestFiles.listing(dir), ["t.npy"])
    }

    func testReadsNumPyFiles() throws {
        // Written by numpy.save.
        let f4 = try NPY.read(path: IOTestFiles.fixture("arange-2x3x4x5-f4.npy"))
        XCTAssertEqual(f4.shape, [2, 3, 4, 5])
        XCTAssertEqual(f4.toArray(), arange)
        let f8 = try NPY.read(path: IOTestFiles.fixture("arange-2x3x4x5-f8.npy"))
        XCTAssertEqual(f8.shape, [2, 3, 4, 5])
        XCTAssertEqual(f8.toArray(), arange)
    }

    func testRefusesFortranOrderAndOtherDTypes() {
        let f = IOTestFiles.fixture("fortran-3x4-f4.npy")
        assertRuntimeError([f, "Fortran-order"]) { try NPY.read(path: f) }
        let i = IOTestFiles.fixture("int32-5.npy")
        assertRuntimeError([i, "dtype '<i4' is not supported"]) { try NPY.read(path: i) }
    }

    func header(_ dict: String, version: UInt8 = 1) -> [UInt8] {
        var h = Array(dict.utf8) + [UInt8(ascii: "\n")]
        let pre = version == 1 ? 10 : 12
        while (pre + h.count) % 64 != 0 { h.insert(UInt8(ascii: " "), at: h.count - 1) }
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        if version == 1 { out += [UInt8(h.count & 0xFF), UInt8(h.count >> 8)] }
        else { out += [UInt8(h.count & 0xFF), UInt8(h.count >> 8), 0, 0] }
        return out + h
    }

    func check(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) {
        let p = "\(dir)/bad-\(line).npy"
        XCTAssertNoThrow(try IOTestFiles.write(bytes, p))
        assertRuntimeError([p] + fragments, line: line) { try NPY.read(path: p) }
    }

    func testVersion2Header() throws {
        let p = "\(dir)/v2.npy"
        try IOTestFiles.write(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", version: 2)
                              + IOTestFiles.floatBytes([1.5, -2]), p)
        XCTAssertEqual(try NPY.read(path: p).toArray(), [1.5, -2])
    }

    func testBadFiles() {
        let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 2), }"
        check(Array("PK\u{3}\u{4}not numpy at all".utf8), ["bad magic"])
        check([0x93, 0x4E], ["not a .npy file"])
        check(header(good) + IOTestFiles.floatBytes([1, 2, 3]), ["truncated data", "needs 16 bytes, the file has 12"])
        check(header(good) + IOTestFiles.floatBytes([1, 2, 3, 4, 5]), ["4 unexpected bytes"])
        check(Array(header(good).prefix(30)), ["truncated .npy header"])
        check(header("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }") + [0, 0, 0, 0], ["big-endian"])
        check(header("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }") + [0, 0, 0, 0], ["Fortran-order"])
        check(header("{'descr': '<f4', 'shape': (1,), }") + [0, 0, 0, 0], ["fortran_order"])
        check(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1), }"), ["negative dimension"])
        check(header("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 8), }"), ["too large"])
        check(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,2"), ["bad .npy header"])
        var v9 = header(good); v9[6] = 9
        check(v9, ["unsupported .npy format version 9.0"])
    }

    func testWriteIntoMissingDirectoryFails() {
        let p = "\(dir)/missing/x.npy"
        assertRuntimeError([p]) { try NPY.write(Tensor(shape: [1]), to: p) }
        XCTAssertEqual(IOTestFiles.listing(dir), [])
    }
}
