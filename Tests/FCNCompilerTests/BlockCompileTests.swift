// Block templates through the whole compiler: the shipped ResNet backbones (torchvision's
// names, dilation, parameter counts), a network written with a template compiles to exactly
// the plan of the same network written flat, and an error the compiler finds in a generated
// layer names the instance that made it.

import XCTest
import Foundation
import FCNSpec
@testable import FCNCompiler
import FCNPlan

final class BlockCompileTests: XCTestCase {
    static func backbone(_ name: String) -> String { PlanFixtures.root.appendingPathComponent("Models/backbones/\(name).yaml").path }

    /// A model reading a shipped backbone, scored with a 1x1 conv and resized to the input.
    static func resnetModel(_ backbone: String) -> String {
        """
        name: probe
        backbone: \(Self.backbone(backbone))
        graph:
          - {conv: score, from: layer4, out: 3, kernel: 1}
          - {resize: out, like: input}
        """
    }

    func testShippedResNet50HasTorchvisionsLayers() throws {
        let c = try PlanFixtures.compile(yaml: Self.resnetModel("resnet50"), input: Pair(64))
        let nodes = c.graph.nodes
        func node(_ name: String) throws -> Node { try XCTUnwrap(nodes.first { $0.name == name }, name) }
        // 16 bottlenecks of 10 layers (+2 with a downsample), the stem, the probe's 2 layers, the input.
        XCTAssertEqual(nodes.count, 1 + 4 + 16 * 10 + 4 * 2 + 2)
        XCTAssertEqual(Array(nodes.prefix(8).map(\.name)), ["input", "conv1", "bn1", "relu", "maxpool",
                                                             "layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu1"])
        XCTAssertEqual(try node("maxpool").params.rounding, .floor)
        // layer3: stride replaced by dilation (block 0 keeps dilation 1), layer4 likewise (2, then 4).
        for (name, dilation, stride) in [("layer2.0.conv2", 1, 2), ("layer3.0.conv2", 1, 1), ("layer3.1.conv2", 2, 1),
                                         ("layer3.5.conv2", 2, 1), ("layer4.0.conv2", 2, 1), ("layer4.2.conv2", 4, 1),
                                         ("layer3.0.downsample.0", 1, 1), ("layer2.0.downsample.0", 1, 2)] {
            let p = try node(name).params
            XCTAssertEqual(p.dilation, Pair(dilation), name)
            XCTAssertEqual(p.stride, Pair(stride), name)
            XCTAssertEqual(p.pad, Pair(name.hasSuffix("conv2") ? dilation : 0), name)
            XCTAssertFalse(p.bias, name)
        }
        // The identity shortcut reads the previous block's output; `layer4` is layer4.2's.
        XCTAssertEqual(try node("layer1.1.add").inputs.map { nodes[$0].name }, ["layer1.1.bn3", "layer1.0.relu"])
        XCTAssertEqual(try node("layer3.0.downsample.0").inputs.map { nodes[$0].name }, ["layer2.3.relu"])
        XCTAssertEqual(try node("score").inputs.map { nodes[$0].name }, ["layer4.2.relu"])
        XCTAssertNil(nodes.first { $0.name.contains("layer1.1.downsample") })
        // Output stride 8: 64 -> 8.
        XCTAssertEqual(c.shapes[c.graph.id(named: "layer4.2.relu")!].h, 8)
        // torchvision's resnet50 without fc has 23,508,032 parameters; fcngc also counts the
        // BatchNorm running mean and variance (2 x 26,560 channels).
        let backboneParams = c.layers.filter { $0.name != "score" }.reduce(0) { $0 + $1.params }
        XCTAssertEqual(backboneParams, 23_508_032 + 2 * 26_560)
    }

