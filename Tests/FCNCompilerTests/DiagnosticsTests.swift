// One broken spec per diagnostic id (Fixtures/diag-*.yaml), each compiled through the
// whole pipeline. Every test asserts the complete list of errors and warnings it expects,
// as "line:col id" in the fixture's own file, so a missing, extra or misplaced diagnostic
// fails. Several fixtures hold more than one problem of the same stage: all are reported.

import XCTest
import Foundation
import FCNSpec
@testable import FCNCompiler
import FCNPlan

final class DiagnosticsTests: XCTestCase {
    /// Compiles a fixture and checks its errors and warnings, in order, as "line:col id"
    /// (located in the fixture itself unless a file is named: "FILE@line:col id").
    @discardableResult
    func expect(_ fixture: String, _ expected: [String], input: Pair? = nil,
                file: StaticString = #filePath, line: UInt = #line) -> Diagnostics {
        let path = FoundationFixtures.fixture(fixture)
        let (c, d) = FoundationFixtures.compile(path, input: input)
        let found = d.all.filter { $0.severity >= .warning }.map { diag -> String in
            guard let loc = diag.location else { return "nil \(diag.id.rawValue)" }
            let prefix = loc.file == path ? "" : "\(loc.file)@"
            return "\(prefix)\(loc.line):\(loc.column) \(diag.id.rawValue)"
        }
        XCTAssertEqual(found, expected, "\(fixture):\n" + FoundationFixtures.render(d), file: file, line: line)
        if d.hasErrors { XCTAssertNil(c, "a compilation with errors returns nil", file: file, line: line) }
        return d
    }

    func first(_ d: Diagnostics, _ id: DiagnosticID) -> Diagnostic? { d.all.first { $0.id == id } }

    // MARK: Reading files and YAML

    func testYAMLSyntax() throws {
        let d = expect("diag-yaml-syntax.yaml", ["4:5 yaml-syntax"])
        XCTAssertTrue(try XCTUnwrap(first(d, .yamlSyntax)).message.contains("flow mapping"))
    }

    func testDuplicateKey() throws {
        let d = expect("diag-duplicate-key.yaml", ["4:1 duplicate-key"])
        let e = try XCTUnwrap(first(d, .duplicateKey))
        XCTAssertEqual(e.notes.map { $0.location?.description }, ["\(FoundationFixtures.fixture("diag-duplicate-key.yaml")):1:1"])
    }

