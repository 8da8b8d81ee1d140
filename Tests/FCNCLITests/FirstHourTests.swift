// What a new user meets in the first hour (issue 12): --version, output names, diff's exit
// status and sections, one error per typo with near names, the plan's one naming rule, the
// DOT picture's skip edges, phases on stderr and --quiet, class names (weights --from is in
// WeightsFromTests).


import Foundation
import XCTest
import FCNRuntime

final class FirstHourTests: XCTestCase {
    typealias Result = CLIProcess.Result
    static let models = CLITests.root.appendingPathComponent("Models").path
    static let slim = CLITests.root.appendingPathComponent("Tests/FCNRuntimeTests/Fixtures/slim").path




    // MARK: 7. Outputs and --version

    func testVersionPrintsToolAndPlanFormat() throws {
        let r = try fcngc("--version")
        XCTAssertEqual(r.status, 0, r.stderr)
        // The plan format version is the one `compile --emit json` writes.
        let plan = try fcngc("compile", CLITests.tiny, "--input", "16", "--emit", "json")
        let obj = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
        let version = try XCTUnwrap(obj?["version"] as? Int)
        XCTAssertTrue(r.stdout.hasPrefix("fcngc ") && r.stdout.hasSuffix("(plan format fcngc-plan \(version))\n"), r.stdout)
    }