    /// Under a prefix (torchvision's `backbone.`), block names get it too: `backbone.layer3`.
    func testPrefixedBackboneBlockNames() throws {
        let yaml = """
            name: prefixed
            backbone: {file: \(Self.backbone("resnet50")), prefix: backbone.}
            graph:
              - {conv: classifier.4, from: backbone.layer4, out: 3, kernel: 1}
              - {conv: aux_classifier.4, from: backbone.layer3, out: 3, kernel: 1}
              - {resize: out, from: classifier.4, like: input}
              - {resize: aux, from: aux_classifier.4, like: input}
            outputs: [out, aux]
            """
        let c = try PlanFixtures.compile(yaml: yaml, input: Pair(32))
        let g = c.graph
        func reads(_ name: String) -> [String] { g.nodes[g.id(named: name)!].inputs.map { g.nodes[$0].name } }
        XCTAssertEqual(reads("classifier.4"), ["backbone.layer4.2.relu"])
        XCTAssertEqual(reads("aux_classifier.4"), ["backbone.layer3.5.relu"])
        XCTAssertEqual(reads("backbone.layer1.1.add"), ["backbone.layer1.1.bn3", "backbone.layer1.0.relu"])
    }

    func testShippedResNet101() throws {
        let c = try PlanFixtures.compile(yaml: Self.resnetModel("resnet101"), input: Pair(33))
        XCTAssertNotNil(c.graph.id(named: "layer3.22.relu"))
        XCTAssertNil(c.graph.id(named: "layer3.23.conv1"))
        // torchvision's resnet101 without fc: 42,500,160 parameters; BatchNorm channels 52,672.
        let backboneParams = c.layers.filter { $0.name != "score" }.reduce(0) { $0 + $1.params }
        XCTAssertEqual(backboneParams, 42_500_160 + 2 * 52_672)
    }

    // MARK: template == flat

    static let templated = """
        name: small
        blocks:
          bottleneck:
            params: {width: 4, out: 16, stride: 1, dilation: 1, downsample: false}
            layers:
              - {conv: conv1, out: $width, kernel: 1, bias: false}
              - {batchnorm: bn1}
              - {relu: relu1}
              - {conv: conv2, out: $width, kernel: 3, stride: $stride, pad: $dilation, dilation: $dilation, bias: false}
              - {batchnorm: bn2}
              - {relu: relu2}
              - {conv: conv3, out: $out, kernel: 1, bias: false}
              - {batchnorm: bn3}
              - {conv: downsample.0, from: $in, out: $out, kernel: 1, stride: $stride, bias: false, when: downsample}
              - {batchnorm: downsample.1, when: downsample}
              - {sum: add, from: [bn3, downsample.1]}
              - {relu: relu}
        graph:
          - {conv: conv1, out: 8, kernel: 7, stride: 2, pad: 3, bias: false}
          - {batchnorm: bn1}
          - {relu: relu}
          - {pool: maxpool, kernel: 3, stride: 2, pad: 1, rounding: floor}
          - {block: bottleneck, name: layer1, repeat: 2, width: 4, out: 16, first: {downsample: true}}
          - {block: bottleneck, name: layer2, repeat: 3, width: 8, out: 32, first: {stride: 2, downsample: true}}
          - {block: bottleneck, name: layer3, repeat: 2, width: 8, out: 32, dilation: 2, first: {dilation: 1, downsample: true}}
          - {conv: score, from: layer3, out: 5, kernel: 1}
          - {conv: aux, from: layer2, out: 5, kernel: 1}
          - {sum: both, from: [score, aux]}
          - {resize: out, like: input}
        """