    func testAliasBudget() throws {
        let start = Date()
        let d = expect("diag-alias-bomb.yaml", ["8:8 alias-budget"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        XCTAssertEqual(first(d, .aliasBudget)?.notes.first?.location?.line, 7, "anchor &e")
    }

    func testExtendsCycle() {
        expect("diag-extends-cycle-a.yaml", ["\(FoundationFixtures.fixture("diag-extends-cycle-b.yaml"))@2:10 extends-cycle"])
    }

    func testFileNotFound() throws {
        let missing = FoundationFixtures.fixture("no-such-model.yaml")
        let (c, d) = FoundationFixtures.compile(missing)
        XCTAssertNil(c)
        XCTAssertEqual(d.all.map(\.id), [.fileNotFound])
        XCTAssertNil(d.all.first?.location, "nothing to point at: the file itself is missing")
        XCTAssertTrue(d.all.first?.message.contains(missing) ?? false, "the message names the file")

        let d2 = expect("diag-backbone-missing.yaml", ["3:11 file-not-found"])
        XCTAssertTrue(first(d2, .fileNotFound)?.message.contains("backbones/nope.yaml") ?? false)
    }

    // MARK: Spec structure

    func testUnknownKeysAllReportedWithSuggestions() throws {
        let d = expect("diag-unknown-key.yaml", ["4:35 unknown-key", "5:38 unknown-key", "6:1 unknown-key"])
        XCTAssertEqual(d.errors.map(\.fix), ["write 'stride'", "write 'pad'", "write 'classes'"])
        XCTAssertTrue(d.errors[0].message.contains("did you mean 'stride'?"), d.errors[0].message)
        XCTAssertTrue(d.errors[0].message.contains("layer 'c1'"), d.errors[0].message)
        XCTAssertEqual(DiagnosticPrinter(colour: false).render(d.errors[1]),
                       "\(FoundationFixtures.fixture("diag-unknown-key.yaml")):5:38: error: unknown key 'padd' in layer 'p1'; did you mean 'pad'? [unknown-key]\n  fix: write 'pad'")
    }

    func testWrongType() throws {
        let d = expect("diag-wrong-type.yaml", ["2:19 wrong-type", "4:21 wrong-type", "5:24 wrong-type", "6:26 wrong-type"])
        XCTAssertTrue(d.errors[1].message.contains("'out' in layer 'c1' must be an integer, found string 'many'"), d.errors[1].message)
    }

    func testMissingKey() throws {
        let d = expect("diag-missing-key.yaml", ["3:5 missing-key", "4:5 missing-key", "5:5 missing-key"])
        XCTAssertTrue(d.errors[0].message.contains("'out'"))
        XCTAssertTrue(d.errors[1].message.contains("'kernel'"))
        XCTAssertTrue(d.errors[2].message.contains("'like'"))
    }

    func testBadValue() {
        let d = expect("diag-bad-value.yaml", ["3:40 bad-value", "4:26 bad-value", "5:35 bad-value"])
        XCTAssertTrue(d.errors[2].message.contains("did you mean 'max'?"), d.errors[2].message)
    }

    func testUnknownOp() {
        let d = expect("diag-unknown-op.yaml", ["3:6 unknown-op", "4:6 unknown-op"])
        XCTAssertEqual(d.errors.map(\.fix), ["write 'conv'", nil])
    }

    func testDuplicateLayer() throws {
        let d = expect("diag-duplicate-layer.yaml", ["4:12 duplicate-layer"])
        XCTAssertEqual(first(d, .duplicateLayer)?.notes.first?.location?.line, 3)
    }

    func testUnknownLayer() throws {
        let d = expect("diag-unknown-layer.yaml", ["5:31 unknown-layer"])
        let e = try XCTUnwrap(first(d, .unknownLayer))
        XCTAssertTrue(e.message.contains("'conv3'") && e.message.contains("did you mean"), e.message)
    }

    func testCycle() throws {
        let d = expect("diag-cycle.yaml", ["4:12 cycle"])
        let e = try XCTUnwrap(first(d, .cycle))
        XCTAssertEqual(e.message, "layers form a cycle: b -> c -> d -> b")
        XCTAssertEqual(e.notes.compactMap { $0.location?.line }, [5, 6])
    }

    func testGraphStageReportsEveryError() {
        expect("diag-many-graph-errors.yaml", ["5:12 duplicate-layer", "6:40 unknown-layer", "7:24 unknown-layer"])
    }

    // MARK: Shapes

    func testBadKernel() {
        let d = expect("diag-bad-kernel.yaml", ["3:32 bad-kernel", "4:35 bad-kernel", "5:32 bad-kernel"])
        XCTAssertTrue(d.errors[1].message.contains("'stride'") && d.errors[1].message.contains("-1"))
    }

    func testKernelTooLargeAndSmallestInput() throws {
        let d = expect("diag-kernel-too-large.yaml", ["6:32 kernel-too-large"])
        let e = try XCTUnwrap(first(d, .kernelTooLarge))
        XCTAssertTrue(e.message.contains("7") && e.message.contains("4x4"), e.message)
        let note = try XCTUnwrap(first(d, .inputTooSmall))
        XCTAssertEqual(note.severity, .note)
        XCTAssertTrue(note.message.contains("7x7"), note.message)
        // At 7x7 it compiles.
        let (c, d7) = FoundationFixtures.compile(FoundationFixtures.fixture("diag-kernel-too-large.yaml"), input: Pair(7))
        XCTAssertNotNil(c, FoundationFixtures.render(d7))
        XCTAssertEqual(c?.validSizes.smallest, [7, 7])
    }

    func testChannelMismatch() throws {
        let d = expect("diag-channel-mismatch.yaml", ["6:11 channel-mismatch"])
        XCTAssertTrue(first(d, .channelMismatch)?.message.contains("8 channels") ?? false)
        XCTAssertTrue(first(d, .channelMismatch)?.message.contains("16 channels") ?? false)
    }

    func testGroupMismatch() {
        expect("diag-group-mismatch.yaml", ["4:49 group-mismatch"])
    }

    func testChannelStageReportsEveryError() {
        expect("diag-many-channel-errors.yaml", ["5:41 group-mismatch", "6:41 group-mismatch", "7:11 channel-mismatch"])
    }

    func testShapeStageReportsEveryError() {
        expect("diag-many-shape-errors.yaml", ["6:12 unused-layer", "5:31 kernel-too-large", "6:31 kernel-too-large"])
    }

    func testSizeOverflow() throws {
        let d = expect("diag-size-overflow.yaml", ["4:12 size-overflow"])
        XCTAssertTrue(first(d, .sizeOverflow)?.message.contains("4096x30000x30000") ?? false)
        // The same net at a size that fits compiles.
        let (c, _) = FoundationFixtures.compile(FoundationFixtures.fixture("diag-size-overflow.yaml"), input: Pair(500))
        XCTAssertNotNil(c)
    }

    /// Values that would overflow the exact integer arithmetic are refused with located errors
    /// (these used to trap: kernel extents, coordinate maps, weight counts).
    func testOverflowGuards() throws {
        let d = expect("diag-huge-integers.yaml", ["4:28 bad-value", "6:21 bad-value", "7:35 bad-kernel"])
        XCTAssertTrue(d.errors[0].message.contains("at most 1073741824"), d.errors[0].message)
        let w = expect("diag-weights-overflow.yaml", ["5:36 size-overflow"])
        XCTAssertTrue(first(w, .sizeOverflow)?.message.contains("65536x65536x1x1 weights") ?? false)
        let m = expect("diag-map-overflow.yaml", ["8:12 size-overflow"])
        XCTAssertTrue(first(m, .sizeOverflow)?.message.contains("coordinate map of 'c4'") ?? false)
    }

    // MARK: Crops and strides

    func testCropOffsetFraction() throws {
        let d = expect("diag-crop-offset-fraction.yaml", ["6:12 crop-offset-fraction"])
        XCTAssertTrue(first(d, .cropOffsetFraction)?.message.contains("0.5") ?? false)
    }

    func testCropOffsetNegative() throws {
        // 'bad' is also off the path to the output ('s'), hence the warning.
        let d = expect("diag-crop-offset-negative.yaml", ["8:12 unused-layer", "8:12 crop-offset-negative"])
        let e = try XCTUnwrap(first(d, .cropOffsetNegative))
        XCTAssertTrue(e.message.contains("offset -1"), e.message)
        // The input's note points at the spec's `input:` key (line 4), not at the model's first line.
        XCTAssertEqual(e.notes.map(\.message), ["'c1' maps input x to x - 1", "'input' maps input x to x"])
        XCTAssertEqual(e.notes.last?.location.map { "\($0.line):\($0.column)" }, "4:1")
    }

    /// Without an `input:` key, the input's note points at the model.
    func testInputNoteWithoutAnInputKeyPointsAtTheModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-diag-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("no-input.yaml").path
        try "# no input key\nname: no-input\ngraph:\n  - {conv: c1, out: 3, kernel: 3}\n  - {crop: bad, like: input}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let (_, d) = FoundationFixtures.compile(path, input: Pair(16))
        let e = try XCTUnwrap(first(d, .cropOffsetNegative), FoundationFixtures.render(d))
        XCTAssertEqual(e.notes.last?.message, "'input' maps input x to x")
        XCTAssertEqual(e.notes.last?.location.map { "\($0.line):\($0.column)" }, "2:1")
    }

    /// The shapes stage's crop check: the offsets are fine, the sizes are not (even inputs).
    func testCropTooSmall() throws {
        let d = expect("diag-crop-too-small.yaml", ["7:23 suspicious-value", "8:12 crop-too-small"])
        XCTAssertTrue(first(d, .cropTooSmall)?.message.contains("needs 9") ?? false)
        let (c, _) = FoundationFixtures.compile(FoundationFixtures.fixture("diag-crop-too-small.yaml"), input: Pair(17))
        XCTAssertEqual(c?.validSizes.gaps.first?.prefix(3), [2, 4, 6], "every even size fails")
    }

    func testScaleMismatch() {
        expect("diag-scale-mismatch.yaml", ["5:12 scale-mismatch"])
        expect("diag-scale-mismatch-sum.yaml", ["5:11 scale-mismatch"])
    }

    /// Kernel [3, 5], stride [1, 2]: each failing axis is reported, with its own stride.
    func testScaleMismatchNamesTheFailingAxisAndItsStride() throws {
        let d = expect("diag-scale-mismatch-axes.yaml", ["8:12 scale-mismatch", "10:12 crop-offset-negative", "10:12 scale-mismatch"])
        XCTAssertEqual(d.errors.map(\.message), [
            "cannot crop 'c1' (stride 2) to 'input' (stride 1) in width: they are at different scales",
            "cannot crop 'c2' to 'input': 'input' starts 1 pixels before 'c2' (height) (offset -1)",
            "cannot crop 'c2' (stride 2) to 'input' (stride 1) in width: they are at different scales",
        ])
    }

    /// FCN-8s with `{upsample: 4, skip: pool3}` after the pool4 step: one error, at that step's
    /// `upsample:`, naming strides 4 and 8 and the fix `upsample: 2` (no follow-on error for
    /// the last step, which is right once this one is fixed).
    func testStrideMismatch() throws {
        let d = expect("diag-stride-mismatch.yaml", ["8:18 stride-mismatch"])
        let e = try XCTUnwrap(first(d, .strideMismatch))
        XCTAssertTrue(e.message.contains("stride 4"), e.message)
        XCTAssertTrue(e.message.contains("stride 8"), e.message)
        XCTAssertTrue(e.message.contains("'pool3'"), e.message)
        XCTAssertTrue(e.message.contains("upsample: 2"), e.message)
        XCTAssertEqual(e.fix, "write 'upsample: 2'")
        XCTAssertEqual(e.notes.first?.message, "the path before 'upscore_pool4' is at stride 16")
    }

    func testStrideMismatchOnTheFinalStep() throws {
        let d = expect("diag-stride-mismatch-final.yaml", ["6:18 stride-mismatch"])
        let e = try XCTUnwrap(first(d, .strideMismatch))
        XCTAssertEqual(e.message, "after upsampling by 16 the path is at stride 2, but the input is at stride 1; 'upsample: 32' would fit")
        XCTAssertEqual(e.fix, "write 'upsample: 32'")
    }

    /// `not-connected` cannot be produced: the only source is the single network input, every
    /// layer reads the previous one or a named layer, so every node descends from the input
    /// and any two nodes share it as a common ancestor. The crop here reads two branches that
    /// meet only at the input, and compiles.
    func testBranchesMeetingAtTheInputAreConnected() {
        let (c, d) = FoundationFixtures.compile(FoundationFixtures.fixture("diag-not-connected.yaml"))
        XCTAssertNotNil(c, FoundationFixtures.render(d))
        XCTAssertFalse(d.all.contains { $0.id == .notConnected })
    }

    // MARK: Warnings

    func testSizeMismatchInASum() throws {
        let d = expect("diag-size-mismatch.yaml", ["8:11 size-mismatch"])
        XCTAssertTrue(first(d, .sizeMismatch)?.message.contains("3x3x3") ?? false)
    }

    func testSuspiciousSpecsWarn() throws {
        let d = expect("diag-suspicious.yaml", ["7:25 suspicious-value", "8:38 suspicious-value", "8:60 learned-upsampler"])
        XCTAssertFalse(d.hasErrors)
        XCTAssertEqual(first(d, .learnedUpsampler)?.fix, "write 'init: bilinear'")
    }

    func testUnusedLayerWarning() throws {
        let d = expect("diag-unused-layer.yaml", ["5:12 unused-layer"])
        XCTAssertFalse(d.hasErrors)
        XCTAssertEqual(first(d, .unusedLayer)?.severity, .warning)
        XCTAssertTrue(first(d, .unusedLayer)?.message.contains("'side'") ?? false)
    }

    /// One warning per dead region, however many roots it has: the sum of two dead layers, and
    /// a crop whose `like:` is dead, are not warned about again.
    func testUnusedLayerWarningPerDeadRegion() throws {
        let d = expect("diag-unused-regions.yaml", ["7:12 unused-layer", "10:12 unused-layer"])
        XCTAssertEqual(d.warnings.map(\.message), [
            "layers 'a' and 'b', and the 1 layer after them, are on no path to the output ('out'): they will not be computed",
            "layer 'd' and the 1 layer after it are on no path to the output ('out'): they will not be computed",
        ])
        XCTAssertEqual(d.warnings.first?.notes.map(\.message), ["'b' is on no path to the output either"])
        XCTAssertEqual(d.warnings.first?.notes.first?.location?.line, 8)
    }

    /// The shipped models compile without a single diagnostic.
    func testShippedModelsAreClean() {
        for model in FoundationFixtures.shippedModels {
            let (c, d) = FoundationFixtures.compile(FoundationFixtures.model(model))
            XCTAssertNotNil(c, model)
            XCTAssertTrue(d.all.isEmpty, "\(model): " + FoundationFixtures.render(d))
        }
    }

    /// Every id is either exercised above or listed here as one that no code path emits.
    func testEveryDiagnosticIDIsAccountedFor() throws {
        let exercised: Set<String> = [
            "file-not-found", "yaml-syntax", "alias-budget", "duplicate-key", "extends-cycle",
            "extends-too-deep", "spec-too-large",
            "unknown-key", "wrong-type", "missing-key", "bad-value", "unknown-op", "duplicate-layer",
            "unknown-layer", "cycle", "bad-kernel", "kernel-too-large", "channel-mismatch",
            "group-mismatch", "size-overflow", "input-too-small", "crop-offset-fraction",
            "crop-offset-negative", "crop-too-small", "scale-mismatch", "stride-mismatch", "unused-layer",
            "size-mismatch", "suspicious-value", "learned-upsampler",
            // block templates: BlockDiagnosticsTests (FCNSpecTests)
            "unknown-block", "unknown-block-param", "unknown-param-reference", "bad-repeat", "when-not-boolean",
            "block-recursion", "too-many-layers",
        ]
        // Declared but never emitted: not-connected is unreachable while a network has one input
        // (every two layers share it as a common ancestor).
        let unreachable: Set<String> = ["not-connected"]
        XCTAssertEqual(Set(DiagnosticID.allCases.map(\.rawValue)), exercised.union(unreachable))
    }
}
