// Readers under hostile conditions (issue 13): files truncated while open, FIFOs, repeated
// tensor names, a header of a million tensors. Each failed (crash, hang or wrong model) before.

import Foundation
import XCTest
import FCNPlan
@testable import FCNRuntime

final class RobustReadersTests: XCTestCase {
    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-readers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func safetensors(_ header: String, data: [UInt8]) -> [UInt8] {
        var h = Array(header.utf8)
        while (8 + h.count) % 8 != 0 { h.append(UInt8(ascii: " ")) }
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
        return out + h + data
    }

    func testWeightsTruncatedWhileOpenGiveAnErrorNotSIGBUS() throws {
        let dir = try tempDir()
        let path = dir.appendingPathComponent("w.safetensors").path
        try SafetensorsWriter.write([("a", Tensor(shape: [1024], repeating: 1)), ("b", Tensor(shape: [4096], repeating: 2))], to: path)
        let file = try SafetensorsFile(path: path)
        XCTAssertEqual(truncate(path, 100), 0)
        XCTAssertThrowsError(try file.tensor("b")) { e in
            let m = (e as? RuntimeError)?.message ?? "\(e)"
            XCTAssertTrue(m.contains(path) && m.contains("tensor 'b'") && m.contains("changed while being read"), m)
        }
    }

    func testFIFOsAreRefusedWithoutBlocking() throws {
        let dir = try tempDir()
        let fifo = dir.appendingPathComponent("fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let readers: [(String, () throws -> Void)] = [
            ("safetensors", { _ = try SafetensorsFile(path: fifo) }), ("npy", { _ = try NPY.read(path: fifo) }),
            ("image", { _ = try Images.read(path: fifo) }), ("label", { _ = try LabelPNG.read(path: fifo) }),
        ]
        for (name, read) in readers {
            XCTAssertThrowsError(try read(), name) { e in
                XCTAssertEqual((e as? RuntimeError)?.message, "\(fifo): not a regular file (a FIFO); give a file", name)
            }
        }
    }

    func testRepeatedTensorNameIsAnError() throws {
        let f: [UInt8] = [0, 0, 128, 63, 0, 0, 0, 64]
        let bytes = safetensors(#"{"c1.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"c1.weight":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: f)
        XCTAssertThrowsError(try SafetensorsFile(bytes: bytes, name: "dup.safetensors")) { e in
            let m = (e as? RuntimeError)?.message ?? "\(e)"
            XCTAssertTrue(m.hasPrefix("dup.safetensors: tensor 'c1.weight': the header names this tensor twice"), m)
        }
        // The same name spelled with an escape is the same key.
        let escaped = safetensors(#"{"ab":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a\u0062":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: f)
        XCTAssertThrowsError(try SafetensorsFile(bytes: escaped, name: "esc.safetensors"))
        // A key repeated inside one entry is refused too.
        let inner = safetensors(#"{"a":{"dtype":"F32","shape":[1],"shape":[2],"data_offsets":[0,4]}}"#, data: Array(f.prefix(4)))
        XCTAssertThrowsError(try SafetensorsFile(bytes: inner, name: "inner.safetensors"))
        // Distinct names still load.
        let ok = safetensors(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: f)
        XCTAssertEqual(try SafetensorsFile(bytes: ok, name: "ok").names, ["a", "b"])
    }

    func testManyExtraTensorsGiveASummaryNotOneLineEach() throws {
        let dir = try tempDir()
        let path = dir.appendingPathComponent("many.safetensors").path
        let entries = (0..<5000).map { #""t\#($0)":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}"# }
        try Data(safetensors("{" + entries.joined(separator: ",") + "}", data: [])).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try WeightStore.load(path: path, expected: [WeightRef(name: "w", shape: [1])])) { e in
            let err = e as! RuntimeError
            XCTAssertEqual(err.problem, "weights do not match the model (5001 problems)")
            XCTAssertEqual(err.details.count, WeightStore.maxListedProblems + 1)
            XCTAssertEqual(err.details.last, "... and 4981 more (5000 tensors in the file, 1 expected)")
        }
    }

    func testTensorReadInChunksMatchesTheWholeFile() throws {
        // F16 tensors are read and converted in chunks of 65,536 values: across a chunk edge.
        let dir = try tempDir()
        let path = dir.appendingPathComponent("h.safetensors").path
        let n = 70_000
        let t = Tensor(shape: [n])
        for i in 0..<n { t.pointer[i] = Float(i % 1000) }
        try SafetensorsWriter.write([("h", t)], to: path, dtype: .f16)
        let back = try SafetensorsFile(path: path).tensor("h")
        XCTAssertEqual(back.toArray(), t.toArray())
    }

    func testDirectoriesGiveOurMessages() throws {
        let dir = try tempDir()
        XCTAssertThrowsError(try Directories.list(dir.appendingPathComponent("nope").path)) {
            XCTAssertEqual(($0 as? RuntimeError)?.problem, "no such directory")
        }
        let file = dir.appendingPathComponent("f")
        try Data([1]).write(to: file)
        XCTAssertThrowsError(try Directories.create(file.appendingPathComponent("sub").path)) {
            XCTAssertEqual(($0 as? RuntimeError)?.problem, "is a file; a directory is needed here")
        }
        try Directories.create(dir.appendingPathComponent("a/b/c").path)
        XCTAssertEqual(Directories.kind(dir.appendingPathComponent("a/b/c").path), .directory)
    }

    func testMemoryLimitParsing() {
        XCTAssertEqual(MemoryGuard.parse("8G"), 8 << 30)
        XCTAssertEqual(MemoryGuard.parse("512M"), 512 << 20)
        XCTAssertEqual(MemoryGuard.parse("1.5GiB"), 3 << 29)
        XCTAssertEqual(MemoryGuard.parse("1000"), 1000)
        XCTAssertNil(MemoryGuard.parse("lots"))
        XCTAssertNil(MemoryGuard.parse("-1G"))
        XCTAssertGreaterThan(MemoryGuard.defaultLimit(), 0)
    }

    /// An output on a character device (`-o /dev/null`) is written straight through: /dev/null
    /// stays the device (a temporary file renamed over it would replace it), and nothing is left
    /// beside it. A regular file is still written through a temporary file.
    func testOutputsToACharacterDeviceAreWrittenStraightThrough() throws {
        XCTAssertTrue(Directories.isCharacterDevice("/dev/null"))
        try AtomicFile.write(Data(repeating: 7, count: 1 << 16), to: "/dev/null")
        try NPY.write(Tensor(shape: [2, 3], repeating: 1), to: "/dev/null")
        var st = stat()
        XCTAssertEqual(stat("/dev/null", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "/dev/null is still a character device")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: "/dev").contains { $0.hasPrefix(".null.tmp-") })
        let file = try tempDir().appendingPathComponent("out.bin").path
        XCTAssertFalse(Directories.isCharacterDevice(file))
        try AtomicFile.write(Data([1, 2, 3]), to: file)
        XCTAssertEqual(FileManager.default.contents(atPath: file), Data([1, 2, 3]))
    }
}
