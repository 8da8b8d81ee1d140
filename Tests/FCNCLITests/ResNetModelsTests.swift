// The shipped FCN-ResNet models as a user compiles them: torchvision's fcn_resnet50/101 (weight
// names are torchvision's state_dict keys, batch norms folded, two outputs), mmseg's fcn_r50-d8
// (deep stem, concat_input) and the skip head on a plain ResNet-50 (offsets derived). Compiling
// only: their numbers against torchvision are checked by Scripts/check-torchvision.sh
// (Docs/TorchvisionModels.md), which needs torch.

import Foundation
import XCTest

final class ResNetModelsTests: XCTestCase {
    typealias JSON = [String: Any]

    func plan(_ spec: String, _ extra: String..., file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        let r = try CLIProcess.run(["compile", spec, "--emit", "json"] + extra, file: file, line: line)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? JSON, file: file, line: line)
    }

    func weights(_ p: JSON) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for s in p["steps"] as? [JSON] ?? [] {
            for w in s["weights"] as? [JSON] ?? [] { out[w["name"] as! String] = w["shape"] as? [Int] }
        }
        return out
    }

    func testFCNResNet50IsTorchvisions() throws {
        let p = try plan("Models/fcn_resnet50.yaml")   // example size 520
        let outputs = (p["outputs"] as? [JSON] ?? []).map { "\($0["name"]!) \($0["shape"]!)" }
        XCTAssertEqual(outputs.map { $0.filter { !$0.isWhitespace } }, ["out[21,520,520]", "aux[21,520,520]"])
        let steps = p["steps"] as? [JSON] ?? []
        XCTAssertFalse(steps.contains { $0["kind"] as? String == "batchnorm" }, "every batch norm folds into its conv")
        XCTAssertEqual(steps.filter { ($0["attributes"] as? JSON)?["batchNorm"] != nil }.count, 53 + 2)
        let w = weights(p)
        XCTAssertEqual(w.count, 279)   // torchvision's 334 state_dict keys less 55 num_batches_tracked
        XCTAssertEqual(w["backbone.conv1.weight"], [64, 3, 7, 7])
        XCTAssertEqual(w["backbone.layer1.0.downsample.1.running_var"], [256])
        XCTAssertEqual(w["backbone.layer4.2.conv2.weight"], [512, 512, 3, 3])
        XCTAssertEqual(w["classifier.0.weight"], [512, 2048, 3, 3])
        XCTAssertEqual(w["classifier.4.bias"], [21])
        XCTAssertEqual(w["aux_classifier.0.weight"], [256, 1024, 3, 3])
        XCTAssertNil(w["classifier.0.bias"])
        let classes = p["classes"] as? [String] ?? []
        XCTAssertEqual(classes.count, 21)
        XCTAssertEqual(classes.first, "background")
        // Output stride 8: layer4 is 65x65 at 520, dilated 4 after its first block.
        let layers = p["layers"] as? [JSON] ?? []
        let conv2 = layers.first { $0["name"] as? String == "backbone.layer4.1.conv2" }
        XCTAssertEqual(conv2?["shape"] as? [Int], [512, 65, 65])
    }

    func testFCNResNet101HasTwentyThreeBlocksInLayer3() throws {
        let w = weights(try plan("Models/fcn_resnet101.yaml", "--input", "65x97"))
        XCTAssertEqual(w["backbone.layer3.22.conv3.weight"], [1024, 256, 1, 1])
        XCTAssertNil(w["backbone.layer3.23.conv3.weight"])
        XCTAssertEqual(w.count, 279 + 17 * 15)   // 17 more bottlenecks of 3 convs and 3 BNs (4 tensors each)
    }

    func testMMSegFCNR50D8() throws {
        let p = try plan("Models/fcn_r50-d8.yaml", "--input", "97x131")
        let w = weights(p)
        XCTAssertEqual(w["backbone.stem.0.weight"], [32, 3, 3, 3])
        XCTAssertEqual(w["backbone.stem.6.weight"], [64, 32, 3, 3])
        XCTAssertNil(w["backbone.conv1.weight"])
        XCTAssertEqual(w["decode_head.convs.1.conv.weight"], [512, 512, 3, 3])
        XCTAssertEqual(w["decode_head.conv_cat.conv.weight"], [512, 2048 + 512, 3, 3])
        XCTAssertEqual(w["decode_head.conv_seg.weight"], [19, 512, 1, 1])
        XCTAssertEqual(w["auxiliary_head.convs.0.conv.weight"], [256, 1024, 3, 3])
        let layers = p["layers"] as? [JSON] ?? []
        let concat = layers.first { $0["op"] as? String == "concat" }
        XCTAssertEqual(concat?["inputs"] as? [String], ["backbone.layer4.2.relu", "decode_head.convs.1.activate"])
        XCTAssertEqual(concat?["shape"] as? [Int], [2048 + 512, 13, 17])
    }

    func testSkipHeadOnAPlainResNetDerivesItsOffsets() throws {
        let p = try plan("Models/fcn8s-resnet50.yaml", "--input", "97x131")
        let crops = (p["layers"] as? [JSON] ?? []).filter { $0["op"] as? String == "crop" }
        XCTAssertEqual(crops.map { $0["name"] as! String }, ["upscore2c", "upscore_layer3c", "score"])
        XCTAssertEqual(crops.map { $0["offset"] as? [Int] ?? [] }, [[1, 1], [1, 1], [7, 7]])
        let r = try CLIProcess.run(["compile", "Models/fcn8s-resnet50.yaml", "--emit", "layers"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("every H in 1...4096 and W in 1...4096 checked valid, output size = input size"), r.stdout)
    }
}
