// The YAML composer: 1-based locations, duplicate keys, alias budget (billion laughs),
// syntax errors, one document per file, non-scalar keys.

import XCTest
import Foundation
@testable import FCNSpec

final class YAMLComposerTests: XCTestCase {
    func compose(_ text: String, file: String = "t.yaml") -> (YAMLNode?, Diagnostics) {
        let d = Diagnostics()
        return (YAMLComposer(file: file, diagnostics: d).compose(text), d)
    }

    func at(_ n: YAMLNode?) -> String { n.map { "\($0.start.line):\($0.start.column)" } ?? "nil" }

    func testLocationsAreOneBased() throws {
        let text = """
        a: 1
        b:
          - x
          - {y: 2, z: [3, 4]}
        c: "quoted"

        """
        let (root, d) = compose(text)
        XCTAssertTrue(d.all.isEmpty, DiagnosticPrinter(colour: false).render(d.all))
        let r = try XCTUnwrap(root)
        XCTAssertEqual(at(r), "1:1")
        XCTAssertEqual(r.start.file, "t.yaml")
        let pairs = try XCTUnwrap(r.mapping)
        XCTAssertEqual(pairs.map { $0.key.scalar }, ["a", "b", "c"])
        XCTAssertEqual(at(pairs[0].key), "1:1")
        XCTAssertEqual(at(pairs[0].value), "1:4")
        XCTAssertEqual(pairs[0].value.end.column, 5)
        XCTAssertEqual(at(pairs[1].key), "2:1")
        let items = try XCTUnwrap(pairs[1].value.sequence)
        XCTAssertEqual(at(pairs[1].value), "3:3")
        XCTAssertEqual(at(items[0]), "3:5")
        XCTAssertEqual(at(items[1]), "4:5")
        XCTAssertEqual(at(items[1]["y"]), "4:9")
        XCTAssertEqual(at(items[1].mapping?[0].key), "4:6")
        XCTAssertEqual(at(items[1]["z"]?.sequence?[1]), "4:19")
        XCTAssertEqual(at(pairs[2].value), "5:4")
        XCTAssertEqual(pairs[2].value.kindName, "string 'quoted'")
        XCTAssertEqual(pairs[0].value.kindName, "integer 1")
    }

    func testColumnsCountCharactersNotBytes() throws {
        let (root, d) = compose("name: \"é€\"\nx: {é: 1, k: 2}\n")
        XCTAssertFalse(d.hasErrors)
        XCTAssertEqual(at(root?["x"]?.mapping?[1].key), "2:11")
    }

    func testEmptyFileIsAnEmptyMapping() throws {
        for text in ["", "# only a comment\n", "\n\n"] {
            let (root, d) = compose(text)
            XCTAssertFalse(d.hasErrors)
            XCTAssertEqual(root?.mapping?.count, 0, "'\(text)'")
        }
    }

    func testDuplicateKeyWithNoteAtFirst() throws {
        let (root, d) = compose("a: 1\nb: 2\na: 3\n")
        XCTAssertNil(root)
        XCTAssertEqual(d.errors.count, 1)
        let e = try XCTUnwrap(d.errors.first)
        XCTAssertEqual(e.id, .duplicateKey)
        XCTAssertEqual(e.location?.description, "t.yaml:3:1")
        XCTAssertTrue(e.message.contains("'a'"), e.message)
        XCTAssertEqual(e.notes.count, 1)
        XCTAssertEqual(e.notes.first?.location?.description, "t.yaml:1:1")
        XCTAssertEqual(DiagnosticPrinter(colour: false).render(e),
                       "t.yaml:3:1: error: duplicate key 'a' [duplicate-key]\nt.yaml:1:1: note: first given here")
    }

    func testDuplicateKeyInFlowMapping() throws {
        let (_, d) = compose("layers:\n  - {conv: c1, out: 8, out: 16}\n")
        let e = try XCTUnwrap(d.errors.first)
        XCTAssertEqual(e.id, .duplicateKey)
        XCTAssertEqual(e.location?.description, "t.yaml:2:24")
        XCTAssertEqual(e.notes.first?.location?.description, "t.yaml:2:16")
    }

    func testSameKeyInDifferentMappingsIsFine() {
        let (root, d) = compose("a: {x: 1}\nb: {x: 2}\n")
        XCTAssertFalse(d.hasErrors)
        XCTAssertEqual(root?["b"]?["x"]?.scalar, "2")
    }

