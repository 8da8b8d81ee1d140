// Replays the committed fuzz corpus and every committed crasher through the fuzz entries on
// every test run (no fuzzer build needed): Fuzz/corpus/TARGET/* and Fuzz/crashers/TARGET/*.
// A crash here is a regression of a fixed crasher. Docs/Robustness.md.

import XCTest
import Foundation
import FCNFuzzEntries
import FCNPlan

final class FuzzReplayTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func files(_ kind: String, _ target: String) -> [URL] {
        let dir = Self.root.appendingPathComponent("Fuzz/\(kind)/\(target)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { dir.appendingPathComponent($0) }
    }

    func replay(_ target: String, minimumCorpus: Int) throws {
        let entry = try XCTUnwrap(FuzzEntries.targets[target])
        let corpus = files("corpus", target)
        XCTAssertGreaterThanOrEqual(corpus.count, minimumCorpus, "Fuzz/corpus/\(target) is missing its seeds")
        for url in corpus + files("crashers", target) {
            let data = try Data(contentsOf: url)
            data.withUnsafeBytes { entry($0) }
        }
    }

    func testSpecCorpus() throws { try replay("spec", minimumCorpus: 5) }
    func testSafetensorsCorpus() throws { try replay("safetensors", minimumCorpus: 3) }
    func testNPYCorpus() throws { try replay("npy", minimumCorpus: 3) }
    func testImageCorpus() throws { try replay("image", minimumCorpus: 3) }
    func testLabelCorpus() throws { try replay("label", minimumCorpus: 2) }
    func testPlanCorpus() throws { try replay("plan", minimumCorpus: 3) }

    /// The plan seeds are plans this fcngc reads (a seed of an older format version is refused at
    /// its header, and the fuzzer then rarely reaches the checks behind it): regenerate them with
    /// `fcngc compile SPEC --input HxW --emit json -o Fuzz/corpus/plan/NAME.json` when the version changes.
    func testPlanCorpusIsCurrent() throws {
        for url in files("corpus", "plan") {
            let plan = try PlanFile.decode(try Data(contentsOf: url), file: url.lastPathComponent)
            XCTAssertEqual(VerifyPlan.problems(plan, forRunning: true), [], url.lastPathComponent)
        }
    }

    func testEveryTargetHasACorpusDirectory() {
        for target in FuzzEntries.targets.keys {
            XCTAssertFalse(files("corpus", target).isEmpty, target)
        }
    }
}