    func testOutputNameWithAnotherFormatsExtensionIsRefusedAndNothingWritten() throws {
        let dir = try tempDir()
        let npy = dir.appendingPathComponent("in.npy").path
        try NPY.write(Tensor(shape: [1, 3, 16, 16]), to: npy)
        let jpg = dir.appendingPathComponent("x.jpg").path
        var r = try fcngc("run", CLITests.tiny, "--init", "random", "--tensor", npy, "-o", jpg)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("-o '\(jpg)': cannot write .jpg") && r.stderr.contains(".png"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: jpg))
        r = try fcngc("run", CLITests.tiny, "--init", "random", "--tensor", npy, "--scores", dir.appendingPathComponent("s.png").path)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--scores") && r.stderr.contains(".npy"), r.stderr)
    }

    // MARK: 4. diff

    func testDiffOfASpecWithItselfSaysNoDifferencesAndExits0() throws {
        let r = try fcngc("diff", "Models/fcn8s.yaml", "Models/fcn8s.yaml")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "no differences between fcn8s and fcn8s\n")
    }

    func testDiffAgainstAnotherLadderListsEachLayerOnceAndExits1() throws {
        let dir = try tempDir()
        let b = try spec(dir, "fcn8s-424.yaml", """
            extends: \(Self.models)/fcn32s.yaml
            name: fcn8s-424
            head:
              steps:
                - {upsample: 4, skip: pool3}
                - {upsample: 2, skip: pool2}
                - {upsample: 4}
            """)
        let r = try fcngc("diff", "Models/fcn8s.yaml", b)
        XCTAssertEqual(r.status, 1, r.stderr)
        let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  ~ score_pool3c ") }
        XCTAssertEqual(lines.count, 1, r.stdout)
        XCTAssertTrue(lines.first?.contains("offset 9 -> crop 21x68x68, offset 10") ?? false, r.stdout)
    }

    func testDiffShowsStepsChangedWhenUpsamplersBecomeLearned() throws {
        let dir = try tempDir()
        let b = try spec(dir, "learn.yaml", "extends: \(Self.models)/fcn8s.yaml\nname: fcn8s-learn\nhead:\n  upsample: {learn: true}\n")
        let r = try fcngc("diff", "Models/fcn8s.yaml", b)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stdout.contains("\nsteps changed:\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("~ upscore2        upsample k4 s2 -> 21x34x34, 86.02K MACs  =>  deconv k4 s2 -> 21x34x34, 1.81M MACs"), r.stdout)
        XCTAssertFalse(r.stdout.contains("steps added") || r.stdout.contains("steps removed"), r.stdout)
    }

    // MARK: 6. Messages

    func testTypoInARequiredKeyIsOneErrorWithTheFix() throws {
        let dir = try tempDir()
        let s = try spec(dir, "typo.yaml", "extends: \(Self.models)/fcn32s.yaml\nname: t\nhead:\n  steps:\n    - {upsampel: 32}\n")
        let r = try fcngc("check", s)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("typo.yaml:5:8: error: unknown key 'upsampel' in a head step; did you mean 'upsample'? [unknown-key]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("fix: write 'upsample'") && r.stderr.contains("1 error generated."), r.stderr)
        XCTAssertFalse(r.stderr.contains("missing-key"), r.stderr)
    }

    func testLayerReferencesSuggestNearNames() throws {
        let dir = try tempDir()
        let skip = try spec(dir, "skip.yaml", "extends: \(Self.models)/fcn32s.yaml\nname: t\nhead:\n  steps:\n    - {upsample: 2, skip: conv3}\n    - {upsample: 16}\n")
        var r = try fcngc("check", skip)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("skip.yaml:5:27: error:") && r.stderr.contains("unknown layer 'conv3'; did you mean 'conv3_3'? [unknown-layer]"), r.stderr)
        let score = try spec(dir, "score.yaml", "extends: \(Self.models)/fcn32s.yaml\nname: t\nhead:\n  score: fc_7\n")
        r = try fcngc("check", score)
        XCTAssertTrue(r.stderr.contains("unknown layer 'fc_7'; did you mean 'fc7'?"), r.stderr)
        let out = try spec(dir, "out.yaml", "extends: \(Self.models)/fcn32s.yaml\nname: t\noutput: upscor\n")
        r = try fcngc("check", out)
        XCTAssertTrue(r.stderr.contains("unknown layer 'upscor'; did you mean 'upscore'?"), r.stderr)
    }

    func testMissingExtendsFileSuggestsTheNearFile() throws {
        let dir = try tempDir()
        try "name: base\nbackbone: {layers: [{conv: c, out: 2, kernel: 1}]}\n".write(to: dir.appendingPathComponent("fcn32s.yaml"), atomically: true, encoding: .utf8)
        let s = try spec(dir, "child.yaml", "extends: fcn32.yaml\nname: child\n")
        let r = try fcngc("check", s)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("child.yaml:1:10: error: cannot read spec file '\(dir.path)/fcn32.yaml'; did you mean '\(dir.path)/fcn32s.yaml'? [file-not-found]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("fix: write 'fcn32s.yaml'"), r.stderr)
    }

    func testWrongStrideInAGraphLayerGetsTheWouldFitFix() throws {
        let dir = try tempDir()
        // FCN-16s written out as graph layers, its first upsampler at stride 4 instead of 2.
        let s = try spec(dir, "graph16.yaml", """
            name: graph16
            classes: 21
            backbone: \(Self.models)/backbones/vgg16.yaml
            graph:
              - {conv: score_fr, from: fc7, out: 21, kernel: 1}
              - {deconv: upscore2, out: 21, stride: 4, bias: false}
              - {conv: score_pool4, from: pool4, out: 21, kernel: 1}
              - {crop: score_pool4c, from: score_pool4, like: upscore2}
              - {sum: fuse_pool4, from: [upscore2, score_pool4c]}
              - {deconv: upscore16, out: 21, stride: 16, bias: false}
              - {crop: score, like: input}
            """)
        let r = try fcngc("check", s)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("graph16.yaml:6:41: error: after upsampling by 4 in 'upscore2' the path is at stride 8, but 'score_pool4' is at stride 16; 'stride: 2' would fit [stride-mismatch]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("fix: write 'stride: 2'"), r.stderr)
    }

    func testMissingClosingBraceAlsoPointsAtTheOpeningOne() throws {
        let r = try fcngc("check", "Tests/FCNCompilerTests/Fixtures/diag-yaml-syntax.yaml")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("diag-yaml-syntax.yaml:3:5: note: '{' opened here; is its '}' missing?"), r.stderr)
    }

    func testDotDrawsTheSkipEdgeDashedAndTheUpsamplerEdgePlain() throws {
        let r = try fcngc("compile", "Models/fcn16s.yaml", "--emit", "dot")
        XCTAssertEqual(r.status, 0, r.stderr)
        // Node ids by their label's last line (the step's sources).
        func node(_ sources: String) -> String {
            let nodes = r.stdout.components(separatedBy: "\n  v").dropFirst()
            let label = nodes.first { $0.contains("\n\(sources)\"") } ?? ""
            return "v" + label.prefix { $0 != " " }
        }
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let pool4 = node("conv4_3+relu4_3+pool4"), scorePool4 = node("score_pool4"), up = node("upscore2"), fuse = node("fuse_pool4+score_pool4c")   // pool4 is fused into conv4_3
        let skip = lines.first { $0.hasPrefix("  \(pool4) -> \(scorePool4)") } ?? "no edge \(pool4) -> \(scorePool4)"
        XCTAssertTrue(skip.contains("style=dashed") && skip.contains("#1a73e8"), skip)
        let upEdge = lines.first { $0.hasPrefix("  \(up) -> \(fuse)") } ?? "no edge \(up) -> \(fuse) dashed"
        XCTAssertFalse(upEdge.contains("dashed"), upEdge)
    }

    // MARK: 3. One naming rule

    func testTextPlanAndDumpedStepsUseTheSameNames() throws {
        let dir = try tempDir()
        let plan = try fcngc("compile", CLITests.tiny, "--input", "20x24")
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let npy = dir.appendingPathComponent("in.npy").path
        try NPY.write(Tensor(shape: [1, 3, 20, 24]), to: npy)
        let steps = dir.appendingPathComponent("steps")
        XCTAssertEqual(try fcngc("run", CLITests.tiny, "--init", "random", "--tensor", npy, "--dump-steps", steps.path, "--quiet").status, 0)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: steps.path).map { ($0 as NSString).deletingPathExtension })
        // Every value the text plan's inputs column names (name[window]@slot) is a dumped file.
        let pattern = try NSRegularExpression(pattern: "([A-Za-z_][A-Za-z0-9_]*)(\\[[^\\]]*\\])?@s[0-9]+")
        let text = plan.stdout as NSString
        let inputs = pattern.matches(in: plan.stdout, range: NSRange(location: 0, length: text.length))
            .map { text.substring(with: $0.range(at: 1)) }.filter { $0 != "input" }
        XCTAssertFalse(inputs.isEmpty, plan.stdout)
        for name in inputs { XCTAssertTrue(files.contains(name), "\(name) not among \(files.sorted())") }
    }

    // MARK: 2. Phases on stderr, --quiet

    func testRunPrintsPhasesOffATerminalAndQuietSilencesThem() throws {
        let dir = try tempDir()
        let img = RGBImage(width: 20, height: 16, pixels: (0..<(20 * 16 * 3)).map { UInt8(($0 * 5) % 256) })
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try Images.writePNG(img, to: images.appendingPathComponent("a.png").path)
        let one = try fcngc("run", CLITests.tiny, "--init", "random:2", "--image", images.appendingPathComponent("a.png").path,
                            "-o", dir.appendingPathComponent("a.png").path)
        XCTAssertEqual(one.status, 0, one.stderr)
        for phase in ["compile ", "make random weights (seed 2): ", "prepare kernels: ", "run 16x20: ", "write: "] {
            XCTAssertTrue(one.stderr.contains("\n" + phase) || one.stderr.hasPrefix(phase), "\(phase) in:\n\(one.stderr)")
        }
        XCTAssertFalse(one.stderr.contains("\u{1B}["), "no terminal control off a terminal")
        let quiet = try fcngc("run", CLITests.tiny, "--init", "random:2", "--image", images.path, "-o", dir.appendingPathComponent("out").path, "--quiet")
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertEqual(quiet.stderr, "")
        let many = try fcngc("run", CLITests.tiny, "--init", "random:2", "--image", images.path, "-o", dir.appendingPathComponent("out2").path)
        XCTAssertTrue(many.stderr.contains("[1/1] a.png: ") && many.stderr.hasSuffix("1 of 1 images\n"), many.stderr)
    }

    // MARK: 8. Classes

    func testVOCModelsNameTheirClassesInThePlanJSON() throws {
        let r = try fcngc("compile", "Models/fcn8s.yaml", "--emit", "json", "--input", "64")
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let names = obj["classes"] as? [String]
        XCTAssertEqual(names?.count, 21)
        XCTAssertEqual(names?.first, "background")
        XCTAssertEqual(names?[15], "person")
        XCTAssertEqual(names?.last, "tvmonitor")
    }

    func testClassListErrors() throws {
        let dir = try tempDir()
        let s = try spec(dir, "c.yaml", "extends: \(Self.models)/fcn32s.yaml\nname: t\nclasses: [bg, cat, bg]\n")
        let r = try fcngc("check", s)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("c.yaml:3:20: error: class name 'bg' is listed twice in 'classes' [bad-value]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("c.yaml:3:11: note: 'bg' first listed here"), r.stderr)
    }

    func testEvalWithASpecPrintsAPerClassTableWithNamesAndOverlayHasALegend() throws {
        let dir = try tempDir()
        let spec = try spec(dir, "named.yaml", """
            extends: \(CLITests.tiny)
            name: named
            classes: [background, road, car, person, sky]
            backbone: \(CLITests.root.path)/Tests/FCNRuntimeTests/Fixtures/tiny-backbone.yaml
            """)
        let img = RGBImage(width: 24, height: 20, pixels: (0..<(24 * 20 * 3)).map { UInt8(($0 * 11) % 256) })
        let png = dir.appendingPathComponent("img.png").path
        try Images.writePNG(img, to: png)
        let pred = dir.appendingPathComponent("pred"), gt = dir.appendingPathComponent("gt")
        try FileManager.default.createDirectory(at: pred, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: gt, withIntermediateDirectories: true)
        let r = try fcngc("run", spec, "--init", "random:4", "--image", png, "-o", pred.appendingPathComponent("img.png").path,
                          "--overlay", dir.appendingPathComponent("ov.png").path)
        XCTAssertEqual(r.status, 0, r.stderr)
        let labels = try LabelPNG.read(path: pred.appendingPathComponent("img.png").path)
        let top = Dictionary(grouping: labels.labels, by: { $0 }).max { ($0.value.count, $1.key) < ($1.value.count, $0.key) }!.key
        let names = ["background", "road", "car", "person", "sky"]
        XCTAssertTrue(r.stderr.contains("legend: \(top) \(names[Int(top)]) #"), r.stderr)
        try LabelPNG.write(labels, to: gt.appendingPathComponent("img.png").path)
        let e = try fcngc("eval", pred.path, gt.path, "--spec", spec)
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.contains("class  name"), e.stdout)
        for (i, n) in names.enumerated() { XCTAssertTrue(e.stdout.contains("\n    \(i)  \(n) "), e.stdout) }
        XCTAssertTrue(e.stdout.contains("\(top)  \(names[Int(top)])") && e.stdout.contains("1.0000"), e.stdout)
        let bad = try fcngc("eval", pred.path, gt.path, "--spec", spec, "--classes", "7")
        XCTAssertNotEqual(bad.status, 0)
    }
}
