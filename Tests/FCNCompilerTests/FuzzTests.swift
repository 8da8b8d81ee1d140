// Fuzzing the whole pipeline with mutated versions of the shipped specs (seeded, so every
// failure is reproducible from its case number). Two mutators:
//  - text: delete / duplicate / swap lines, change numbers to 0, -1, huge, 1.5 or words,
//    rename keys and layer names, insert YAML punctuation, re-indent, truncate;
//  - tree: compose fcn*.yaml with its base and backbone inlined, then replace, delete,
//    duplicate, swap and retype nodes of the YAMLNode tree.
// The property: the compiler never crashes, and either succeeds cleanly or reports at
// least one error located in a real line (line >= 1) or naming a file.

import XCTest
import Foundation
import FCNSpec
@testable import FCNCompiler
import FCNPlan

/// SplitMix64: small, fast, seedable.
private struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let weirdNumbers = ["0", "-1", "1.5", "99999999999", "9223372036854775807", "-9223372036854775808",
                            "4611686018427387904", "65536", "1e308", ".nan", "0x10", "2", "3", "7", "64", "1000000",
                            "abc", "\"8\"", "~", "[]", "{}", "[1, 2]", "[0, 1]", "[3, 99999999999]", "true"]
private let keyWords = ["conv", "deconv", "pool", "relu", "crop", "sum", "lrn", "dropout", "scale", "out", "kernel",
                        "stride", "pad", "dilation", "group", "bias", "from", "like", "upsample", "skip", "steps", "score",
                        "head", "backbone", "extends", "classes", "input", "size", "channels", "layers", "defaults",
                        "graph", "output", "name", "mean", "order", "init", "learn", "method", "rounding", "ratio", "value",
                        "kernal", "xyz"]
private let layerNames = ["input", "pool1", "pool2", "pool3", "pool4", "pool5", "fc6", "fc7", "conv1_1", "relu7",
                          "drop7", "score_fr", "upscore2", "score", "nope", "conv5_3", "norm1", "conv1"]
private let punctuation = ["{", "}", "[", "]", ":", "- ", "&x ", "*x", "#", "\"", "'", "\t", "\n", ",", "? ", "!!str ", "---\n", "|"]

final class FuzzTests: XCTestCase {
    static let entryFor: [String: [String]] = [
        "fcn32s.yaml": ["fcn32s.yaml", "fcn16s.yaml"],
        "fcn16s.yaml": ["fcn16s.yaml"],
        "fcn8s.yaml": ["fcn8s.yaml", "fcn8s-atonce.yaml"],
        "fcn8s-atonce.yaml": ["fcn8s-atonce.yaml"],
        "fcn4s.yaml": ["fcn4s.yaml"],
        "fcn-alexnet.yaml": ["fcn-alexnet.yaml"],
        "backbones/vgg16.yaml": ["fcn8s.yaml", "fcn32s.yaml"],
        "backbones/alexnet.yaml": ["fcn-alexnet.yaml"],
    ]

    var workDir: URL!

    /// FCNGC_FUZZ_SCALE=N runs N times as many cases (with different seeds for N > 1); the
    /// default keeps the suite fast in debug builds.
    static let scale = max(1, Int(ProcessInfo.processInfo.environment["FCNGC_FUZZ_SCALE"] ?? "") ?? 1)
    static func seed(_ base: UInt64) -> UInt64 { scale == 1 ? base : base &+ UInt64(scale) &* 7919 }

