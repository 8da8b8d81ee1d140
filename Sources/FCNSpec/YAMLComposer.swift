// Reads YAML text with Debian's libyaml (event API) and composes it into YAMLNode trees
// that keep 1-based start and end positions. libyaml's marks are 0-based; we add 1.
//
// Refusals, each a located diagnostic rather than a crash:
//  - syntax errors (libyaml's problem and its mark);
//  - duplicate keys in a mapping (with a note at the first occurrence);
//  - alias expansion beyond a hard budget of composed nodes (an "alias bomb" fails fast:
//    the budget is checked before each alias is expanded, and expansion shares storage);
//  - more than one document in a file; non-scalar mapping keys.

import CYAML

public struct YAMLComposer {
    /// Maximum number of nodes a document may expand to, aliases included.
    public static let nodeBudget = 200_000
    /// Maximum nesting of sequences and mappings. Specs nest a handful of levels; trees far
    /// deeper overflowed the stack in the recursive walks (and teardown) of YAMLNode.
    public static let maxDepth = 256

    public let file: String
    private let diagnostics: Diagnostics

    public init(file: String, diagnostics: Diagnostics) {
        self.file = file
        self.diagnostics = diagnostics
    }

    private func loc(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    /// Composes the single document in `text`; nil (with diagnostics) on failure.
    /// An empty file composes to an empty mapping.
    public func compose(_ text: String) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            diagnostics.error(.yamlSyntax, "cannot initialise the YAML parser", at: nil)
            return nil
        }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buf -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            var state = State()
            return run(&parser, &state)
        }
    }

    private struct State {
        var stack: [Frame] = []
        var anchors: [String: YAMLNode] = [:]
        var total = 0
        var root: YAMLNode?
        var documents = 0
    }

    /// An open collection. A class so that appending to it mutates in place: rebuilding an
    /// enum payload on every push copied the array each time (quadratic in its length).
    private final class Frame {
        let isMapping: Bool
        let start: SourceLocation
        let anchor: String?
        var items: [YAMLNode] = []
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var pendingKey: YAMLNode?
        /// Index of each key in `pairs`, for the duplicate-key check in constant time.
        var keyIndex: [String: Int] = [:]
        init(mapping: Bool, start: SourceLocation, anchor: String?) {
            self.isMapping = mapping
            self.start = start
            self.anchor = anchor
        }
    }

    private func run(_ parser: inout yaml_parser_t, _ st: inout State) -> YAMLNode? {
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
                var message = problem
                var notes: [Diagnostic.Note] = []
                if let ctx = parser.context {
                    let context = String(cString: ctx)
                    message += " " + context
                    // Where the unfinished construct began: a '{' whose '}' is missing is
                    // reported where the parser gave up (often the next line), so point back too.
                    let opened = context.contains("flow mapping") ? "'{' opened here; is its '}' missing?"
                        : context.contains("flow sequence") ? "'[' opened here; is its ']' missing?"
                        : "\(context.replacingOccurrences(of: "while parsing ", with: "")) began here"
                    notes.append(.init(opened, at: loc(parser.context_mark)))
                }
                diagnostics.error(.yamlSyntax, message, at: loc(parser.problem_mark), notes: notes)
                return nil
            }
            defer { yaml_event_delete(&event) }
            let start = loc(event.start_mark), end = loc(event.end_mark)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return st.root ?? YAMLNode(.mapping([]), start: start, end: end)
            case YAML_DOCUMENT_START_EVENT:
                st.documents += 1
                if st.documents > 1 {
                    diagnostics.error(.yamlSyntax, "a spec file holds one YAML document; found a second", at: start)
                    return nil
                }
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(s.length)), as: UTF8.self) } ?? ""
                let quoted = s.style != YAML_PLAIN_SCALAR_STYLE
                let node = YAMLNode(.scalar(text, quoted: quoted), start: start, end: end)
                if let a = s.anchor { st.anchors[String(cString: a)] = node }
                guard push(node, &st) else { return nil }
            case YAML_SEQUENCE_START_EVENT where st.stack.count >= Self.maxDepth,
                 YAML_MAPPING_START_EVENT where st.stack.count >= Self.maxDepth:
                diagnostics.error(.aliasBudget, "the document nests deeper than \(Self.maxDepth) levels; refusing", at: start)
                return nil
            case YAML_SEQUENCE_START_EVENT:
                let anchor = event.data.sequence_start.anchor.map { String(cString: $0) }
                st.stack.append(Frame(mapping: false, start: start, anchor: anchor))
            case YAML_MAPPING_START_EVENT:
                let anchor = event.data.mapping_start.anchor.map { String(cString: $0) }
                st.stack.append(Frame(mapping: true, start: start, anchor: anchor))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = st.stack.popLast() else { return nil }
                let node = frame.isMapping ? YAMLNode(.mapping(frame.pairs), start: frame.start, end: end)
                                           : YAMLNode(.sequence(frame.items), start: frame.start, end: end)
                if let anchor = frame.anchor { st.anchors[anchor] = node }
                guard push(node, &st, counted: false) else { return nil }
            case YAML_ALIAS_EVENT:
                let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
                guard let target = st.anchors[name] else {
                    diagnostics.error(.yamlSyntax, "unknown alias '*\(name)'", at: start)
                    return nil
                }
                st.total += target.nodeCount
                if st.total > Self.nodeBudget {
                    diagnostics.error(.aliasBudget,
                        "expanding alias '*\(name)' exceeds the budget of \(Self.nodeBudget) YAML nodes; refusing (an alias bomb?)",
                        at: start, notes: [.init("anchor '&\(name)' defined here", at: target.start)])
                    return nil
                }
                var copy = target
                copy.start = start; copy.end = end
                guard push(copy, &st, counted: false) else { return nil }
            default:
                break
            }
        }
    }

    /// Adds a finished node to the enclosing collection (or makes it the root).
    private func push(_ node: YAMLNode, _ st: inout State, counted: Bool = true) -> Bool {
        if counted {
            st.total += 1
            if st.total > Self.nodeBudget {
                diagnostics.error(.aliasBudget, "document exceeds \(Self.nodeBudget) YAML nodes", at: node.start)
                return false
            }
        } else {
            st.total += 1
        }
        guard let top = st.stack.last else {
            st.root = node
            return true
        }
        if !top.isMapping {
            top.items.append(node)
        } else if let key = top.pendingKey {
            top.pairs.append((key: key, value: node))
            top.pendingKey = nil
        } else {
            guard let k = node.scalar else {
                diagnostics.error(.wrongType, "mapping keys must be plain words, found \(node.kindName)", at: node.start)
                return false
            }
            if let first = top.keyIndex[k] {
                diagnostics.error(.duplicateKey, "duplicate key '\(k)'", at: node.start,
                                  notes: [.init("first given here", at: top.pairs[first].key.start)])
                return false
            }
            top.keyIndex[k] = top.pairs.count
            top.pendingKey = node
        }
        return true
    }
}