    /// The same network, one line per layer, as someone would write it without blocks.
    static var flat: String {
        var lines = ["name: small", "graph:",
                     "  - {conv: conv1, out: 8, kernel: 7, stride: 2, pad: 3, bias: false}",
                     "  - {batchnorm: bn1}", "  - {relu: relu}",
                     "  - {pool: maxpool, kernel: 3, stride: 2, pad: 1, rounding: floor}"]
        var input = "maxpool"
        for (stage, count, width, out, stride, dilation, firstDilation) in
                [("layer1", 2, 4, 16, 1, 1, 1), ("layer2", 3, 8, 32, 2, 1, 1), ("layer3", 2, 8, 32, 1, 2, 1)] {
            for i in 0..<count {
                let n = "\(stage).\(i)", s = i == 0 ? stride : 1, d = i == 0 ? firstDilation : dilation
                lines += ["  - {conv: \(n).conv1, out: \(width), kernel: 1, bias: false}", "  - {batchnorm: \(n).bn1}", "  - {relu: \(n).relu1}",
                          "  - {conv: \(n).conv2, out: \(width), kernel: 3, stride: \(s), pad: \(d), dilation: \(d), bias: false}",
                          "  - {batchnorm: \(n).bn2}", "  - {relu: \(n).relu2}",
                          "  - {conv: \(n).conv3, out: \(out), kernel: 1, bias: false}", "  - {batchnorm: \(n).bn3}"]
                if i == 0 {
                    lines += ["  - {conv: \(n).downsample.0, from: \(input), out: \(out), kernel: 1, stride: \(s), bias: false}",
                              "  - {batchnorm: \(n).downsample.1}", "  - {sum: \(n).add, from: [\(n).bn3, \(n).downsample.1]}"]
                } else {
                    lines += ["  - {sum: \(n).add, from: [\(n).bn3, \(input)]}"]
                }
                lines += ["  - {relu: \(n).relu}"]
                input = "\(n).relu"
            }
        }
        lines += ["  - {conv: score, from: layer3.1.relu, out: 5, kernel: 1}", "  - {conv: aux, from: layer2.2.relu, out: 5, kernel: 1}",
                  "  - {sum: both, from: [score, aux]}", "  - {resize: out, like: input}"]
        return lines.joined(separator: "\n") + "\n"
    }

    func testTemplateCompilesToTheFlatNetworksPlan() throws {
        for size in [Pair(64), Pair(37, 51)] {
            let a = try PlanFixtures.compile(yaml: Self.templated, input: size)
            let b = try PlanFixtures.compile(yaml: Self.flat, input: size)
            func edges(_ g: Graph) -> [String] {
                g.nodes.map { n in "\(n.name) \(n.op.rawValue) <- " + n.inputs.map { g.nodes[$0].name }.joined(separator: ",") + " \(n.params)" }
            }
            XCTAssertEqual(edges(a.graph), edges(b.graph))
            XCTAssertEqual(SummaryReport(a).text(), SummaryReport(b).text())
            let planA = PlanReport.text(PlanPipeline.run(a)), planB = PlanReport.text(PlanPipeline.run(b))
            XCTAssertEqual(planA, planB)
            XCTAssertTrue(planA.contains("layer2.0.conv2+layer2.0.bn2+layer2.0.relu2"), planA)   // BatchNorm folded
        }
    }

    // MARK: compiler diagnostics in generated layers

    func testCompilerErrorInAGeneratedLayerNamesTheInstance() throws {
        let yaml = """
            name: broken
            blocks:
              unit:
                params: {out: 4}
                layers:
                  - {conv: a, out: $out, kernel: 3, pad: 1}
                  - {sum: add, from: [a, $in]}
            graph:
              - {conv: stem, out: 4, kernel: 1}
              - {block: unit, name: u, repeat: 3, first: {out: 4}, out: 6}
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-blocks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("model.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let (c, d) = FoundationFixtures.compile(file.path, input: Pair(16))
        XCTAssertNil(c)
        XCTAssertEqual(FoundationFixtures.render(d).replacingOccurrences(of: dir.path + "/", with: ""), """
            model.yaml:7:15: error: sum 'u.1.add' adds 'u.1.a' (6 channels) and 'u.0.add' (4 channels) [channel-mismatch]
            model.yaml:10:5: note: in instance 'u.1' of block 'unit'
            model.yaml:7:15: note: 'u.0.add' defined here
            model.yaml:10:5: note: in instance 'u.0' of block 'unit'
            model.yaml:6:16: note: 'u.1.a' defined here
            1 error generated.
            """)
    }
}
