// `fcngc weights NEW --from OLD`: a new variant's weights started from an old one's (issue 12,
// item 8): copied where layer and shape match, new skip score layers zeroed, so the new net
// computes the old one's scores exactly where the ladders agree, and the rest reported.

import Foundation
import XCTest
import FCNRuntime

final class WeightsFromTests: XCTestCase {
    static let slim = FirstHourTests.slim




    func scores(_ spec: String, _ weights: String, _ input: String, _ dir: URL, _ tag: String) throws -> [Float] {
        let out = dir.appendingPathComponent("\(tag).npy").path
        let r = try CLIProcess.run(["run", spec, "--weights", weights, "--tensor", input, "--scores", out, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try NPY.read(path: out).toArray()
    }

    func testWeightsFromAnOldVariantStartNewSkipsAtZero() throws {
        let dir = try tempDir()
        let input = dir.appendingPathComponent("x.npy").path
        let x = Tensor(shape: [1, 3, 64, 64])
        var rng = WeightRNG(seed: 9)
        for i in 0..<x.count { x.pointer[i] = Float(rng.nextUniform() * 255 - 128) }
        try NPY.write(x, to: input)
        let old32 = dir.appendingPathComponent("fcn32s.safetensors").path
        XCTAssertEqual(try fcngc("weights", "\(Self.slim)/fcn32s-slim.yaml", "--init", "random:3", "-o", old32).status, 0)

        // FCN-16s from FCN-32s: pool4's score layer starts at zero, everything else is copied.
        let new16 = dir.appendingPathComponent("fcn16s.safetensors").path
        let r = try fcngc("weights", "\(Self.slim)/fcn16s-slim.yaml", "--from", old32, "-o", new16)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("copied:      32 tensors"), r.stdout)
        XCTAssertTrue(r.stdout.contains("zeroed:      2 tensors"), r.stdout)
        XCTAssertTrue(r.stdout.contains("score_pool4.weight  21x32x1x1  zeroed  not in the old file"), r.stdout)
        // It computes FCN-32s's scores up to the ladder: exactly what FCN-32s's weights give
        // on FCN-16s's ladder without the skip, and close to (not equal to) FCN-32s's own.
        let ladder = try spec(dir, "ladder16.yaml", "extends: \(Self.slim)/fcn32s-slim.yaml\nname: ladder16\nhead:\n  steps:\n    - {upsample: 2}\n    - {upsample: 16}\n")
        let s16 = try scores("\(Self.slim)/fcn16s-slim.yaml", new16, input, dir, "s16")
        XCTAssertEqual(s16, try scores(ladder, old32, input, dir, "ladder"))
        let s32 = try scores("\(Self.slim)/fcn32s-slim.yaml", old32, input, dir, "s32")
        XCTAssertNotEqual(s16, s32)
        let scale = s32.map(abs).max()!, diff = zip(s16, s32).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(diff / scale, 0.5)

        // Where the ladders agree exactly (2, 2, 8 with and without taps), FCN-8s from the
        // tap-less net predicts exactly what that net predicts.
        let noTaps = try spec(dir, "notaps.yaml", "extends: \(Self.slim)/fcn32s-slim.yaml\nname: notaps\nhead:\n  steps:\n    - {upsample: 2}\n    - {upsample: 2}\n    - {upsample: 8}\n")
        let new8 = dir.appendingPathComponent("fcn8s.safetensors").path
        XCTAssertEqual(try fcngc("weights", "\(Self.slim)/fcn8s-slim.yaml", "--from", old32, "-o", new8).status, 0)
        XCTAssertEqual(try scores("\(Self.slim)/fcn8s-slim.yaml", new8, input, dir, "s8"), try scores(noTaps, old32, input, dir, "notaps"))

        // FCN-8s from FCN-16s: pool4's trained score layer is copied, only pool3's is new.
        let r8 = try fcngc("weights", "\(Self.slim)/fcn8s-slim.yaml", "--from", new16, "-o", new8)
        XCTAssertTrue(r8.stdout.contains("copied:      34 tensors") && r8.stdout.contains("score_pool3.weight"), r8.stdout)
        XCTAssertFalse(r8.stdout.contains("score_pool4.weight"), r8.stdout)
    }

    func testWeightsFromReportsTensorsItCannotUse() throws {
        let dir = try tempDir()
        let old = dir.appendingPathComponent("old.safetensors").path
        XCTAssertEqual(try fcngc("weights", "\(Self.slim)/fcn32s-slim.yaml", "--init", "random:3", "-o", old).status, 0)
        // Another class count: score_fr has another shape (random, reported), and its old tensor is unused.
        let other = try spec(dir, "c5.yaml", "extends: \(Self.slim)/fcn32s-slim.yaml\nname: c5\nclasses: 5\n")
        let out = dir.appendingPathComponent("new.safetensors").path
        let r = try fcngc("weights", other, "--from", old, "-o", out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("score_fr.weight  5x256x1x1  random  the old file's has shape [21, 256, 1, 1]"), r.stdout)
        XCTAssertTrue(r.stdout.contains("score_fr.weight             unused  shape [21, 256, 1, 1], the new model's is [5, 256, 1, 1]"), r.stdout)
        XCTAssertEqual(try fcngc("weights", other, "--check", out).status, 0)
        let missing = try fcngc("weights", other, "--from", dir.appendingPathComponent("nope.safetensors").path, "-o", out + "2")
        XCTAssertEqual(missing.status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "2"))
    }
}
