// Where things are in a prototxt. swift-protobuf's text-format parser reports no positions,
// so errors about a layer would have no line. This is not a second parser: it is a light
// scan that knows only strings ('...' and "..." with backslash escapes), `#` comments and
// nesting (`{`/`}` and `<`/`>`). A word followed by `:`, `{` or `<` is a field name. Each
// top-level `layer` / `layers` field opens a block; the i-th such block in the text is the
// i-th element of NetParameter.layer / .layers (the order protobuf keeps for repeated
// fields). Inside a block the scan records where each field name first appears: at depth 1
// (`name`, `type`, `bottom`) and at any depth (`offset` inside `crop_param`).

import FCNSpec

struct PrototxtLocator {
    struct Block {
        var start: SourceLocation
        /// First occurrence of each field that is a direct child of the block.
        var direct: [String: SourceLocation] = [:]
        /// First occurrence of each field at any depth inside the block.
        var nested: [String: SourceLocation] = [:]

        /// The layer's `name:` if written, else the start of its block.
        var nameLocation: SourceLocation { direct["name"] ?? start }
    }

    private(set) var layer: [Block] = []
    private(set) var layers: [Block] = []
    /// Top-level fields (`input`, `input_dim`, `name`): the first occurrence, and every one.
    private(set) var topLevel: [String: SourceLocation] = [:]
    private(set) var topLevelEach: [String: [SourceLocation]] = [:]

    init(text: String, file: String) {
        let bytes = Array(text.utf8)
        var i = 0, line = 1, col = 1, depth = 0
        var current: (isV1: Bool, block: Block)?
        func isWordStart(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        func isWord(_ b: UInt8) -> Bool { isWordStart(b) || (b >= 48 && b <= 57) || b == 46 }
        func advance() {
            if bytes[i] == 10 { line += 1; col = 1 } else if bytes[i] & 0xC0 != 0x80 { col += 1 }
            i += 1
        }
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "#"):
                while i < bytes.count, bytes[i] != 10 { advance() }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                advance()
                while i < bytes.count, bytes[i] != b, bytes[i] != 10 {
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count { advance() }
                    advance()
                }
                if i < bytes.count { advance() }
            case UInt8(ascii: "{"), UInt8(ascii: "<"):
                depth += 1
                advance()
            case UInt8(ascii: "}"), UInt8(ascii: ">"):
                depth = max(0, depth - 1)
                advance()
                if depth == 0, let c = current {
                    if c.isV1 { layers.append(c.block) } else { layer.append(c.block) }
                    current = nil
                }
            default:
                guard isWordStart(b) else { advance(); continue }
                let at = SourceLocation(file: file, line: line, column: col)
                var word = [UInt8]()
                while i < bytes.count, isWord(bytes[i]) { word.append(bytes[i]); advance() }
                var j = i
                while j < bytes.count, [32, 9, 13, 10].contains(bytes[j]) { j += 1 }
                guard j < bytes.count, [UInt8(ascii: ":"), UInt8(ascii: "{"), UInt8(ascii: "<")].contains(bytes[j]) else { continue }
                let name = String(decoding: word, as: UTF8.self)
                if depth == 0 {
                    if name == "layer" || name == "layers" {
                        current = (name == "layers", Block(start: at))
                    } else {
                        if topLevel[name] == nil { topLevel[name] = at }
                        topLevelEach[name, default: []].append(at)
                    }
                } else if current != nil {
                    if depth == 1, current!.block.direct[name] == nil { current!.block.direct[name] = at }
                    if current!.block.nested[name] == nil { current!.block.nested[name] = at }
                }
            }
        }
    }
}
