// NumPy .npy files (format versions 1.0, 2.0 and 3.0): magic "\x93NUMPY", version, header
// length (2 bytes in 1.0, 4 after), a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 4, 5), } padded to 64 bytes, data.
// Reads little-endian float32 ('<f4') and float64 ('<f8', converted) in C order; writes
// '<f4' version 1.0 (2.0 when the header needs it), atomically.

import Foundation

public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Reads a float tensor from `path`.
    public static func read(path: String) throws -> Tensor {
        let file = try FileContents.read(path)
        return try withExtendedLifetime(file) { try decode(file.buffer, name: path) }
    }

    /// Decodes the bytes of a .npy file; `name` is used in error messages.
    public static func decode(_ b: UnsafeRawBufferPointer, name path: String) throws -> Tensor {
        func fail(_ s: String) -> RuntimeError { RuntimeError(file: path, s) }
        let size = b.count
        guard size >= 10, let base = b.baseAddress else { throw fail("not a .npy file: only \(size) bytes") }
        func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
            T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        guard Array(b[0..<6]) == magic else { throw fail("not a .npy file: bad magic bytes (expected \\x93NUMPY)") }
        let major = b[6], minor = b[7]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw fail("unsupported .npy format version \(major).\(minor)")
        }
        guard size >= 8 + lengthBytes else { throw fail("truncated .npy header") }
        let headerLength = lengthBytes == 2 ? Int(loadLE(UInt16.self, at: 8)) : Int(loadLE(UInt32.self, at: 8))
        let headerStart = 8 + lengthBytes
        guard headerLength <= size - headerStart else {
            throw fail("truncated .npy header: header length \(headerLength) but only \(size - headerStart) bytes follow")
        }
        guard let header = String(bytes: b[headerStart..<(headerStart + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("unreadable .npy header")
        }
        let dict: [String: PyValue]
        do {
            var p = PyLiteralParser(header)
            dict = try p.parseDict()
        } catch let e as PyLiteralParser.Failure {
            throw fail("bad .npy header (\(e.message)): \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard case .string(let descr)? = dict["descr"] else { throw fail("bad .npy header: no 'descr' string") }
        guard case .bool(let fortran)? = dict["fortran_order"] else { throw fail("bad .npy header: no 'fortran_order' flag") }
        guard case .tuple(let shape)? = dict["shape"] else { throw fail("bad .npy header: no 'shape' tuple") }
        if fortran {
            throw fail("Fortran-order arrays are not supported (save with numpy.ascontiguousarray)")
        }
        let itemSize: Int
        switch descr {
        case "<f4": itemSize = 4
        case "<f8": itemSize = 8
        case ">f4", ">f8":
            throw fail("big-endian dtype '\(descr)' is not supported (expected '<f4' or '<f8')")
        default:
            throw fail("dtype '\(descr)' is not supported (expected '<f4' float32 or '<f8' float64)")
        }
        var count = 1
        for d in shape {
            guard d >= 0 else { throw fail("negative dimension in shape \(shape)") }
            let (p, o) = count.multipliedReportingOverflow(by: d)
            guard !o else { throw fail("shape \(shape) is too large") }
            count = p
        }
        let (bytes, o) = count.multipliedReportingOverflow(by: itemSize)
        guard !o else { throw fail("shape \(shape) is too large") }
        let dataStart = headerStart + headerLength
        let available = size - dataStart
        if available < bytes {
            throw fail("truncated data: shape \(shape) of '\(descr)' needs \(bytes) bytes, the file has \(available)")
        }
        if available > bytes {
            throw fail("\(available - bytes) unexpected bytes after the data of shape \(shape)")
        }
        let t = Tensor(shape: shape)
        guard count > 0 else { return t }
        let src = base + dataStart
        if itemSize == 4 {
            UnsafeMutableRawPointer(t.pointer).copyMemory(from: src, byteCount: bytes)
            #if _endian(big)
            for i in 0..<count { t.pointer[i] = Float(bitPattern: UInt32(littleEndian: t.pointer[i].bitPattern)) }
            #endif
        } else {
            for i in 0..<count {
                t.pointer[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        }
        return t
    }

    /// Writes `tensor` to `path` as '<f4', C order, atomically.
    public static func write(_ tensor: Tensor, to path: String) throws {
        let dims = tensor.shape.map(String.init)
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(\(dims.joined(separator: ", ")))"
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }".utf8)
        var prefix = magic
        // Version 1.0 stores the header length in 2 bytes; longer headers need 2.0.
        let major: UInt8 = (10 + header.count + 1 + 63) / 64 * 64 - 10 <= 65535 ? 1 : 2
        let preamble = major == 1 ? 10 : 12
        let padded = (preamble + header.count + 1 + 63) / 64 * 64
        header += [UInt8](repeating: UInt8(ascii: " "), count: padded - preamble - header.count - 1)
        header.append(UInt8(ascii: "\n"))
        prefix += [major, 0]
        if major == 1 {
            prefix += [UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
        } else {
            let n = UInt32(header.count)
            prefix += [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8(n >> 24)]
        }
        try AtomicFile.write(to: path) { out in
            try out.write(prefix + header)
            #if _endian(little)
            try out.write(UnsafeRawPointer(tensor.pointer), count: tensor.count * 4)
            #else
            try out.write(tensor.toArray().flatMap { v -> [UInt8] in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) })
            #endif
        }
    }
}

// MARK: - The Python literal subset of .npy headers

enum PyValue: Equatable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case tuple([Int])
}

struct PyLiteralParser {
    struct Failure: Error { var message: String }
    private let s: [Character]
    private var i = 0

    init(_ text: String) { s = Array(text) }

    private mutating func skipSpace() {
        while i < s.count, s[i].isWhitespace { i += 1 }
    }

    private mutating func expect(_ c: Character) throws {
        skipSpace()
        guard i < s.count, s[i] == c else { throw Failure(message: "expected '\(c)' at character \(i)") }
        i += 1
    }

    private mutating func peek() -> Character? {
        skipSpace()
        return i < s.count ? s[i] : nil
    }

    mutating func parseDict() throws -> [String: PyValue] {
        try expect("{")
        var out: [String: PyValue] = [:]
        while true {
            if peek() == "}" { i += 1; break }
            guard case .string(let key) = try parseValue() else { throw Failure(message: "dict key is not a string") }
            try expect(":")
            out[key] = try parseValue()
            if peek() == "," { i += 1; continue }
            try expect("}")
            break
        }
        skipSpace()
        guard i == s.count else { throw Failure(message: "unexpected text after the dict") }
        return out
    }

    private mutating func parseInt() throws -> Int {
        skipSpace()
        var digits = ""
        if i < s.count, s[i] == "-" { digits.append("-"); i += 1 }
        while i < s.count, s[i].isASCII, s[i].isNumber { digits.append(s[i]); i += 1 }
        if i < s.count, s[i] == "L" { i += 1 }  // Python 2 long
        guard let v = Int(digits) else { throw Failure(message: "bad integer '\(digits)'") }
        return v
    }

    private mutating func parseValue() throws -> PyValue {
        guard let c = peek() else { throw Failure(message: "unexpected end") }
        switch c {
        case "'", "\"":
            i += 1
            var r = ""
            while i < s.count, s[i] != c { r.append(s[i]); i += 1 }
            guard i < s.count else { throw Failure(message: "unterminated string") }
            i += 1
            return .string(r)
        case "(":
            i += 1
            var items: [Int] = []
            while true {
                if peek() == ")" { i += 1; break }
                items.append(try parseInt())
                if peek() == "," { i += 1; continue }
                try expect(")")
                break
            }
            return .tuple(items)
        case "T", "F":
            let word = String(s[i..<min(i + 5, s.count)])
            if word.hasPrefix("True") { i += 4; return .bool(true) }
            if word == "False" { i += 5; return .bool(false) }
            throw Failure(message: "bad value at character \(i)")
        default:
            return .int(try parseInt())
        }
    }
}
