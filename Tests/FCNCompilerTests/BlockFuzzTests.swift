// Seeded fuzzing of block templates: a small ResNet written with a bottleneck block, its lines
// deleted, duplicated and swapped, its numbers, `$` references, names and block keys replaced
// by hostile values. The property (FuzzTests.violation): no crash or hang, and either a clean
// compilation or at least one located error.

import XCTest
import Foundation
import FCNSpec
@testable import FCNCompiler

final class BlockFuzzTests: XCTestCase {
    /// SplitMix64, seeded: a failing case is reproducible from its number.
    struct RNG: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let values = ["0", "-1", "1000000000", "99999999999", "true", "false", "~", "[]", "{}", "[1, 2]", "$in", "$width",
                         "$nope", "$", "'$out'", "abc", "bottleneck", "layer1", "layer1.0", "downsample.1", "input", "{a: 1}",
                         "[$in, $in]", "bn3", "layer2.1.add"]
    static let keys = ["block", "name", "repeat", "first", "from", "when", "params", "layers", "blocks", "width", "out",
                       "stride", "dilation", "downsample", "like", "graph", "conv", "sum", "relu", "xyz"]

    static func mutate(_ text: String, _ rng: inout RNG) -> String {
        var lines = text.components(separatedBy: "\n")
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let i = Int.random(in: 0..<lines.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: lines.remove(at: i)
            case 1: lines.insert(lines[i], at: i)
            case 2: lines.swapAt(i, Int.random(in: 0..<lines.count, using: &rng))
            case 3: lines[i] = replace(lines[i], #"(?<=: )[^,{}\[\]]+"#, values.randomElement(using: &rng)!, &rng)
            case 4: lines[i] = replace(lines[i], #"[a-z_]+(?=:)"#, keys.randomElement(using: &rng)!, &rng)
            case 5: lines[i] = replace(lines[i], #"\$[a-z]+"#, values.randomElement(using: &rng)!, &rng)
            default: lines[i] = replace(lines[i], #"repeat: [0-9]+"#, "repeat: " + ["0", "200000", "7", "x"].randomElement(using: &rng)!, &rng)
            }
            if lines.isEmpty { break }
        }
        return lines.joined(separator: "\n")
    }

    static func replace(_ line: String, _ pattern: String, _ with: String, _ rng: inout RNG) -> String {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return line }
        let matches = re.matches(in: line, range: NSRange(line.startIndex..., in: line))
        guard let m = matches.randomElement(using: &rng), let r = Range(m.range, in: line) else { return line }
        return line.replacingCharacters(in: r, with: with)
    }

    func testMutatedBlockSpecsNeverCrash() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-blockfuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = RNG(state: 20261203 &+ UInt64(FuzzTests.scale))
        var compiled = 0
        for n in 0..<(150 * FuzzTests.scale) {
            let text = Self.mutate(BlockCompileTests.templated, &rng)
            let file = dir.appendingPathComponent("case\(n).yaml")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let d = Diagnostics()
            var options = CompileOptions(input: Pair(19))
            options.sizeLimit = 12
            let c = Pipeline.compile(file.path, options: options, diagnostics: d)
            if let problem = FuzzTests.violation(c, d) { XCTFail("case \(n): \(problem)\n\(text)") }
            if c != nil { compiled += 1 }
        }
        // The mutations leave some specs valid: the fuzzer reaches the compiler, not only the reader.
        XCTAssertGreaterThan(compiled, 0)
    }
}
