// The review pages' parts, without Graphviz or a browser: the memory timeline against the
// memory plan, the report graph's DOT, diff alignment and marks, SVG embedding, escaping.
// (Tests/FCNCLITests/ReportCLITests.swift checks whole pages as the CLI writes them.)

import Foundation
import XCTest
import FCNSpec
import FCNPlan
@testable import FCNCompiler

final class HTMLReportTests: XCTestCase {
    func plan(_ name: String, _ input: Pair = Pair(500)) throws -> Plan { PlanPipeline.run(try PlanFixtures.compile(name, input: input)) }

    func testTimelinePeakIsThePlansPeakLive() throws {
        for model in PlanFixtures.shippedModels {
            for size in [Pair(500), Pair(224, 320), Pair(37)] {
                let p = try plan(model, size)
                let t = MemoryTimeline(p)
                XCTAssertEqual(t.liveBytes.count, p.steps.count)
                XCTAssertEqual(t.peakBytes, p.memory?.peakLiveBytes, "\(model) at \(size)")
                XCTAssertEqual(t.alive(at: t.peakStep).reduce(0) { $0 + $1.bytes }, t.liveBytes[t.peakStep])
                // Every buffer alive at a step fits in the arena at its slot.
                XCTAssertLessThanOrEqual(t.liveBytes.max() ?? 0, p.memory!.arenaBytes)
            }
        }
    }

    func testFCN8sTapsAreKeptAliveByTheirScoreLayers() throws {
        let p = try plan("fcn8s")
        let t = MemoryTimeline(p)
        let idx = { (layer: String) in p.steps.firstIndex { $0.sources.contains { $0.name == layer } }! }
        let pool4 = t.buffers.first { $0.name == "pool4" }!
        XCTAssertEqual(pool4.writtenBy, idx("pool4"))
        XCTAssertEqual(pool4.lastReader, idx("score_pool4"))
        XCTAssertEqual(pool4.readers, [idx("conv5_1"), idx("score_pool4")])
        // Half-way through conv5, pool4 is alive only because score_pool4 still reads it.
        let mid = idx("conv5_2")
        XCTAssertTrue(t.alive(at: mid).contains { $0.name == "pool4" })
        XCTAssertEqual(t.keeper(pool4, at: mid, plan: p), "still read by #\(idx("score_pool4")) score_pool4")
        let out = t.buffers.first { $0.value == p.outputValue }!
        XCTAssertEqual(t.keeper(out, at: p.steps.count - 1, plan: p), "written by this step")
        XCTAssertEqual(t.keeper(t.buffers[0], at: 0, plan: p), "read by this step (freed after it)")
    }

    func testReportGraphLinksEveryStepAndDrawsSkipsAndCrops() throws {
        let p = try plan("fcn8s")
        let dot = ReportGraph.dot(p)
        for i in p.steps.indices { XCTAssertTrue(dot.contains("URL=\"#step-\(i)\""), "step \(i)") }
        XCTAssertTrue(dot.contains("label=\" crop [5:39, 5:39]\""))
        XCTAssertTrue(dot.contains("label=\" crop [9:79, 9:79]\""))
        XCTAssertTrue(dot.contains("style=dashed"))
        XCTAssertTrue(dot.contains("21x44x44  20.82M MACs\nscore_pool4"), "node shows shape, MACs and spec names")
        XCTAssertFalse(dot.contains("rank=same"), "28 steps stay one column")
        let marked = ReportGraph.dot(p, prefix: "b-", marks: [3: .added])
        XCTAssertTrue(marked.contains("id=\"b-n3\""))
        XCTAssertTrue(marked.contains("URL=\"#b-step-3\""))
        XCTAssertTrue(marked.contains("fillcolor=\"#ceead6\", penwidth=2.5"))
    }

    func testDeepPlanGraphIsFoldedIntoColumns() throws {
        let c = try PlanFixtures.compile(path: PlanFixtures.root.appendingPathComponent("Tests/FCNCompilerTests/Fixtures/deep-residual-fcn.yaml").path, input: Pair(64))
        let p = PlanPipeline.run(c)
        XCTAssertGreaterThan(p.steps.count, 2 * ReportGraph.columnSteps, "three columns or more")
        let dot = ReportGraph.dot(p)
        let perColumn = ReportGraph.stepsPerColumn(p.steps.count)
        XCTAssertLessThanOrEqual(perColumn, ReportGraph.columnSteps)
        let columns = (p.steps.count + perColumn - 1) / perColumn
        let rankLine = try XCTUnwrap(dot.split(separator: "\n").first { $0.contains("rank=same") })
        XCTAssertEqual(rankLine.split(separator: ";").count - 2, columns, String(rankLine))
        XCTAssertTrue(dot.contains("constraint=false"))
    }