    override func setUpWithError() throws {
        workDir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-fuzz-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDir.appendingPathComponent("backbones"), withIntermediateDirectories: true)
        for file in Self.entryFor.keys {
            try FileManager.default.copyItem(at: FoundationFixtures.modelsDir.appendingPathComponent(file),
                                             to: workDir.appendingPathComponent(file))
        }
    }

    override func tearDownWithError() throws {
        if let workDir { try? FileManager.default.removeItem(at: workDir) }
    }

    static func options() -> CompileOptions {
        var o = CompileOptions()
        o.sizeLimit = 12
        return o
    }

    /// The property every run must satisfy. Returns a description of the violation, if any.
    static func violation(_ c: Compilation?, _ d: Diagnostics) -> String? {
        if c != nil {
            return d.hasErrors ? "compiled despite errors" : nil
        }
        guard d.hasErrors else { return "failed without an error" }
        let located = d.errors.contains { e in
            if let loc = e.location { return loc.line >= 1 && !loc.file.isEmpty }
            return e.message.contains(".yaml")
        }
        return located ? nil : "no error has a location or names a file: " + FoundationFixtures.render(d)
    }

    // MARK: Text mutations

    fileprivate static func mutateText(_ text: String, _ rng: inout SeededRNG) -> String {
        var lines = text.components(separatedBy: "\n")
        let count = Int.random(in: 1...3, using: &rng)
        for _ in 0..<count {
            guard !lines.isEmpty else { break }
            let i = Int.random(in: 0..<lines.count, using: &rng)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: lines.remove(at: i)
            case 1: lines.insert(lines[i], at: i)
            case 2: lines.swapAt(i, Int.random(in: 0..<lines.count, using: &rng))
            case 3, 4: lines[i] = replaceToken(lines[i], matching: #"-?[0-9]+(\.[0-9]+)?"#, with: weirdNumbers.randomElement(using: &rng)!, &rng)
            case 5: lines[i] = replaceToken(lines[i], matching: #"[a-z_]+(?=:)"#, with: keyWords.randomElement(using: &rng)!, &rng)
            case 6: lines[i] = replaceToken(lines[i], matching: #"(?<=: )[a-z][a-z0-9_]*"#, with: layerNames.randomElement(using: &rng)!, &rng)
            case 7:
                var chars = Array(lines[i])
                chars.insert(contentsOf: punctuation.randomElement(using: &rng)!, at: Int.random(in: 0...chars.count, using: &rng))
                lines[i] = String(chars)
            case 8:
                let spaces = String(repeating: " ", count: Int.random(in: 0...6, using: &rng))
                lines[i] = spaces + lines[i].drop { $0 == " " }
            default:
                let joined = lines.joined(separator: "\n")
                let cut = Int.random(in: 0...joined.count, using: &rng)
                lines = String(joined.prefix(cut)).components(separatedBy: "\n")
            }
        }
        return lines.joined(separator: "\n")
    }

    fileprivate static func replaceToken(_ line: String, matching pattern: String, with replacement: String, _ rng: inout SeededRNG) -> String {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return line }
        let ns = line as NSString
        let matches = re.matches(in: line, range: NSRange(location: 0, length: ns.length))
        guard let m = matches.randomElement(using: &rng) else { return line }
        return ns.replacingCharacters(in: m.range, with: replacement)
    }

    func testMutatedSpecTexts() throws {
        let files = Self.entryFor.keys.sorted()
        var originals: [String: String] = [:]
        for f in files { originals[f] = try String(contentsOf: workDir.appendingPathComponent(f), encoding: .utf8) }
        var rng = SeededRNG(seed: Self.seed(0x5EED_F00D))
        var outcomes = (ok: 0, failed: 0)
        var seenIDs = Set<DiagnosticID>()
        let cases = 1500 * Self.scale
        for n in 0..<cases {
            let file = files[Int.random(in: 0..<files.count, using: &rng)]
            let mutated = Self.mutateText(originals[file]!, &rng)
            let url = workDir.appendingPathComponent(file)
            try mutated.write(to: url, atomically: false, encoding: .utf8)
            let entry = Self.entryFor[file]!.randomElement(using: &rng)!
            let d = Diagnostics()
            let c = Pipeline.compile(workDir.appendingPathComponent(entry).path, options: Self.options(), diagnostics: d)
            if let v = Self.violation(c, d) {
                XCTFail("text case \(n) (\(file) via \(entry)): \(v)\n--- mutated \(file):\n\(mutated)")
            }
            if c == nil { outcomes.failed += 1 } else { outcomes.ok += 1 }
            seenIDs.formUnion(d.all.map(\.id))
            try originals[file]!.write(to: url, atomically: false, encoding: .utf8)
        }
        // The mutations are not all no-ops, and not all fatal.
        XCTAssertGreaterThan(outcomes.failed, cases / 5, "\(outcomes)")
        XCTAssertGreaterThan(outcomes.ok, cases / 20, "\(outcomes)")
        XCTAssertGreaterThanOrEqual(seenIDs.count, 10, "diagnostics seen: \(seenIDs.map(\.rawValue).sorted())")
    }

    // MARK: Tree mutations

    /// The model's composed tree with its `extends` chain merged and its backbone inlined.
    func inlinedTree(_ model: String) throws -> YAMLNode {
        let d = Diagnostics()
        let path = workDir.appendingPathComponent(model).path
        var root = try XCTUnwrap(SpecFiles(diagnostics: d).readResolved(path))
        let ref = try XCTUnwrap(root["backbone"]?.scalar)
        let backbone = try XCTUnwrap(SpecFiles(diagnostics: d).readResolved(SpecFiles.resolve(ref, relativeTo: root["backbone"]!.start.file)))
        XCTAssertFalse(d.hasErrors)
        root.value = .mapping(root.mapping!.map { $0.key.scalar == "backbone" ? (key: $0.key, value: backbone) : $0 })
        return root
    }

    fileprivate static func randomScalar(_ at: YAMLNode, _ rng: inout SeededRNG) -> YAMLNode {
        let words = weirdNumbers + layerNames + keyWords + ["", "bilinear", "max", "avg", "floor", "ceil", "bgr"]
        let w = words.randomElement(using: &rng)!
        return YAMLNode(.scalar(w, quoted: Bool.random(using: &rng) && w.isEmpty), start: at.start, end: at.end)
    }

    /// Applies one mutation at a random node (chosen by a random walk from the root).
    fileprivate static func mutateTree(_ node: YAMLNode, _ rng: inout SeededRNG, depth: Int = 0) -> YAMLNode {
        var node = node
        let descend = depth < 8 && Int.random(in: 0..<10, using: &rng) < 8
        switch node.value {
        case .mapping(var pairs) where !pairs.isEmpty:
            let i = Int.random(in: 0..<pairs.count, using: &rng)
            if descend {
                pairs[i].value = mutateTree(pairs[i].value, &rng, depth: depth + 1)
            } else {
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: pairs.remove(at: i)
                case 1:
                    let k = pairs[i].key
                    pairs[i].key = YAMLNode(.scalar(keyWords.randomElement(using: &rng)!, quoted: false), start: k.start, end: k.end)
                case 2: pairs.swapAt(i, Int.random(in: 0..<pairs.count, using: &rng))
                case 3: pairs[i].value = randomScalar(pairs[i].value, &rng)
                default: pairs[i].value = YAMLNode(.sequence([pairs[i].value]), start: pairs[i].value.start, end: pairs[i].value.end)
                }
            }
            node.value = .mapping(pairs)
        case .sequence(var items) where !items.isEmpty:
            let i = Int.random(in: 0..<items.count, using: &rng)
            if descend {
                items[i] = mutateTree(items[i], &rng, depth: depth + 1)
            } else {
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: items.remove(at: i)
                case 1: items.insert(items[i], at: i)
                case 2: items.swapAt(i, Int.random(in: 0..<items.count, using: &rng))
                case 3: items[i] = randomScalar(items[i], &rng)
                default: items = Array(items.prefix(i))
                }
            }
            node.value = .sequence(items)
        default:
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: node.value = .mapping([])
            case 1: node.value = .sequence([randomScalar(node, &rng)])
            default: node = randomScalar(node, &rng)
            }
        }
        return node
    }

    func testMutatedSpecTrees() throws {
        let models = ["fcn32s.yaml", "fcn16s.yaml", "fcn8s.yaml", "fcn8s-atonce.yaml", "fcn4s.yaml", "fcn-alexnet.yaml"]
        let trees = try models.map { try inlinedTree($0) }
        // The unmutated trees compile: the harness itself is sound.
        for (m, t) in zip(models, trees) {
            let d = Diagnostics()
            let spec = SpecLoader(diagnostics: d, catalog: OpRegistry.catalog).readModel(t, file: workDir.appendingPathComponent(m).path)
            XCTAssertNotNil(spec.flatMap { Pipeline.compile($0, options: Self.options(), diagnostics: d) }, m + FoundationFixtures.render(d))
        }
        var rng = SeededRNG(seed: Self.seed(0xF00D_5EED))
        var outcomes = (ok: 0, failed: 0)
        let cases = 5000 * Self.scale
        for n in 0..<cases {
            let k = Int.random(in: 0..<models.count, using: &rng)
            var tree = trees[k]
            for _ in 0..<Int.random(in: 1...3, using: &rng) { tree = Self.mutateTree(tree, &rng) }
            let d = Diagnostics()
            let path = workDir.appendingPathComponent(models[k]).path
            var c: Compilation?
            if let spec = SpecLoader(diagnostics: d, catalog: OpRegistry.catalog).readModel(tree, file: path), !d.hasErrors {
                c = Pipeline.compile(spec, options: Self.options(), diagnostics: d)
            }
            if let v = Self.violation(c, d) { XCTFail("tree case \(n) (\(models[k])): \(v)") }
            if c == nil { outcomes.failed += 1 } else { outcomes.ok += 1 }
        }
        XCTAssertGreaterThan(outcomes.failed, cases / 5, "\(outcomes)")
        XCTAssertGreaterThan(outcomes.ok, cases / 20, "\(outcomes)")
    }

    /// Targeted extremes the random mutators reach only rarely: every numeric attribute of a
    /// small net set to huge, negative and overflowing values, one at a time and together.
    func testExtremeNumbers() throws {
        let template = """
        name: extreme
        input: {channels: C, size: S}
        classes: K
        backbone:
          layers:
            - {conv: c1, out: O, kernel: KK, stride: ST, pad: P, dilation: D, group: 1}
            - {pool: p1, kernel: KK, stride: ST, pad: 0}
            - {conv: c2, out: O, kernel: 1}
        head:
          score: c2
          steps:
            - {upsample: U, skip: c1}
            - {upsample: U, kernel: KK}
        """
        let values = ["1", "2", "3", "100", "65535", "1000003", "4294967296", "3037000500", "99999999999",
                      "9223372036854775807", "4611686018427387903"]
        let defaults = ["C": "3", "S": "64", "K": "3", "O": "3", "KK": "2", "ST": "2", "P": "1", "D": "1", "U": "2"]
        let placeholders = defaults.keys.sorted()
        var rng = SeededRNG(seed: Self.seed(42))
        let single = placeholders.count * values.count
        for n in 0..<(single + 400 * Self.scale) {
            // First each placeholder alone through every value, then all of them at random.
            var chosen = defaults
            if n < single {
                chosen[placeholders[n / values.count]] = values[n % values.count]
            } else {
                for p in placeholders { chosen[p] = values.randomElement(using: &rng)! }
            }
            var text = template
            for (p, v) in chosen {
                text = text.replacingOccurrences(of: ": \(p),", with: ": \(v),").replacingOccurrences(of: ": \(p)}", with: ": \(v)}")
                    .replacingOccurrences(of: ": \(p)\n", with: ": \(v)\n")
            }
            let d = Diagnostics()
            let root = YAMLComposer(file: "extreme.yaml", diagnostics: d).compose(text)
            var c: Compilation?
            if let root, let spec = SpecLoader(diagnostics: d, catalog: OpRegistry.catalog).readModel(root, file: "extreme.yaml"), !d.hasErrors {
                c = Pipeline.compile(spec, options: Self.options(), diagnostics: d)
            }
            if let v = Self.violation(c, d) { XCTFail("extreme case \(n): \(v)\n\(text)") }
        }
    }
}
