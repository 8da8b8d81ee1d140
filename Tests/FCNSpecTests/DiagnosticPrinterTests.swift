// Printing a list of diagnostics: sorted by file, line and column (stably, so diagnostics at
// one place keep the order they were reported in), each followed by its own notes and fix,
// diagnostics without a location first; then the counts.

import XCTest
@testable import FCNSpec

final class DiagnosticPrinterTests: XCTestCase {
    func at(_ file: String, _ line: Int, _ column: Int) -> SourceLocation { SourceLocation(file: file, line: line, column: column) }

    func testListIsSortedByFileLineAndColumnKeepingNotes() {
        let d = Diagnostics()
        d.error(.scaleMismatch, "late in b", at: at("b.yaml", 9, 3),
                notes: [.init("a note in a.yaml", at: at("a.yaml", 1, 1))], fix: "fix it")
        d.warning(.unusedLayer, "first at a:4:12", at: at("a.yaml", 4, 12))
        d.error(.unknownLayer, "a:4:7", at: at("a.yaml", 4, 7))
        d.error(.cropOffsetNegative, "second at a:4:12", at: at("a.yaml", 4, 12))
        d.error(.fileNotFound, "nowhere", at: nil)
        d.error(.badKernel, "a:10:1 after a:4 (numeric, not text, order)", at: at("a.yaml", 10, 1))
        XCTAssertEqual(DiagnosticPrinter(colour: false).render(d.all), """
            error: nowhere [file-not-found]
            a.yaml:4:7: error: a:4:7 [unknown-layer]
            a.yaml:4:12: warning: first at a:4:12 [unused-layer]
            a.yaml:4:12: error: second at a:4:12 [crop-offset-negative]
            a.yaml:10:1: error: a:10:1 after a:4 (numeric, not text, order) [bad-kernel]
            b.yaml:9:3: error: late in b [scale-mismatch]
            a.yaml:1:1: note: a note in a.yaml
              fix: fix it
            5 errors and 1 warning generated.
            """)
        // The collection itself keeps the order things were reported in.
        XCTAssertEqual(d.all.map(\.message).first, "late in b")
    }
}
