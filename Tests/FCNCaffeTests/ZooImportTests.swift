// The paper's own prototxts (copies of shelhamer/fcn.berkeleyvision.org's files in
// Fixtures/zoo): each imports and compiles from where it was written, in the most readable
// form (backbone + head, backbone(s) + graph, or a graph), with the inputs and outputs the net
// has; every written crop offset is audited and agrees.

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
@testable import FCNCaffe

final class ZooImportTests: XCTestCase {
    /// prototxt -> (written offsets in file order, the form written)
    static let zoo: [(String, [Int], String)] = [
        ("voc-fcn32s-val.prototxt", [19], "backbone backbones/vgg16.yaml, head with 1 step"),
        ("voc-fcn16s-val.prototxt", [5, 27], "backbone backbones/vgg16.yaml, head with 2 steps"),
        ("voc-fcn8s-val.prototxt", [5, 9, 31], "backbone backbones/vgg16.yaml, head with 3 steps"),
        ("voc-fcn8s-deploy.prototxt", [5, 9, 31], "backbone backbones/vgg16.yaml, head with 3 steps"),
        ("voc-fcn8s-atonce-val.prototxt", [5, 9, 31], "backbone backbones/vgg16.yaml, head with 3 steps"),
        ("voc-fcn-alexnet-val.prototxt", [18], "backbone backbones/alexnet.yaml, head with 1 step"),
        ("pascalcontext-fcn32s-val.prototxt", [19], "backbone backbones/vgg16.yaml, head with 1 step"),
        ("pascalcontext-fcn16s-val.prototxt", [5, 27], "backbone backbones/vgg16.yaml, head with 2 steps"),
        ("pascalcontext-fcn8s-val.prototxt", [5, 9, 31], "backbone backbones/vgg16.yaml, head with 3 steps"),
        ("nyud-fcn32s-color-test.prototxt", [19], "backbone backbones/vgg16.yaml, head with 1 step"),
        ("nyud-fcn32s-hha-test.prototxt", [19], "backbone backbones/vgg16.yaml, head with 1 step"),
        ("siftflow-fcn32s-test.prototxt", [19, 19], "backbone backbones/vgg16.yaml, graph of 6 layers"),
        ("siftflow-fcn16s-test.prototxt", [5, 27, 5, 27], "backbone backbones/vgg16.yaml, graph of 14 layers"),
        ("siftflow-fcn8s-test.prototxt", [5, 9, 31, 5, 9, 31], "backbone backbones/vgg16.yaml, graph of 22 layers"),
        ("nyud-fcn32s-color-d-test.prototxt", [19], "graph of 41 layers"),
        ("nyud-fcn32s-color-hha-test.prototxt", [19],
         "backbones backbones/vgg16.yaml (suffix color, input color) and backbones/vgg16.yaml (suffix hha, input hha), graph of 5 layers"),
    ]

    func testEveryZooNetImportsAndEveryOffsetAgrees() throws {
        for (name, offsets, expected) in Self.zoo {
            let dir = try ImportSupport.scratch(self)
            let out = (dir as NSString).appendingPathComponent("net.yaml")
            let (audit, result, error) = ImportSupport.run(CaffeImportOptions(prototxt: ImportSupport.zooFile(name), output: out))
            XCTAssertTrue(audit.contains("\(offsets.count) of \(offsets.count) written offset"), "\(name):\n\(audit)")
            XCTAssertFalse(audit.contains("DISAGREES"), name)
            // The audit lists each written offset next to the same derived one, in file order.
            let rows = audit.split(separator: "\n").filter { $0.hasSuffix("agrees") }
            XCTAssertEqual(rows.map { $0.split(separator: " ").dropLast().suffix(2).map(String.init) },
                           offsets.map { ["\($0)", "\($0)"] }, name)
            XCTAssertNil(error, name)
            XCTAssertEqual(result?.form, expected, name)
            // The written spec compiles from where it was written, with the same offsets.
            let d = Diagnostics()
            let c = Pipeline.compile(out, diagnostics: d)
            XCTAssertFalse(d.hasErrors, "\(name): \(DiagnosticPrinter(colour: false).render(d.all))")
            let derived = c?.graph.nodes.compactMap { $0.cropOffset?.h } ?? []
            XCTAssertEqual(Set(derived), Set(offsets), name)
        }
    }

