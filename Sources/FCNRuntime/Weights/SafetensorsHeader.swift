// The safetensors header's JSON, parsed by hand in one linear pass: Foundation's JSONDecoder
// took most of a minute on a hostile header of a million tensors. It accepts exactly what
// the format allows: an object of tensor entries {"dtype": string, "shape": [int],
// "data_offsets": [int, int]} (other keys in an entry are skipped) and an optional
// "__metadata__" object of strings. A key given twice in one object is an error (JSON
// readers disagree on which copy wins: one crafted file would be two models). Nesting in
// skipped values is bounded, so no input can exhaust the stack.

struct SafetensorsHeader {
    struct Entry { var dtype: String; var shape: [Int]; var offsets: [Int] }

    var tensors: [(name: String, entry: Entry)] = []
    var metadata: [String: String] = [:]

    /// Thrown with the tensor concerned (if any) and the problem.
    struct Failure: Error { var tensor: String?; var problem: String }

    static let maxSkippedDepth = 64

    private let b: [UInt8]
    private var i = 0
    private var inMetadata = false

    static func parse(_ bytes: [UInt8]) throws -> SafetensorsHeader {
        var p = SafetensorsHeader(bytes: bytes)
        try p.parseTop()
        return p
    }

    private init(bytes: [UInt8]) { b = bytes }

    private func fail(_ tensor: String?, _ problem: String) -> Failure {
        Failure(tensor: tensor, problem: "invalid JSON header: \(problem)")
    }

    private mutating func space() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func expect(_ c: UInt8, _ tensor: String?, _ what: String) throws {
        space()
        guard i < b.count, b[i] == c else {
            throw fail(tensor, "expected \(what) at byte \(i)" + (i < b.count ? "" : " (end of header)"))
        }
        i += 1
    }

    /// Loops over an object's members: `body` is called with each key, positioned at its value.
    private mutating func members(_ tensor: String?, _ body: (inout SafetensorsHeader, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"), tensor, "'{'")
        var seen = Set<String>()
        space()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return }
        while true {
            space()
            let at = i
            let key = try string(tensor)
            guard seen.insert(key).inserted else {
                if inMetadata { throw Failure(tensor: nil, problem: "__metadata__ gives key '\(key)' twice") }
                if tensor == nil { throw Failure(tensor: key, problem: "the header names this tensor twice (the second time at byte \(at)); a name must be unique") }
                throw Failure(tensor: tensor, problem: "key '\(key)' appears twice in its entry (the second time at byte \(at))")
            }
            try expect(UInt8(ascii: ":"), tensor ?? key, "':'")
            try body(&self, key)
            space()
            guard i < b.count else { throw fail(tensor, "unterminated object") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return }
            throw fail(tensor ?? key, "expected ',' or '}' at byte \(i)")
        }
    }

    private mutating func parseTop() throws {
        try members(nil) { p, key in
            if key == "__metadata__" {
                try p.parseMetadata()
            } else {
                p.tensors.append((key, try p.parseEntry(key)))
            }
        }
        space()
        guard i == b.count else { throw fail(nil, "unexpected text after the header object at byte \(i)") }
    }

    private mutating func parseMetadata() throws {
        space()
        if literal("null") { return }
        guard i < b.count, b[i] == UInt8(ascii: "{") else { throw Failure(tensor: nil, problem: "__metadata__ must map strings to strings") }
        inMetadata = true
        defer { inMetadata = false }
        try members(nil) { p, key in
            p.space()
            guard p.i < p.b.count, p.b[p.i] == UInt8(ascii: "\"") else {
                throw Failure(tensor: nil, problem: "__metadata__ must map strings to strings")
            }
            p.metadata[key] = try p.string(nil)
        }
    }