    func testDiffMarksAddedRemovedAndChangedSteps() throws {
        let a = try plan("fcn16s"), b = try plan("fcn8s")
        let marks = HTMLDiffReport.marks(a, b)
        XCTAssertEqual(Set(marks.b.filter { $0.value == .added }.map { b.steps[$0.key].sources.map(\.name).joined(separator: "+") }),
                       ["upscore_pool4", "score_pool3", "fuse_pool3+score_pool3c", "upscore8+score"])
        XCTAssertEqual(marks.a.filter { $0.value == .removed }.map { a.steps[$0.key].name }, ["upscore16"])
        // Every step of both plans is on exactly one row, in each plan's order.
        let rows = HTMLDiffReport.align(a, b)
        XCTAssertEqual(rows.compactMap(\.a), Array(a.steps.indices))
        XCTAssertEqual(rows.compactMap(\.b), Array(b.steps.indices))
        // Fewer classes: the same steps, the score layers changed.
        let c5 = try PlanFixtures.compile(yaml: "extends: \(PlanFixtures.model("fcn8s"))\nclasses: 5\n", input: Pair(500))
        let m5 = HTMLDiffReport.marks(b, PlanPipeline.run(c5))
        XCTAssertTrue(m5.a.values.allSatisfy { $0 == .changed })
        XCTAssertTrue(m5.b.values.allSatisfy { $0 == .changed })
        XCTAssertTrue(m5.b.keys.contains(b.steps.firstIndex { $0.name == "score_fr" }!))
        XCTAssertFalse(m5.b.keys.contains(b.steps.firstIndex { $0.name == "conv1_1" }!))
    }

    func testGraphvizSVGIsMadeEmbeddable() {
        let svg = """
        <?xml version="1.0" encoding="UTF-8" standalone="no"?>
        <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
         "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
        <!-- Generated by graphviz version 2.43.0 (0)
         -->
        <!-- Title: fcn8s Pages: 1 -->
        <svg width="62pt" height="44pt"
         viewBox="0.00 0.00 62.00 44.00" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
        <g id="a_n0"><a xlink:href="#step-0" xlink:title="conv1_1">
        <!-- v1 -->
        <text>#0</text></a></g>
        </svg>
        """
        let out = ReportGraph.embeddable(svg)
        XCTAssertTrue(out.hasPrefix("<svg width=\"62pt\""))
        XCTAssertFalse(out.contains("http"))
        XCTAssertFalse(out.contains("<!--"))
        XCTAssertFalse(out.contains("graphviz version"))
        XCTAssertTrue(out.contains("<a href=\"#step-0\" data-title=\"conv1_1\">"))
        XCTAssertEqual(ReportGraph.embeddable("not svg"), "")
    }

    func testEscapingAnchorsAndLocations() {
        XCTAssertEqual(HTML.escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
        XCTAssertEqual(HTML.anchor("src", "Models/fcn 8s.yaml", "L3"), "src-Models_fcn_8s_yaml-L3")
        XCTAssertEqual(HTML.splitLocation("Models/fcn8s.yaml:6:18")?.file, "Models/fcn8s.yaml")
        XCTAssertEqual(HTML.splitLocation("C:/x.yaml:6:18")?.file, "C:/x.yaml")
        XCTAssertEqual(HTML.splitLocation("C:/x.yaml:6:18")?.line, 6)
        XCTAssertNil(HTML.splitLocation("<generated>"))
        XCTAssertEqual(PlanDiffFormat.percent(5397, 134357354), "0.00")
        XCTAssertEqual(PlanDiffFormat.percent(3, 25), "12.00")
        XCTAssertEqual(PlanDiffFormat.percent(-1, 3), "-33.33")
    }

    func testPageIsDeterministicAndQuotesSpecText() throws {
        let c = try PlanFixtures.compile("fcn8s")
        let p = PlanPipeline.run(c)
        let spec = HTMLReport.SpecSource(path: "Models/fcn8s.yaml", text: "name: <fcn8s> & \"co\"\n")
        let page = HTMLReport(plan: p, compilation: c, graphSVG: "<svg width=\"1pt\" height=\"1pt\"></svg>", sources: [spec]).render()
        XCTAssertEqual(page, HTMLReport(plan: p, compilation: c, graphSVG: "<svg width=\"1pt\" height=\"1pt\"></svg>", sources: [spec]).render())
        XCTAssertTrue(page.contains("<td>name: &lt;fcn8s&gt; &amp; &quot;co&quot;</td>"))
        XCTAssertTrue(page.contains("<tr id=\"src-Models_fcn8s_yaml-L1\">"))
        XCTAssertEqual(HTMLReport.specFiles(p).map { ($0 as NSString).lastPathComponent }, ["vgg16.yaml", "fcn32s.yaml", "fcn8s.yaml"])
    }
}