    /// The multi-input and multi-output nets: what the written specs say about inputs, outputs,
    /// streams and classes, and that they compile with every input and output.
    func testSIFTFlowAndNYUDSpecsNameTheirInputsOutputsAndStreams() throws {
        let cases: [(String, [String], [String], [String])] = [
            ("siftflow-fcn8s-test.prototxt", ["input:\n  channels: 3\n  order: bgr\nclasses: 33\nbackbone: backbones/vgg16.yaml\ngraph:\n",
                                              "  - {conv: score_fr_sem, from: fc7, out: 33, kernel: 1}\n",
                                              "  - {conv: score_pool4_geo, from: pool4, out: 3, kernel: 1}\n",
                                              "  - {crop: score_geo, like: input}\noutputs: [score_sem, score_geo]\n"],
             ["input"], ["score_sem", "score_geo"]),
            ("nyud-fcn32s-color-d-test.prototxt", ["inputs:\n  color: {channels: 3, order: bgr}\n  depth: {channels: 1}\nclasses: 40\ngraph:\n  - {concat: data, from: [color, depth]}\n  - {conv: conv1_1_bgrd, out: 64, kernel: 3, pad: 100, relu: relu1_1}\n",
                                                   "  - {crop: score, like: data}\n"],
             ["color", "depth"], ["score"]),
            ("nyud-fcn32s-color-hha-test.prototxt", ["""
                inputs:
                  color: {channels: 3, order: bgr}
                  hha: {channels: 3}
                classes: 40
                backbones:
                  - {file: backbones/vgg16.yaml, suffix: color, input: color}
                  - {file: backbones/vgg16.yaml, suffix: hha, input: hha}
                graph:
                  - {conv: score_frcolor, from: fc7color, out: 40, kernel: 1}
                  - {conv: score_frhha, from: fc7hha, out: 40, kernel: 1}
                  - {sum: score_fused, from: [score_frcolor, score_frhha], coefficients: [0.5, 0.5]}
                  - {deconv: upscore, out: 40, stride: 32}
                  - {crop: score, like: color}

                """], ["color", "hha"], ["score"]),
        ]
        for (name, lines, inputs, outputs) in cases {
            let dir = try ImportSupport.scratch(self)
            let out = (dir as NSString).appendingPathComponent("net.yaml")
            let (_, result, error) = ImportSupport.run(CaffeImportOptions(prototxt: ImportSupport.zooFile(name), output: out))
            XCTAssertNil(error, name)
            let written = try String(contentsOfFile: out, encoding: .utf8)
            for line in lines { XCTAssertTrue(written.contains(line), "\(name): missing\n\(line)\nin\n\(written)") }
            XCTAssertFalse(written.contains("offset:"), name)
            let c = try XCTUnwrap(result?.compilation, name)
            XCTAssertEqual(c.spec.inputs.map(\.name), inputs, name)
            XCTAssertEqual(c.graph.outputs.map { c.graph[$0].name }, outputs, name)
            let plan = PlanPipeline.run(c)
            XCTAssertEqual(plan.inputs.map(\.name), inputs, name)
            XCTAssertEqual(plan.outputs.map(\.name), outputs, name)
        }
    }

    /// A wrong offset in one head of a two-head net is caught: that crop DISAGREES, with its
    /// derivation, the other head's agree, the error points at the offset, nothing is written.
    func testWrongOffsetInSIFTFlowsSecondHeadIsCaught() throws {
        let real = try String(contentsOfFile: ImportSupport.zooFile("siftflow-fcn8s-test.prototxt"), encoding: .utf8)
        var lines = real.components(separatedBy: "\n")
        XCTAssertEqual(lines[793], "    offset: 31")   // score_geo's, the last crop
        lines[793] = "    offset: 34"
        let dir = try ImportSupport.scratch(self)
        let proto = try ImportSupport.write(lines.joined(separator: "\n"), dir, "siftflow-fcn8s.prototxt")
        let outDir = (dir as NSString).appendingPathComponent("out")
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let (audit, result, error) = ImportSupport.run(CaffeImportOptions(prototxt: proto, output: (outDir as NSString).appendingPathComponent("net.yaml")))
        XCTAssertNil(result)
        let rows = audit.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertTrue(rows.contains(["score_sem", "upscore8_sem", "data", "31", "31", "agrees"]), audit)
        XCTAssertTrue(rows.contains(["score_geo", "upscore8_geo", "data", "34", "31", "DISAGREES"]), audit)
        XCTAssertTrue(audit.contains("5 of 6 written offsets agree with the derivation"), audit)
        XCTAssertTrue(audit.contains("score_geo"), audit)
        XCTAssertEqual(error, "\(proto):794:5: error: crop 'score_geo' has offset 34 in the prototxt, but the coordinate maps give 31 (derivation above) [caffe-offset-disagrees]")
        XCTAssertEqual(ImportSupport.files(outDir), [])
    }

