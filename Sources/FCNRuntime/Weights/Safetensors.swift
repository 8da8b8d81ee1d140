// Safetensors files (the format of `safetensors.torch.save_file`):
//   8 bytes: N, the header length, unsigned little-endian
//   N bytes: a UTF-8 JSON object {name: {"dtype", "shape", "data_offsets": [begin, end]}, ...,
//            "__metadata__": {string: string}} (optional), possibly padded with spaces
//   the data: every tensor's bytes, little-endian, row-major, at [begin, end) relative to 8 + N.
// The reader reads the header, validates all of it (including duplicate names, which JSON
// parsers resolve differently) before any tensor is read, then reads each tensor with pread
// straight into its own storage (never mmap: a file truncated underneath gives an error, not
// SIGBUS). F32, F16, BF16 and F64 tensors load as Float32. The writer writes atomically.

import Foundation

public enum SafetensorsDType: String, CaseIterable, Sendable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8"
    case bool = "BOOL", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }

    /// Whether a tensor of this dtype can be loaded (converted to Float32).
    public var isLoadable: Bool { [.f64, .f32, .f16, .bf16].contains(self) }

    static let loadableList = "F32, F16, BF16, F64"
}

/// One tensor of a safetensors header, validated.
public struct SafetensorsEntry: Sendable, Equatable {
    public var name: String
    public var dtype: SafetensorsDType
    public var shape: [Int]
    /// Byte range inside the file (absolute, already offset by the header).
    public var byteRange: Range<Int>
    public var elementCount: Int
}

public final class SafetensorsFile: @unchecked Sendable {
    /// Largest header accepted (the format's reference implementation uses the same bound).
    public static let maxHeaderBytes = 100_000_000

    public let path: String
    public let metadata: [String: String]
    /// Tensors in file order (by offset).
    public let entries: [SafetensorsEntry]
    private let index: [String: Int]
    private let source: ByteSource

    public var names: [String] { entries.map(\.name) }
    public subscript(name: String) -> SafetensorsEntry? { index[name].map { entries[$0] } }

    /// Opens `path` and validates its header and every tensor's extent.
    public convenience init(path: String) throws {
        try self.init(.file(try ReadableFile(path: path)), name: path)
    }

    /// Validates the safetensors bytes `bytes` (tests and fuzzing); `name` is used in messages.
    public convenience init(bytes: [UInt8], name: String) throws {
        try self.init(.memory(bytes), name: name)
    }

    private init(_ source: ByteSource, name path: String) throws {
        self.path = path
        self.source = source
        func fail(_ problem: String) -> RuntimeError { RuntimeError(file: path, problem) }
        func fail(_ tensor: String?, _ problem: String) -> RuntimeError {
            RuntimeError(file: path, tensor: tensor, problem)
        }

        let size = source.size
        guard size >= 8 else {
            throw fail("truncated safetensors file: \(size) bytes, shorter than the 8-byte header length")
        }
        let lengthBytes = try source.bytes(at: 0, count: 8)
        let headerLength = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(SafetensorsFile.maxHeaderBytes) else {
            throw fail("header length \(headerLength) is absurd (more than \(SafetensorsFile.maxHeaderBytes) bytes): not a safetensors file?")
        }
        let n = Int(headerLength)
        guard n <= size - 8 else {
            throw fail("header length \(n) is larger than the rest of the file (\(size - 8) bytes): truncated or not a safetensors file")
        }
        guard n >= 2 else { throw fail("header of \(n) bytes cannot hold a JSON object") }
        let headerBytes = try source.bytes(at: 8, count: n)
        guard headerBytes[0] == UInt8(ascii: "{") else {
            throw fail("header does not start with '{': not a safetensors file?")
        }
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw fail("header is not valid UTF-8")
        }
        let raw: SafetensorsHeader
        do {
            raw = try SafetensorsHeader.parse(headerBytes)
        } catch let e as SafetensorsHeader.Failure {
            throw fail(e.tensor, e.problem)
        }
        metadata = raw.metadata

