// How a train_val-style prototxt is read: layers outside the TEST phase are skipped, the TEST
// data layer's transform_param gives the input's mean and scale, `label` is not an input,
// losses and accuracy are dropped, in-place tops keep Caffe's meaning.

import Foundation
import XCTest
import FCNSpec
@testable import FCNCaffe

final class NetReadingTests: XCTestCase {
    static let trainVal = """
    name: "tv"
    layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
            transform_param { mirror: true mean_value: 1 mean_value: 2 mean_value: 3 } data_param { source: "train_lmdb" batch_size: 8 } }
    layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TEST }
            transform_param { scale: 0.5 mean_value: 104 mean_value: 117 mean_value: 123 } data_param { source: "val_lmdb" batch_size: 1 } }
    layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
    layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
    layer { name: "conv2" type: "Convolution" bottom: "conv1" top: "conv2" convolution_param { num_output: 2 kernel_size: 1 } }
    layer { name: "drop" type: "Dropout" bottom: "conv2" top: "conv2" include { phase: TRAIN } }
    layer { name: "loss" type: "SoftmaxWithLoss" bottom: "conv2" bottom: "label" top: "loss" loss_param { ignore_label: 255 } }
    layer { name: "accuracy" type: "Accuracy" bottom: "conv2" bottom: "label" top: "accuracy" include { phase: TEST } }

    """

    func testTrainValNetReadsItsTestPhase() throws {
        let dir = try ImportSupport.scratch(self)
        let proto = try ImportSupport.write(Self.trainVal, dir, "tv.prototxt")
        let out = (dir as NSString).appendingPathComponent("tv.yaml")
        let (audit, result, error) = ImportSupport.run(CaffeImportOptions(prototxt: proto, output: out))
        XCTAssertNil(error)
        XCTAssertEqual(audit, "crop offsets: \(proto) has no Crop layers\n")
        let spec = try String(contentsOfFile: out, encoding: .utf8)
        // Caffe computes (x - mean) * scale; the spec says x * scale - mean * scale.
        XCTAssertTrue(spec.contains("  mean: [52.0, 58.5, 61.5]\n  scale: 0.5\n"), spec)
        XCTAssertTrue(spec.contains("  - {conv: conv1, from: input, out: 4, kernel: 3, pad: 1, relu: relu1}\n  - {conv: conv2, out: 2, kernel: 1}\n"), spec)
        XCTAssertFalse(spec.contains("drop"), "the TRAIN-only dropout is not part of the TEST net")
        let notes = result?.notes ?? []
        XCTAssertTrue(notes.contains("dropped 2 layers that inference does not use: loss (SoftmaxWithLoss), accuracy (Accuracy)"), "\(notes)")
        XCTAssertTrue(notes.contains("not inputs (only losses or nothing read them): label"), "\(notes)")
        XCTAssertTrue(notes.contains("mean from the transform_param of layer 'data'"), "\(notes)")
    }

    func testInPlaceTopsMeanTheLastWriter() throws {
        // conv2 reads conv1 after relu1 (in place); side reads conv1 before the later in-place relu2.
        let text = """
        input: "data"
        input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 2 kernel_size: 1 } }
        layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
        layer { name: "side" type: "Convolution" bottom: "conv1" top: "side" convolution_param { num_output: 2 kernel_size: 1 } }
        layer { name: "relu2" type: "ReLU" bottom: "conv1" top: "conv1" }
        layer { name: "sum" type: "Eltwise" bottom: "conv1" bottom: "side" top: "sum" }

        """
        let dir = try ImportSupport.scratch(self)
        let net = try NetImporter(file: try CaffeNetFile.readPrototxt(try ImportSupport.write(text, dir, "ip.prototxt"))).run()
        XCTAssertEqual(net.inputs.map(\.name), ["data"])
        XCTAssertEqual(net.inputs.first?.size, Pair(8))
        XCTAssertEqual(net.layers.map { "\($0.name)<-\($0.inputs.joined(separator: "+"))" },
                       ["conv1<-data", "relu1<-conv1", "side<-relu1", "relu2<-relu1", "sum<-relu2+side"])
        XCTAssertEqual(net.outputs, ["sum"])
        // Written as a spec, relu2 (in place in Caffe, but not right after what it reads) stays
        // an ordinary layer, so `side` still reads the value before it; the import compiles to the same net.
        let (_, result, error) = ImportSupport.run(CaffeImportOptions(prototxt: (dir as NSString).appendingPathComponent("ip.prototxt"),
                                                                      output: (dir as NSString).appendingPathComponent("ip.yaml")))
        XCTAssertNil(error)
        XCTAssertEqual(result?.form, "graph of 5 layers")
    }
}
