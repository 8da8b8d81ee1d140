// `fcngc report`, `fcngc diff --html` and `fcngc run --trace` as a user runs them. The pages are
// checked by Scripts/check_report_html.py (Python's html.parser from the project's .venv:
// balanced tags, no external reference, unique ids, no dangling in-page link) and their
// numbers compared with the JSON plan of `fcngc compile --emit json`.

import Foundation
import XCTest
import FCNRuntime

final class ReportCLITests: XCTestCase {
    typealias Facts = [String: Any]



    /// What the page checker found (it fails the test, not skips it, when .venv is missing).
    func check(_ page: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Facts {
        let python = CLITests.root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            XCTFail("no .venv/bin/python: run bash Scripts/setup.sh", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [CLITests.root.appendingPathComponent("Scripts/check_report_html.py").path, page.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, file: file, line: line)
        let facts = try JSONSerialization.jsonObject(with: data) as! Facts
        XCTAssertEqual(facts["problems"] as? [String], [], "the page is not clean HTML or refers outside itself", file: file, line: line)
        return facts
    }

    func planJSON(_ spec: String, _ extra: String...) throws -> Facts {
        let r = try CLIProcess.run(["compile", spec, "--emit", "json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! Facts
    }

    func testReportPageIsSelfContainedAndItsNumbersAreThePlans() throws {
        let dir = try tempDir()
        let page = dir.appendingPathComponent("r.html")
        let r = try fcngc("report", "Models/fcn8s.yaml", "-o", page.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try String(contentsOf: page, encoding: .utf8)
        let facts = try check(page)
        let plan = try planJSON("Models/fcn8s.yaml")

        let steps = plan["steps"] as! [Facts]
        let rows = (facts["steps"] as! [String: [Facts]])["steps-table"]!
        XCTAssertEqual(rows.map { $0["index"] as! Int }, Array(steps.indices))
        for (row, step) in zip(rows, steps) {
            XCTAssertEqual(row["macs"] as? Int, step["macs"] as? Int)
            XCTAssertEqual(row["bytes"] as? Int, (step["shape"] as! [Int]).reduce(4, *))
        }
        let totals = facts["totals"] as! [String: Int], planTotals = plan["totals"] as! [String: Int]
        let memory = plan["memory"] as! [String: Int]
        XCTAssertEqual(totals["params"], planTotals["params"])
        XCTAssertEqual(totals["macs"], planTotals["macs"])
        XCTAssertEqual(totals["graph-macs"], planTotals["graphMacs"])
        XCTAssertEqual(totals["steps"], steps.count)
        XCTAssertEqual(totals["arena-bytes"], memory["arenaBytes"])
        XCTAssertEqual(totals["peak-live-bytes"], memory["peakLiveBytes"])
        XCTAssertEqual(totals["scratch-bytes"], memory["scratchBytes"])
        XCTAssertEqual(totals["weight-bytes"], memory["weightBytes"])
        XCTAssertEqual((facts["peak"] as! [String: Int])["bytes"], memory["peakLiveBytes"])
        // The buffers listed at the peak add up to it.
        XCTAssertEqual((facts["peak_buffers"] as! [[String: Int]]).reduce(0) { $0 + $1["bytes"]! }, memory["peakLiveBytes"])
        XCTAssertEqual(facts["crops"] as? [String: [Int]], ["crop-score_pool4c": [5, 5], "crop-score_pool3c": [9, 9], "crop-score": [31, 31]])
        XCTAssertEqual(facts["fusion_rows"] as? Int, (plan["fusion"] as! [Any]).count)
        // The graph (from Graphviz) links every step to its row; rows link to their spec lines.
        for i in steps.indices { XCTAssertTrue(html.contains("href=\"#step-\(i)\""), "step \(i) not linked from the graph") }
        XCTAssertTrue(html.contains("<a href=\"#src-Models_backbones_vgg16_yaml-L10\""), "conv1_2 links to vgg16.yaml line 10")
        XCTAssertTrue(html.contains("crop [5:39, 5:39]"), "the crop window is drawn on its edge")
        // pool3 lives from the step that writes it to score_pool3, the step that reads it last.
        func index(_ layer: String) -> Int { steps.firstIndex { ($0["sources"] as! [Facts]).contains { $0["name"] as? String == layer } }! }
        XCTAssertTrue(html.contains("<code>pool3</code> 7.6 MiB from #\(index("pool3")) until #\(index("score_pool3")) score_pool3"), "pool3 is listed as a long-lived tap")
        // Deterministic: the same page twice.
        let again = dir.appendingPathComponent("again.html")
        XCTAssertEqual(try fcngc("report", "Models/fcn8s.yaml", "-o", again.path).status, 0)
        XCTAssertEqual(try Data(contentsOf: page), try Data(contentsOf: again))
    }

    func testDeepModelPageIsCleanAndFoldsTheGraph() throws {
        let dir = try tempDir()
        let page = dir.appendingPathComponent("deep.html")
        let spec = "Tests/FCNCompilerTests/Fixtures/deep-residual-fcn.yaml"
        XCTAssertEqual(try fcngc("report", spec, "-o", page.path).status, 0)
        let facts = try check(page)
        let steps = (try planJSON(spec))["steps"] as! [Any]
        XCTAssertGreaterThan(steps.count, 100)
        XCTAssertEqual((facts["steps"] as! [String: [Facts]])["steps-table"]?.count, steps.count)
        // Folded into columns: the Graphviz picture is wider than tall would be for one column.
        let html = try String(contentsOf: page, encoding: .utf8)
        let svg = try XCTUnwrap(html.range(of: "<div class=\"figure graph\">\n<svg width=\""))
        let dims = html[svg.upperBound...].prefix(60).split(separator: "\"")
        let width = try XCTUnwrap(Double(dims[0].dropLast(2))), height = try XCTUnwrap(Double(dims[2].dropLast(2)))
        XCTAssertLessThan(height, width * 3, "a \(steps.count)-step graph \(width)x\(height)pt is one tall column")
    }

    func testDiffPageHighlightsAddedAndRemovedSteps() throws {
        let dir = try tempDir()
        let page = dir.appendingPathComponent("d.html")
        let r = try fcngc("diff", "Models/fcn16s.yaml", "Models/fcn8s.yaml", "--html", "-o", page.path)
        XCTAssertEqual(r.status, 1, "they differ (diff(1)'s exit status); \(r.stderr)")
        let facts = try check(page)
        let aligned = facts["aligned"] as! [[String: String]]
        let added = Set(aligned.filter { $0["class"] == "added" }.map { $0["key"]! })
        let removed = Set(aligned.filter { $0["class"] == "removed" }.map { $0["key"]! })
        XCTAssertEqual(added, ["upscore_pool4", "score_pool3", "fuse_pool3+score_pool3c", "upscore8+score"])
        XCTAssertEqual(removed, ["upscore16+score"])
        let tables = facts["steps"] as! [String: [Facts]]
        XCTAssertEqual(tables["a-steps-table"]?.filter { $0["class"] as? String == "removed" }.count, 1)
        XCTAssertEqual(tables["b-steps-table"]?.filter { $0["class"] as? String == "added" }.count, 4)
        XCTAssertEqual(facts["marked_nodes"] as? Int, 5, "4 added boxes in B's graph, 1 removed in A's")
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(html.contains("crop offset 27 -&gt; 31"), "the offset change of 'score' is shown")
        XCTAssertTrue(html.contains("data-what=\"parameters\" data-a=\"134357354\" data-b=\"134362751\""))
    }

    func testDiffHTMLWithEmitJSONIsRefused() throws {
        let r = try fcngc("diff", "Models/fcn16s.yaml", "Models/fcn8s.yaml", "--html", "--emit", "json")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--html writes a page"), r.stderr)
    }

    func testReportOfABrokenSpecWritesNothing() throws {
        let dir = try tempDir()
        let spec = dir.appendingPathComponent("bad.yaml")
        try "name: bad\nbackbone:\n  layers:\n    - {conv: c1, out: 4, kernal: 3}\n".write(to: spec, atomically: true, encoding: .utf8)
        let page = dir.appendingPathComponent("r.html")
        let r = try fcngc("report", spec.path, "-o", page.path)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("bad.yaml:4:26: error: unknown key 'kernal'"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: page.path))
    }

    func testTraceIsChromeTraceJSONWithASlicePerStep() throws {
        let dir = try tempDir()
        let input = Tensor(shape: [1, 3, 40, 36])
        for i in 0..<input.count { input.pointer[i] = Float(i % 13) - 6 }
        let npy = dir.appendingPathComponent("in.npy").path
        try NPY.write(input, to: npy)
        let trace = dir.appendingPathComponent("trace.json")
        let r = try fcngc("run", CLITests.tiny, "--init", "random:3", "--tensor", npy, "--threads", "2", "--trace", trace.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: trace)) as! Facts
        XCTAssertEqual(obj["displayTimeUnit"] as? String, "ms")
        let events = obj["traceEvents"] as! [Facts]
        let plan = try planJSON(CLITests.tiny, "--input", "40x36")
        let steps = plan["steps"] as! [Facts]
        let slices = events.filter { $0["ph"] as? String == "X" && $0["cat"] as? String == "step" }
        XCTAssertEqual(slices.map { ($0["args"] as! Facts)["step"] as! Int }, Array(steps.indices), "one slice per step, in order")
        var end = -1.0, cpuTotal = 0.0
        for (s, step) in zip(slices, steps) {
            let args = s["args"] as! Facts
            let ts = (s["ts"] as! NSNumber).doubleValue, dur = (s["dur"] as! NSNumber).doubleValue
            XCTAssertGreaterThanOrEqual(ts, end, "slices on the steps track do not overlap")
            XCTAssertGreaterThan(dur, 0)
            end = ts + dur
            XCTAssertEqual(s["pid"] as? Int, 1); XCTAssertEqual(s["tid"] as? Int, 1)
            XCTAssertEqual(args["MACs"] as? Int, step["macs"] as? Int)
            XCTAssertEqual(args["sources"] as? String, (step["sources"] as! [Facts]).map { $0["name"] as! String }.joined(separator: "+"))
            XCTAssertEqual(args["source locations"] as? [String], (step["sources"] as! [Facts]).map { $0["location"] as! String })
            if (step["macs"] as! Int) > 0 { XCTAssertGreaterThan((args["GFLOP/s"] as! NSNumber).doubleValue, 0) }
            cpuTotal += (args["CPU ms"] as! NSNumber).doubleValue
        }
        // Process CPU time per step: never negative, and the run's steps used some.
        XCTAssertTrue(slices.allSatisfy { ((($0["args"] as! Facts)["CPU ms"] as! NSNumber).doubleValue) >= 0 })
        XCTAssertGreaterThan(cpuTotal, 0)
        // A counter sample of live bytes per step (plus one at the end), all positive.
        let counters = events.filter { $0["ph"] as? String == "C" && $0["name"] as? String == "live arena" }
        XCTAssertEqual(counters.count, steps.count + 1)
        XCTAssertTrue(counters.allSatisfy { (($0["args"] as! Facts)["bytes"] as! Int) > 0 })
        // Work split over two threads shows up on thread tracks, inside its step's slice.
        let pieces = events.filter { $0["cat"] as? String == "worker" }
        XCTAssertFalse(pieces.isEmpty, "with --threads 2 some step splits its work")
        for p in pieces {
            let i = (p["args"] as! Facts)["step"] as! Int
            let s = slices[i]
            let (ts, dur) = ((p["ts"] as! NSNumber).doubleValue, (p["dur"] as! NSNumber).doubleValue)
            XCTAssertGreaterThanOrEqual(ts, (s["ts"] as! NSNumber).doubleValue)
            XCTAssertLessThanOrEqual(ts + dur, (s["ts"] as! NSNumber).doubleValue + (s["dur"] as! NSNumber).doubleValue + 0.002)
            XCTAssertGreaterThanOrEqual(p["tid"] as! Int, 2, "thread tracks are not the steps track")
        }
        // Perfetto needs the slices of one track to nest; pieces on one thread never overlap.
        for (tid, group) in Dictionary(grouping: pieces, by: { $0["tid"] as! Int }) {
            let spans = group.map { ((($0["ts"] as! NSNumber).doubleValue), ($0["dur"] as! NSNumber).doubleValue) }.sorted { $0.0 < $1.0 }
            for (x, y) in zip(spans, spans.dropFirst()) { XCTAssertLessThanOrEqual(x.0 + x.1, y.0 + 1e-9, "thread track \(tid) overlaps") }
        }
        let names = Set(events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }.map { $0["tid"] as! Int })
        XCTAssertTrue(Set(pieces.map { $0["tid"] as! Int }).isSubset(of: names), "every thread track is named")
    }

    func testTraceWithDumpStepsIsRefused() throws {
        let r = try fcngc("run", CLITests.tiny, "--init", "random", "--tensor", "x.npy", "--trace", "t.json", "--dump-steps", "d")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--trace times the steps"), r.stderr)
    }
}