    /// Billion laughs: 9 levels of 10 aliases (10^9 nodes if expanded) fails fast.
    func testAliasBombFailsFast() throws {
        var text = "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for i in 1..<names.count {
            let refs = Array(repeating: "*\(names[i - 1])", count: 10).joined(separator: ", ")
            text += "\(names[i]): &\(names[i]) [\(refs)]\n"
        }
        let start = Date()
        let (root, d) = compose(text)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThan(elapsed, 2, "alias bomb took \(elapsed) s")
        XCTAssertNil(root)
        let e = try XCTUnwrap(d.errors.first)
        XCTAssertEqual(e.id, .aliasBudget)
        XCTAssertEqual(d.errors.count, 1)
        // The first level whose expansion exceeds 200,000 nodes: level f (each *e is 111,111 nodes).
        XCTAssertEqual(e.location?.line, 6)
        XCTAssertTrue(e.message.contains("*e"), e.message)
        XCTAssertEqual(e.notes.first?.location?.description, "t.yaml:5:4")
    }

    func testModestAliasesAreExpanded() throws {
        let (root, d) = compose("base: &b {kernel: 3, pad: 1}\nuse: *b\n")
        XCTAssertFalse(d.hasErrors)
        XCTAssertEqual(root?["use"]?["pad"]?.scalar, "1")
        XCTAssertEqual(at(root?["use"]), "2:6", "an alias is located where it is used")
        XCTAssertEqual(at(root?["use"]?["pad"]), "1:27", "its contents keep their own location")
    }

    func testUnknownAlias() throws {
        let (root, d) = compose("a: 1\nb: *nope\n")
        XCTAssertNil(root)
        let e = try XCTUnwrap(d.errors.first)
        XCTAssertEqual(e.id, .yamlSyntax)
        XCTAssertEqual(e.location?.description, "t.yaml:2:4")
        XCTAssertTrue(e.message.contains("nope"))
    }

    func testSyntaxErrorsAreLocated() throws {
        let cases: [(String, Int)] = [
            ("a: [1, 2\nb: 3\n", 2),          // unclosed flow sequence: found at `b:`
            ("a: b: c\n", 1),                 // mapping value in a plain scalar
            ("a: \"open\nb: 2\n", 3),         // unclosed quote
            ("a:\n  - 1\n b: 2\n", 3),        // bad indentation
            ("a: 1\n\tb: 2\n", 2),            // tab
            ("{a: 1\n", 2),
            ("- a\nb: 1\n", 2),
        ]
        for (text, line) in cases {
            let (root, d) = compose(text)
            XCTAssertNil(root, text)
            XCTAssertEqual(d.errors.count, 1, text)
            guard let e = d.errors.first else { continue }
            XCTAssertEqual(e.id, .yamlSyntax, text)
            XCTAssertEqual(e.location?.file, "t.yaml")
            XCTAssertEqual(e.location?.line, line, "\(text): \(e.message)")
            XCTAssertGreaterThanOrEqual(e.location?.column ?? 0, 1)
            XCTAssertFalse(e.message.isEmpty)
        }
    }

    func testOneDocumentPerFile() throws {
        let (root, d) = compose("a: 1\n---\nb: 2\n")
        XCTAssertNil(root)
        let e = try XCTUnwrap(d.errors.first)
        XCTAssertEqual(e.id, .yamlSyntax)
        XCTAssertEqual(e.location?.description, "t.yaml:2:1")
    }

    func testNonScalarKeysAreRefused() throws {
        let (root, d) = compose("? [a, b]\n: 1\n")
        XCTAssertNil(root)
        let e = try XCTUnwrap(d.errors.first)
        XCTAssertEqual(e.id, .wrongType)
        XCTAssertEqual(e.location?.description, "t.yaml:1:3")
    }

    func testQuotedScalarsAreNotNull() throws {
        let (root, _) = compose("a: ~\nb: \"~\"\nc: null\nd: ''\n")
        XCTAssertEqual(root?["a"]?.isNull, true)
        XCTAssertEqual(root?["b"]?.isNull, false)
        XCTAssertEqual(root?["c"]?.isNull, true)
        XCTAssertEqual(root?["d"]?.isNull, false)
        XCTAssertEqual(root?["a"]?.kindName, "null")
        XCTAssertEqual(root?["b"]?.kindName, "string '~'")
    }

    /// A large but legal document composes in linear time (no quadratic copying).
    func testLargeDocumentIsFast() throws {
        let items = (0..<60_000).map { "  - \($0)" }.joined(separator: "\n")
        let start = Date()
        let (root, d) = compose("xs:\n" + items + "\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
        XCTAssertFalse(d.hasErrors)
        XCTAssertEqual(root?["xs"]?.sequence?.count, 60_000)
        XCTAssertEqual(at(root?["xs"]?.sequence?.last), "60001:5")
    }

    /// Deep nesting is refused before it can overflow the stack (100,000 levels used to crash).
    func testNestingDepthLimit() throws {
        let depth = YAMLComposer.maxDepth
        // The root mapping plus depth - 1 sequences: accepted.
        let ok = "a: " + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "\n"
        let (root, d) = compose(ok)
        XCTAssertFalse(d.hasErrors, DiagnosticPrinter(colour: false).render(d.all))
        XCTAssertNotNil(root?["a"]?.sequence)
        for n in [depth, 100_000] {
            let text = "a: " + String(repeating: "[", count: n) + String(repeating: "]", count: n) + "\n"
            let (r, d) = compose(text)
            XCTAssertNil(r)
            XCTAssertEqual(d.errors.map(\.id), [.aliasBudget])
            XCTAssertEqual(d.errors.first?.location?.description, "t.yaml:1:\(3 + depth)", "at the first bracket too deep")
        }
    }

    func testNodeBudgetWithoutAliases() throws {
        let items = (0..<(YAMLComposer.nodeBudget + 10)).map { "\($0 % 10)" }.joined(separator: ",")
        let start = Date()
        let (root, d) = compose("xs: [" + items + "]\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertNil(root)
        XCTAssertEqual(d.errors.first?.id, .aliasBudget)
    }
}