        let dataStart = 8 + n
        let dataSize = size - dataStart
        var entries: [SafetensorsEntry] = []
        entries.reserveCapacity(raw.tensors.count)
        for (name, r) in raw.tensors {
            guard let dtype = SafetensorsDType(rawValue: r.dtype) else {
                throw fail(name, "unknown dtype '\(r.dtype)' (known: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var count = 1
            for d in r.shape {
                guard d >= 0 else { throw fail(name, "negative dimension \(d) in shape \(r.shape)") }
                let (p, o) = count.multipliedReportingOverflow(by: d)
                guard !o else { throw fail(name, "shape \(r.shape) has too many elements (overflow)") }
                count = p
            }
            let (bytes, o) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !o else { throw fail(name, "shape \(r.shape) of \(dtype.rawValue) is too large (overflow)") }
            guard r.offsets.count == 2 else {
                throw fail(name, "data_offsets must be [begin, end], found \(r.offsets)")
            }
            let begin = r.offsets[0], end = r.offsets[1]
            guard begin >= 0, end >= 0 else { throw fail(name, "negative data offset in \(r.offsets)") }
            guard begin <= end else { throw fail(name, "data_offsets begin \(begin) > end \(end)") }
            guard end <= dataSize else {
                throw fail(name, "data_offsets [\(begin), \(end)] run past the end of the data (\(dataSize) bytes): truncated file?")
            }
            guard end - begin == bytes else {
                throw fail(name, "byte size mismatch: data_offsets cover \(end - begin) bytes but shape \(r.shape) of \(dtype.rawValue) needs \(bytes)")
            }
            entries.append(SafetensorsEntry(name: name, dtype: dtype, shape: r.shape,
                                            byteRange: (dataStart + begin)..<(dataStart + end), elementCount: count))
        }
        entries.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }
        // No overlaps, no holes, no trailing bytes (as the reference implementation demands).
        var covered = dataStart
        var lastName: String? = nil
        for e in entries {
            if e.byteRange.lowerBound < covered {
                throw fail(e.name, "data range [\(e.byteRange.lowerBound - dataStart), \(e.byteRange.upperBound - dataStart)) overlaps tensor '\(lastName ?? "?")'")
            }
            if e.byteRange.lowerBound > covered {
                throw fail("data bytes [\(covered - dataStart), \(e.byteRange.lowerBound - dataStart)) belong to no tensor (hole before '\(e.name)')")
            }
            if !e.byteRange.isEmpty { covered = e.byteRange.upperBound; lastName = e.name }
        }
        if covered != size {
            throw fail("\(size - covered) trailing data bytes belong to no tensor")
        }
        self.entries = entries
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() { index[e.name] = i }
        self.index = index
    }

