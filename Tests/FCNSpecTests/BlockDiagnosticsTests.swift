// Diagnostics of block templates, as printed: each at the template line (or the instance key
// at fault) with a note at the instance that made the layer. Hostile inputs: a block that
// instantiates itself, a huge repeat, nesting that explodes; each is one error, fast.

import XCTest
import Foundation
@testable import FCNSpec
import FCNCompiler

final class BlockDiagnosticsTests: XCTestCase {
    var helper: TempSpecs!
    override func setUpWithError() throws { helper = try TempSpecs() }
    override func tearDown() { helper = nil }

    func check(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (spec, d, _) = try helper.loadModel(text)
        XCTAssertNil(spec, file: file, line: line)
        XCTAssertEqual(helper.printed(d), expected, file: file, line: line)
    }

    static let block = """
        blocks:
          b:
            params: {width: 8, flag: false, n: ~}
            layers:
              - {conv: c1, out: $width, kernel: 1}
              - {relu: r, when: flag}
              - {conv: c2, out: $n, kernel: 3, pad: 1}
        graph:
          - {conv: stem, out: 4, kernel: 1}

        """

    func testErrorInAGeneratedLayerNamesTheInstance() throws {
        try check(Self.block + "  - {block: b, name: s, repeat: 2, n: 4, width: -1, first: {width: 3}}", """
            DIR/model.yaml:5:25: error: 'out' in layer 's.1.c1' must be at least 1, found -1 [bad-value]
            DIR/model.yaml:10:5: note: in instance 's.1' of block 'b'
            1 error generated.
            """)
    }

    func testWhenOnANonBoolean() throws {
        try check(Self.block + "  - {block: b, name: s, repeat: 3, n: 4, flag: 3}", """
            DIR/model.yaml:6:25: error: 'when: flag' needs a boolean, but flag of instance 's.0' is integer 3 [when-not-boolean]
            DIR/model.yaml:10:5: note: in instance 's.0' of block 'b'
            DIR/model.yaml:10:48: note: the value of 'flag'
              fix: give 'flag' the value true or false
            1 error generated.
            """)
    }

    func testUnknownBlockParamMissingParamAndBadRepeat() throws {
        try check(Self.block + """
              - {block: bb, name: t, n: 1}
              - {block: b, name: u, n: 1, widht: 3}
              - {block: b, name: v, n: 2, repeat: 0}
              - {block: b, name: w, repeat: 2, first: {n: 2}}
            """, """
            DIR/model.yaml:10:13: error: unknown block 'bb'; the blocks defined here are b; did you mean 'b'? [unknown-block]
              fix: write 'b'
            DIR/model.yaml:11:31: error: block 'b' has no param 'widht'; its params are width, flag, n; did you mean 'width'? [unknown-block-param]
              fix: write 'width'
            DIR/model.yaml:12:39: error: 'repeat' is how many instances to make, a whole number from 1 to 1073741824; found integer 0 [bad-repeat]
            DIR/model.yaml:13:5: error: instance 'w' of block 'b' needs param 'n' (it has no default); 'first' gives it for the first instance only [missing-key]
            DIR/model.yaml:3:37: note: 'n' is declared here
              fix: write 'n: VALUE' on the instance
            4 errors generated.
            """)
    }

    func testReferenceToNoParamIsOneErrorAtTheDefinition() throws {
        try check("""
            blocks:
              b:
                params: {width: 8}
                layers:
                  - {conv: c1, out: $widht, kernel: 1, when: flg}
            graph:
              - {conv: stem, out: 4, kernel: 1}
              - {block: b, name: s, repeat: 50}
              - {conv: x, out: $width, kernel: 1}
            """, """
            DIR/model.yaml:5:25: error: '$widht' in block 'b' names no param; its params are width (and $in, the instance's input); did you mean 'width'? [unknown-param-reference]
              fix: write '$width'
            DIR/model.yaml:5:50: error: 'when: flg' in block 'b' names no param; its params are width (and $in, the instance's input) [unknown-param-reference]
            DIR/model.yaml:9:20: error: '$width' refers to a block param, but this layer is in no block [unknown-param-reference]
            DIR/model.yaml:9:20: error: 'out' in layer 'x' must be an integer, found string '$width' [wrong-type]
            4 errors generated.
            """)
    }

    func testBlockInstantiatingItselfIsRefused() throws {
        try check("""
            blocks:
              a:
                layers:
                  - {conv: c, out: 4, kernel: 1}
                  - {block: z, name: inner}
              z:
                layers:
                  - {block: a, name: again, repeat: 1000}
            graph:
              - {block: a, name: top}
            """, """
            DIR/model.yaml:8:17: error: block 'a' instantiates itself: a -> z -> a [block-recursion]
            DIR/model.yaml:5:9: note: in instance 'top.inner' of block 'z'
            DIR/model.yaml:10:5: note: in instance 'top' of block 'a'
            DIR/model.yaml:2:3: note: block 'a' is defined here
            1 error generated.
            """)
    }

    /// Found by BlockFuzzTests: a template layer that is only `when:` crashed the expander.
    func testALayerThatIsOnlyWhenIsNoLayer() throws {
        try check("""
            blocks:
              b:
                params: {f: false}
                layers:
                  - {when: f}
                  - {conv: c, out: 2, kernel: 1}
            graph:
              - {block: b, name: x}
            """, """
            DIR/model.yaml:5:10: error: unknown layer kind 'when'; a layer's first key is its kind, one of \(OpRegistry.catalog.kinds.joined(separator: ", ")) [unknown-op]
            DIR/model.yaml:8:5: note: in instance 'x' of block 'b'
            1 error generated.
            """)
    }

    /// An instance named `input` would make every `input` reference mean the block's output.
    func testAnInstanceCannotBeNamedInput() throws {
        try check(Self.block + "  - {block: b, name: input, n: 4}\n  - {resize: out, like: input}", """
            DIR/model.yaml:10:22: error: 'input' is the network input; choose another name for the block instance [duplicate-layer]
            1 error generated.
            """)
    }

    func testHugeRepeatIsOneErrorBeforeAnyWork() throws {
        try check(Self.block + "  - {block: b, name: s, repeat: 1000000000, n: 4}", """
            DIR/model.yaml:10:33: error: block instance 's' would generate 1000000000 x 3 layers; a spec may generate at most 100000 [too-many-layers]
            1 error generated.
            """)
    }

    func testNestedRepeatsStopAtTheLimit() throws {
        let (spec, d, _) = try helper.loadModel("""
            blocks:
              leaf:
                layers:
                  - {relu: r}
              mid:
                layers:
                  - {block: leaf, name: l, repeat: 60000}
            graph:
              - {conv: stem, out: 4, kernel: 1}
              - {block: mid, name: m, repeat: 60000}
            """)
        XCTAssertNil(spec)
        XCTAssertEqual(d.all.map(\.id), [.tooManyLayers])
        XCTAssertEqual(d.all.first?.location?.instantiation.map(\.instance), ["m.1"])
    }
}
