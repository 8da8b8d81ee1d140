// Bad input gets a located error and nothing is written: a wrong crop offset (with its
// derivation), a layer type fcngc cannot import, blobs that do not exist.

import Foundation
import XCTest
import FCNSpec
@testable import FCNCaffe

final class ImportErrorTests: XCTestCase {
    func fcn8sWithLastCropAt(_ offset: Int, _ dir: String) throws -> String {
        let text = try String(contentsOfFile: ImportSupport.zooFile("voc-fcn8s-deploy.prototxt"), encoding: .utf8)
        XCTAssertEqual(text.components(separatedBy: "offset: 31").count, 2)
        return try ImportSupport.write(text.replacingOccurrences(of: "offset: 31", with: "offset: \(offset)"), dir, "bad\(offset).prototxt")
    }

    func testWrongOffsetIsCaughtWithItsDerivation() throws {
        let dir = try ImportSupport.scratch(self)
        let proto = try fcn8sWithLastCropAt(34, dir)
        let outDir = (dir as NSString).appendingPathComponent("out")
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let o = CaffeImportOptions(prototxt: proto, output: (outDir as NSString).appendingPathComponent("fcn8s.yaml"))
        let (audit, result, error) = ImportSupport.run(o)
        XCTAssertNil(result)
        XCTAssertEqual(error, "\(proto):609:5: error: crop 'score' has offset 34 in the prototxt, but the coordinate maps give 31 (derivation above) [caffe-offset-disagrees]")
        XCTAssertTrue(audit.contains("score         upscore8     data                  34       31  DISAGREES"), audit)
        XCTAssertTrue(audit.contains("score_pool4c  score_pool4  upscore2               5        5  agrees"), audit)
        XCTAssertTrue(audit.contains("    upscore8       deconv k16 s8 p0       8x + 7.5         => x + 31"), audit)
        XCTAssertTrue(audit.contains("data ∘ upscore8⁻¹ = x - 31  =>  upscore8[i + 31] lines up with data[i]"), audit)
        XCTAssertTrue(audit.contains("2 of 3 written offsets agree with the derivation"), audit)
        XCTAssertEqual(ImportSupport.files(outDir), [])

        // --accept-derived writes the spec (which, like every spec, has no offsets).
        var accepting = o
        accepting.acceptDerived = true
        let (_, accepted, noError) = ImportSupport.run(accepting)
        XCTAssertNil(noError)
        XCTAssertEqual(accepted?.compilation.graph.nodes.last?.cropOffset, Pair(31))
        XCTAssertTrue(accepted?.notes.contains { $0.contains("crop 'score': the prototxt says 34") } ?? false)
    }

    func testUnknownLayerTypeIsLocated() throws {
        let dir = try ImportSupport.scratch(self)
        let text = CaffemodelImportTests.tinyV2.replacingOccurrences(of: "layer { name: \"pool1\"",
            with: "layer { name: \"bn1\" type: \"BatchNorm\" bottom: \"conv1\" top: \"conv1\" batch_norm_param { use_global_stats: true } }\nlayer { name: \"pool1\"")
        let proto = try ImportSupport.write(text, dir, "tiny-bn.prototxt")
        let outDir = (dir as NSString).appendingPathComponent("out")
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let (audit, result, error) = ImportSupport.run(CaffeImportOptions(prototxt: proto, output: (outDir as NSString).appendingPathComponent("t.yaml")))
        XCTAssertNil(result)
        XCTAssertEqual(audit, "")
        XCTAssertEqual(error, "\(proto):5:9: error: layer 'bn1' has type 'BatchNorm', which fcngc cannot import [caffe-unsupported-layer]")
        XCTAssertEqual(ImportSupport.files(outDir), [])
    }

    func testMisspelledFieldInAKnownLayerIsASyntaxError() throws {
        let dir = try ImportSupport.scratch(self)
        let proto = try ImportSupport.write(CaffemodelImportTests.tinyV2.replacingOccurrences(of: "kernel_size: 3", with: "kernal_size: 3"), dir, "typo.prototxt")
        let (_, result, error) = ImportSupport.run(CaffeImportOptions(prototxt: proto, output: (dir as NSString).appendingPathComponent("t.yaml")))
        XCTAssertNil(result)
        XCTAssertTrue(error?.hasPrefix("\(proto): error: not a Caffe prototxt fcngc can read: a field that is not in Caffe's schema") ?? false, error ?? "")
        XCTAssertEqual(ImportSupport.files(dir), ["typo.prototxt"])
    }

    func testUnknownBottomIsLocated() throws {
        let dir = try ImportSupport.scratch(self)
        let proto = try ImportSupport.write(CaffemodelImportTests.tinyV2.replacingOccurrences(of: "bottom: \"pool1\"", with: "bottom: \"pool9\""), dir, "t.prototxt")
        let (_, result, error) = ImportSupport.run(CaffeImportOptions(prototxt: proto, output: (dir as NSString).appendingPathComponent("t.yaml")))
        XCTAssertNil(result)
        XCTAssertEqual(error, "\(proto):6:46: error: layer 'score_fr' reads blob 'pool9' (bottom 0), which no earlier layer or input produces [caffe-unknown-blob]")
    }

    func testLocatorFindsLayersAcrossStringsCommentsAndNesting() {
        let text = """
        # a comment with layer { name: "not" }
        name: "n"
        layer {
          name: "a" # trailing } comment
          type: "Convolution"
          param { name: "shared" }
          convolution_param { num_output: 1 kernel_size: 1 }
        }
        layer < type: "Crop" name: 'b\\'}' crop_param { offset: 3 } >
        """
        let l = PrototxtLocator(text: text, file: "f")
        XCTAssertEqual(l.layer.map(\.nameLocation.description), ["f:4:3", "f:9:22"])
        XCTAssertEqual(l.layer.map { $0.nested["offset"]?.description }, [nil, "f:9:48"])
        XCTAssertEqual(l.topLevel["name"]?.description, "f:2:1")
    }
}