    /// The tensor `name` converted to Float32.
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = self[name] else {
            throw RuntimeError(file: path, tensor: name, "no such tensor in the file")
        }
        return try tensor(e)
    }

    public func tensor(_ e: SafetensorsEntry) throws -> Tensor {
        guard e.dtype.isLoadable else {
            throw RuntimeError(file: path, tensor: e.name,
                               "dtype \(e.dtype.rawValue) cannot be loaded as float (supported: \(SafetensorsDType.loadableList))")
        }
        let t = Tensor(shape: e.shape)
        let n = e.elementCount
        guard n > 0 else { return t }
        let dst = t.pointer
        if e.dtype == .f32 {
            // Straight into the tensor's storage: no second copy of the file in memory.
            try source.read(into: UnsafeMutableRawPointer(dst), count: n * 4, at: e.byteRange.lowerBound, tensor: e.name)
            #if _endian(big)
            for i in 0..<n { dst[i] = Float(bitPattern: UInt32(littleEndian: dst[i].bitPattern)) }
            #endif
            return t
        }
        // Other dtypes: read in chunks, convert each.
        let size = e.dtype.byteSize
        let chunk = 1 << 16
        var raw = [UInt8](repeating: 0, count: min(n, chunk) * size)
        var done = 0
        while done < n {
            let m = min(chunk, n - done)
            try raw.withUnsafeMutableBytes { buf in
                try source.read(into: buf.baseAddress!, count: m * size, at: e.byteRange.lowerBound + done * size, tensor: e.name)
                convert(UnsafeRawPointer(buf.baseAddress!), e.dtype, count: m, into: dst + done)
            }
            done += m
        }
        return t
    }

    private func convert(_ src: UnsafeRawPointer, _ dtype: SafetensorsDType, count n: Int, into dst: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .f32:
            for i in 0..<n {
                dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case .f16:
            for i in 0..<n {
                dst[i] = FloatFormats.halfToFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .bf16:
            for i in 0..<n {
                dst[i] = FloatFormats.bfloat16ToFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .f64:
            for i in 0..<n {
                dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        default:
            break  // unreachable: only loadable dtypes are read
        }
    }
}

// MARK: - Where the bytes come from

/// An open file (read with pread) or bytes in memory (tests and fuzzing).
private enum ByteSource {
    case file(ReadableFile)
    case memory([UInt8])

    var size: Int {
        switch self {
        case .file(let f): return f.size
        case .memory(let b): return b.count
        }
    }

    func read(into dst: UnsafeMutableRawPointer, count: Int, at offset: Int, tensor: String? = nil) throws {
        switch self {
        case .file(let f):
            try f.read(into: dst, count: count, at: offset, tensor: tensor)
        case .memory(let b):
            precondition(offset >= 0 && count >= 0 && offset + count <= b.count, "read outside the validated extent")
            b.withUnsafeBytes { dst.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
        }
    }

    func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try read(into: $0.baseAddress!, count: count, at: offset) }
        return out
    }
}

// MARK: - Writer

public enum SafetensorsWriter {
    /// Writes `tensors` (in the given order) to `path` atomically, converting to `dtype`
    /// (F32, F16, BF16 or F64).
    public static func write(_ tensors: [(name: String, tensor: Tensor)], to path: String,
                             dtype: SafetensorsDType = .f32, metadata: [String: String] = [:]) throws {
        guard dtype.isLoadable else {
            throw RuntimeError(file: path, "cannot write dtype \(dtype.rawValue) (supported: \(SafetensorsDType.loadableList))")
        }
        var seen = Set<String>()
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }.joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for (name, t) in tensors {
            guard name != "__metadata__" else {
                throw RuntimeError(file: path, tensor: name, "reserved name")
            }
            guard seen.insert(name).inserted else {
                throw RuntimeError(file: path, tensor: name, "duplicate tensor name")
            }
            let bytes = t.count * dtype.byteSize
            if !first { json += "," }
            first = false
            json += "\(jsonString(name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        json += "}"
        var header = Array(json.utf8)
        while (8 + header.count) % 8 != 0 { header.append(UInt8(ascii: " ")) }
        try AtomicFile.write(to: path) { out in
            var len = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &len) { try out.write($0.baseAddress!, count: 8) }
            try out.write(header)
            for (_, t) in tensors {
                try writeData(t, dtype: dtype, to: out)
            }
        }
    }

    private static func writeData(_ t: Tensor, dtype: SafetensorsDType, to out: AtomicFileWriter) throws {
        let n = t.count
        if n == 0 { return }
        if dtype == .f32 {
            #if _endian(little)
            try out.write(UnsafeRawPointer(t.pointer), count: n * 4)
            return
            #endif
        }
        let chunk = 1 << 16
        var buf = [UInt8](repeating: 0, count: chunk * dtype.byteSize)
        var i = 0
        while i < n {
            let m = min(chunk, n - i)
            buf.withUnsafeMutableBytes { raw in
                for j in 0..<m {
                    let v = t.pointer[i + j]
                    switch dtype {
                    case .f16: raw.storeBytes(of: FloatFormats.floatToHalf(v).littleEndian, toByteOffset: 2 * j, as: UInt16.self)
                    case .bf16: raw.storeBytes(of: FloatFormats.floatToBFloat16(v).littleEndian, toByteOffset: 2 * j, as: UInt16.self)
                    case .f64: raw.storeBytes(of: Double(v).bitPattern.littleEndian, toByteOffset: 8 * j, as: UInt64.self)
                    default: raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * j, as: UInt32.self)
                    }
                }
            }
            try buf.withUnsafeBytes { try out.write($0.baseAddress!, count: m * dtype.byteSize) }
            i += m
        }
    }

    /// A JSON string literal.
    static func jsonString(_ s: String) -> String {
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            default:
                if u.value < 0x20 {
                    r += String(format: "\\u%04x", u.value)
                } else {
                    r.unicodeScalars.append(u)
                }
            }
        }
        return r + "\""
    }
}