    /// The real voc-fcn8s deploy.prototxt imports to the shipped FCN-8s: same layers, offsets, plan.
    func testVOCFCN8sDeployEqualsTheShippedFCN8s() throws {
        let dir = try ImportSupport.scratch(self)
        let out = (dir as NSString).appendingPathComponent("fcn8s.yaml")
        var o = CaffeImportOptions(prototxt: ImportSupport.zooFile("voc-fcn8s-deploy.prototxt"), output: out)
        o.mean = [104.00699, 116.66877, 122.67892]
        let (_, result, error) = ImportSupport.run(o)
        XCTAssertNil(error)
        XCTAssertEqual(ImportSupport.files(dir), ["backbones", "backbones/vgg16.yaml", "fcn8s.yaml"])
        let written = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(written.contains("backbone: backbones/vgg16.yaml\nhead:\n  score: fc7\n"), written)
        XCTAssertTrue(written.contains("    - {upsample: 2, skip: pool4}\n    - {upsample: 2, skip: pool3}\n    - {upsample: 8}\n"), written)
        XCTAssertFalse(written.contains("offset:"), "offsets are never written")

        let d = Diagnostics()
        let imported = try XCTUnwrap(Pipeline.compile(out, diagnostics: d))
        let shipped = try XCTUnwrap(Pipeline.compile(ImportSupport.root.appendingPathComponent("Models/fcn8s.yaml").path, diagnostics: d))
        XCTAssertFalse(d.hasErrors)
        XCTAssertEqual(SummaryReport(imported).text(), SummaryReport(shipped).text())
        XCTAssertEqual(imported.graph.nodes.map(\.name), shipped.graph.nodes.map(\.name))
        XCTAssertEqual(imported.graph.nodes.map(\.params), shipped.graph.nodes.map(\.params))
        XCTAssertEqual(imported.graph.nodes.map(\.inputs), shipped.graph.nodes.map(\.inputs))
        XCTAssertEqual(imported.graph.nodes.compactMap(\.cropOffset), [Pair(5), Pair(9), Pair(31)])
        XCTAssertEqual(imported.graph.nodes.map(\.cropOffset), shipped.graph.nodes.map(\.cropOffset))
        XCTAssertEqual(PlanReport.text(PlanPipeline.run(imported)), PlanReport.text(PlanPipeline.run(shipped)))
        // The JSON plan too, apart from where each layer is written (another file, other lines)
        // and the class names (a prototxt has none; the shipped spec names the VOC classes).
        func comparable(_ json: String) throws -> String {
            func strip(_ v: Any) -> Any {
                if let d = v as? [String: Any] { return d.filter { $0.key != "location" }.mapValues(strip) }
                if let a = v as? [Any] { return a.map(strip) }
                return v
            }
            var top = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            top["classes"] = nil
            let data = try JSONSerialization.data(withJSONObject: strip(top), options: [.sortedKeys, .prettyPrinted])
            return String(decoding: data, as: UTF8.self)
        }
        XCTAssertEqual(try comparable(PlanReport.json(PlanPipeline.run(imported))), try comparable(PlanReport.json(PlanPipeline.run(shipped))))
        XCTAssertEqual(result?.compilation.input, Pair(500))
    }

    /// The backbones the importer writes are the shipped files, byte for byte.
    func testCatalogBackbonesAreTheShippedFiles() throws {
        for entry in BackboneCatalog.all {
            let shipped = try String(contentsOf: ImportSupport.root.appendingPathComponent("Models/\(entry.file)"), encoding: .utf8)
            XCTAssertEqual(entry.text + "\n", shipped, entry.name)
        }
    }
}
