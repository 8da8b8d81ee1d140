// The paper's own prototxts (copies of shelhamer/fcn.berkeleyvision.org's files in
// Fixtures/zoo): each imports and compiles, or is refused with a located error naming what
// the spec language cannot express yet; every written crop offset is audited and agrees.

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
@testable import FCNCaffe

final class ZooImportTests: XCTestCase {
    /// prototxt -> (written offsets in file order, the form written or the construct refused)
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
        ("siftflow-fcn32s-test.prototxt", [19, 19], "567:3: error: the net has 2 outputs ('score_sem', 'score_geo')"),
        ("siftflow-fcn16s-test.prototxt", [5, 27, 5, 27], "677:3: error: the net has 2 outputs ('score_sem', 'score_geo')"),
        ("siftflow-fcn8s-test.prototxt", [5, 9, 31, 5, 9, 31], "787:3: error: the net has 2 outputs ('score_sem', 'score_geo')"),
        ("nyud-fcn32s-color-d-test.prototxt", [19], "14:3: error: layer 'data' (Concat) joins 'color' and 'depth' along channels"),
        ("nyud-fcn32s-color-hha-test.prototxt", [19], "985:5: error: layer 'score_fused' (Eltwise SUM) weighs its bottoms by 0.5, 0.5"),
    ]

    func testEveryZooNetImportsOrIsRefusedAndEveryOffsetAgrees() throws {
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
            if expected.contains("error:") {
                XCTAssertNil(result, name)
                XCTAssertTrue(error?.contains(ImportSupport.zooFile(name) + ":" + expected) ?? false, "\(name): \(error ?? "no error")")
                XCTAssertTrue(error?.contains("[caffe-not-expressible]") ?? false, name)
                XCTAssertEqual(ImportSupport.files(dir), [], "\(name): nothing may be written")
            } else {
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