    private mutating func parseEntry(_ name: String) throws -> Entry {
        var dtype: String?, shape: [Int]?, offsets: [Int]?
        try members(name) { p, key in
            switch key {
            case "dtype":
                p.space()
                guard p.i < p.b.count, p.b[p.i] == UInt8(ascii: "\"") else { throw p.fail(name, "at dtype: expected a string") }
                dtype = try p.string(name)
            case "shape": shape = try p.integers(name, "shape")
            case "data_offsets": offsets = try p.integers(name, "data_offsets")
            default: try p.skipValue(name, depth: 0)
            }
        }
        guard let dtype else { throw fail(name, "missing key 'dtype'") }
        guard let shape else { throw fail(name, "missing key 'shape'") }
        guard let offsets else { throw fail(name, "missing key 'data_offsets'") }
        return Entry(dtype: dtype, shape: shape, offsets: offsets)
    }

    private mutating func integers(_ tensor: String, _ key: String) throws -> [Int] {
        try expect(UInt8(ascii: "["), tensor, "'[' for \(key)")
        var out: [Int] = []
        space()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return out }
        while true {
            space()
            let start = i
            if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
            while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }
            var isInteger = i > start
            while i < b.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(b[i])
                    || (0x30...0x39).contains(b[i]) { isInteger = false; i += 1 }
            let text = String(decoding: b[start..<i], as: UTF8.self)
            guard i > start else { throw fail(tensor, "at \(key)[\(out.count)]: expected an integer") }
            guard isInteger, let v = Int(text) else {
                throw fail(tensor, "at \(key)[\(out.count)]: \(text) is not an integer in the range of Int")
            }
            out.append(v)
            space()
            guard i < b.count else { throw fail(tensor, "unterminated \(key)") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return out }
            throw fail(tensor, "at \(key): expected ',' or ']' at byte \(i)")
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { return false }
        i += n
        return true
    }

    /// Skips any JSON value (for entry keys the format does not define).
    private mutating func skipValue(_ tensor: String?, depth: Int) throws {
        guard depth < Self.maxSkippedDepth else { throw fail(tensor, "values nested more than \(Self.maxSkippedDepth) deep") }
        space()
        guard i < b.count else { throw fail(tensor, "missing value") }
        switch b[i] {
        case UInt8(ascii: "\""): _ = try string(tensor)
        case UInt8(ascii: "{"): try members(tensor) { p, _ in try p.skipValue(tensor, depth: depth + 1) }
        case UInt8(ascii: "["):
            i += 1
            space()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                try skipValue(tensor, depth: depth + 1)
                space()
                guard i < b.count else { throw fail(tensor, "unterminated array") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return }
                throw fail(tensor, "expected ',' or ']' at byte \(i)")
            }
        default:
            if literal("true") || literal("false") || literal("null") { return }
            let start = i
            while i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: ".")
                    || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") || (0x30...0x39).contains(b[i]) { i += 1 }
            guard i > start else { throw fail(tensor, "unexpected character at byte \(i)") }
        }
    }

    /// A JSON string at `i` (which must be a quote), decoded.
    private mutating func string(_ tensor: String?) throws -> String {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail(tensor, "expected a string at byte \(i)") }
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: "\"") {
            i += 1
            return String(decoding: b[start..<(i - 1)], as: UTF8.self)
        }
        var out = Array(b[start..<i])
        var units: [UInt16] = []
        func flush() { if !units.isEmpty { out += Array(String(decoding: units, as: UTF16.self).utf8); units = [] } }
        while true {
            guard i < b.count else { throw fail(tensor, "unterminated string") }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            guard c >= 0x20 else { throw fail(tensor, "control character in a string at byte \(i)") }
            if c != UInt8(ascii: "\\") { flush(); out.append(c); i += 1; continue }
            guard i + 1 < b.count else { throw fail(tensor, "unterminated string") }
            let e = b[i + 1]
            if e == UInt8(ascii: "u") {
                guard i + 6 <= b.count, let v = UInt16(String(decoding: b[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16) else {
                    throw fail(tensor, "bad \\u escape at byte \(i)")
                }
                units.append(v)
                i += 6
                continue
            }
            flush()
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            default: throw fail(tensor, "bad escape '\\\(Character(Unicode.Scalar(e)))' at byte \(i)")
            }
            i += 2
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }
}
