// Finds a key repeated within one JSON object. JSON (RFC 8259) leaves repeated names
// undefined and parsers differ (first wins, last wins), so a safetensors header that repeats a
// tensor name means different models to different readers: we refuse it. The scan runs on a
// header that already parsed, so it only has to be right on valid JSON; it is linear and
// never recurses (nesting is tracked on an explicit stack).

enum JSONDuplicateKeys {
    struct Duplicate: Equatable {
        /// Keys from the top-level object down to the repeated key (decoded).
        var path: [String]
        /// Byte offsets of the first occurrence and of the repeat.
        var firstOffset: Int
        var offset: Int
    }

    /// The first repeated key, in document order, or nil.
    static func first(in b: [UInt8]) -> Duplicate? {
        // Open containers, innermost last: for an object its key set (mutated in place: a
        // copy per key would make the scan quadratic), its key in its parent, whether a key
        // comes next; nil for an array.
        var seen: [[String: Int]?] = []
        var names: [String?] = []
        var expectingKey: [Bool] = []
        var pendingKey: String? = nil
        var i = 0
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "{"):
                seen.append([:]); names.append(pendingKey); expectingKey.append(true)
                pendingKey = nil
                i += 1
            case UInt8(ascii: "["):
                seen.append(nil); names.append(nil); expectingKey.append(false)
                pendingKey = nil
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = seen.popLast(); _ = names.popLast(); _ = expectingKey.popLast()
                i += 1
            case UInt8(ascii: ","):
                if let last = seen.indices.last, seen[last] != nil { expectingKey[last] = true }
                pendingKey = nil
                i += 1
            case UInt8(ascii: ":"):
                if let last = expectingKey.indices.last { expectingKey[last] = false }
                i += 1
            case UInt8(ascii: "\""):
                let start = i
                let (text, end) = string(b, from: i)
                i = end
                guard let last = seen.indices.last, expectingKey[last] else { break }
                if let first = seen[last]?[text] {
                    var path = names.compactMap { $0 }
                    path.append(text)
                    return Duplicate(path: path, firstOffset: first, offset: start)
                }
                seen[last]?[text] = start
                pendingKey = text
            default:
                i += 1
            }
        }
        return nil
    }

    /// The decoded string starting at the quote at `i`, and the index after its closing quote.
    private static func string(_ b: [UInt8], from start: Int) -> (String, Int) {
        var i = start + 1
        var out: [UInt8] = []
        var units: [UInt16] = []   // pending \u escapes (surrogate pairs)
        func flushUnits() {
            if !units.isEmpty { out += Array(String(decoding: units, as: UTF16.self).utf8); units = [] }
        }
        while i < b.count, b[i] != UInt8(ascii: "\"") {
            if b[i] == UInt8(ascii: "\\"), i + 1 < b.count {
                let e = b[i + 1]
                if e == UInt8(ascii: "u"), i + 6 <= b.count,
                   let v = UInt16(String(decoding: b[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16) {
                    units.append(v)
                    i += 6
                    continue
                }
                flushUnits()
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                default: out.append(e)  // \" \\ \/
                }
                i += 2
            } else {
                flushUnits()
                out.append(b[i])
                i += 1
            }
        }
        flushUnits()
        return (String(decoding: out, as: UTF8.self), i + 1)
    }
}
