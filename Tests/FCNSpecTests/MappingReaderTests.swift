// Typed, located reading of mappings and layers: unknown keys with "did you mean",
// type errors that do not stop reading, [h, w] pairs, value limits, and the
// de-duplicating diagnostics collection.

import XCTest
import Foundation
@testable import FCNSpec
import FCNCompiler

final class MappingReaderTests: XCTestCase {
    func node(_ text: String) throws -> (YAMLNode, Diagnostics) {
        let d = Diagnostics()
        return (try XCTUnwrap(YAMLComposer(file: "m.yaml", diagnostics: d).compose(text)), d)
    }

    func testTypedGettersCollectEveryError() throws {
        let (n, d) = try node("a: 3\nb: x\nc: [2, 4]\nd: [1, 2, 3]\ne: yes\nf: maybe\ng: -2\nh: 1.5\n")
        let r = try XCTUnwrap(MappingReader(n, context: "t", diagnostics: d))
        XCTAssertEqual(r.int("a")?.value, 3)
        XCTAssertNil(r.int("b"))
        XCTAssertEqual(r.pair("c", min: 1)?.value, Pair(2, 4))
        XCTAssertNil(r.pair("d", min: 1))
        XCTAssertEqual(r.bool("e")?.value, true)
        XCTAssertNil(r.bool("f"))
        XCTAssertNil(r.int("g", min: 0))
        XCTAssertEqual(r.double("h")?.value, 1.5)
        XCTAssertNil(r.int("missing"))
        r.finish()
        XCTAssertEqual(d.all.map { "\($0.location!.line):\($0.location!.column) \($0.id.rawValue)" },
                       ["2:4 wrong-type", "4:4 wrong-type", "6:4 wrong-type", "7:4 bad-value"])
        XCTAssertEqual(d.all[0].message, "'b' in t must be an integer, found string 'x'")
    }

    func testUnknownKeysSuggestKnownOnes() throws {
        let (n, d) = try node("kernal: 3\nstrde: 2\nzzzzzz: 1\n")
        let r = try XCTUnwrap(MappingReader(n, context: "layer 'c'", diagnostics: d))
        _ = r.pair("kernel", min: 1)
        _ = r.pair("stride", min: 1)
        r.finish()
        XCTAssertEqual(d.errors.map(\.id), [.unknownKey, .unknownKey, .unknownKey])
        XCTAssertEqual(d.errors.map(\.fix), ["write 'kernel'", "write 'stride'", nil])
        XCTAssertEqual(d.errors.map { $0.location?.line }, [1, 2, 3])
    }

    func testLimits() throws {
        let (n, d) = try node("a: 1073741824\nb: 1073741825\nc: [1, 2147483648]\nkernel: [0, 3]\n")
        let r = try XCTUnwrap(MappingReader(n, context: "t", diagnostics: d))
        XCTAssertEqual(r.int("a")?.value, MappingReader.maxInteger)
        XCTAssertNil(r.int("b"))
        XCTAssertNil(r.pair("c", min: 1))
        XCTAssertNil(r.pair("kernel", min: 1))
        XCTAssertEqual(d.errors.map(\.id), [.badValue, .badValue, .badKernel])
    }

    func testSuggest() {
        XCTAssertEqual(Suggest.distance("kitten", "sitting"), 3)
        XCTAssertEqual(Suggest.distance("", "abc"), 3)
        XCTAssertEqual(Suggest.closest("pol4", in: ["pool3", "pool4", "fc7"]), "pool4")
        XCTAssertEqual(Suggest.closest("cnv", in: ["conv", "deconv"]), "conv")
        XCTAssertNil(Suggest.closest("batchnorm", in: ["conv", "pool"]))
    }

    func testLayerReaderExpandsReluAndAppliesDefaults() throws {
        let (n, d) = try node("""
        defaults: {conv: {kernel: 3, pad: 1}}
        layers:
          - {conv: c1, out: 8, relu: r1}
          - {conv: c2, out: 8, kernel: 1, pad: 0}
          - {pool: p1, kernel: 2, stride: 2}
        """)
        let reader = LayerReader(diagnostics: d, context: "test", catalog: OpRegistry.catalog)
        let layers = reader.readLayers(try XCTUnwrap(n["layers"]), defaults: reader.readDefaults(n["defaults"]))
        XCTAssertTrue(d.all.isEmpty, DiagnosticPrinter(colour: false).render(d.all))
        XCTAssertEqual(layers.map(\.name), ["c1", "r1", "c2", "p1"])
        XCTAssertEqual(layers.map(\.kind), ["conv", "relu", "conv", "pool"])
        XCTAssertEqual(layers[0].pair("kernel")?.value, Pair(3))
        XCTAssertEqual(layers[0].pair("pad")?.value, Pair(1))
        XCTAssertEqual(layers[2].pair("kernel")?.value, Pair(1), "the layer's own value wins over defaults")
        XCTAssertEqual(layers[2].pair("pad")?.value, Pair(0))
        XCTAssertEqual(layers[1].location.description, "m.yaml:3:30")
    }

    func testDiagnosticsDeduplicate() {
        let d = Diagnostics()
        let loc = SourceLocation(file: "f", line: 1, column: 2)
        d.error(.cycle, "x", at: loc)
        d.error(.cycle, "x", at: loc)
        d.warning(.cycle, "x", at: loc)
        d.error(.cycle, "x", at: SourceLocation(file: "f", line: 1, column: 3))
        XCTAssertEqual(d.all.count, 3)
        XCTAssertEqual(d.errors.count, 2)
        XCTAssertEqual(d.warnings.count, 1)
    }

    /// Reporting many problems stays linear (de-duplication used to scan every earlier one).
    func testManyUnknownKeysAreReportedQuickly() throws {
        let count = 20_000
        let text = (0..<count).map { "key\($0): 1" }.joined(separator: "\n")
        let start = Date()
        let (n, d) = try node(text)
        let r = try XCTUnwrap(MappingReader(n, context: "t", diagnostics: d))
        r.finish()
        XCTAssertEqual(d.errors.count, count)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }
}
