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

    private struct Object {
        var seen: [String: Int] = [:]
        var key: String?           // this object's key in its parent, if any
        var expectingKey = true
    }

    /// The first repeated key, in document order, or nil.
    static func first(in b: [UInt8]) -> Duplicate? {
        var stack: [Object?] = []  // nil: an array
        var pendingKey: String? = nil
        var i = 0
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "{"):
                stack.append(Object(key: pendingKey))
                pendingKey = nil
                i += 1
            case UInt8(ascii: "["):
                stack.append(nil)
                pendingKey = nil
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                i += 1
            case UInt8(ascii: ","):
                if let top = stack.last, top != nil { stack[stack.count - 1]!.expectingKey = true }
                pendingKey = nil
                i += 1
            case UInt8(ascii: ":"):
                if let top = stack.last, top != nil { stack[stack.count - 1]!.expectingKey = false }
                i += 1
            case UInt8(ascii: "\""):
                let start = i
                let (text, end) = string(b, from: i)
                i = end
                if let top = stack.last, var object = top, object.expectingKey {
                    if let first = object.seen[text] {
                        var path = stack.compactMap { $0?.key }
                        path.append(text)
                        return Duplicate(path: path, firstOffset: first, offset: start)
                    }
                    object.seen[text] = start
                    stack[stack.count - 1] = object
                    pendingKey = text
                }
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
