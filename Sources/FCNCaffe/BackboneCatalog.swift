// The shipped backbones, so an imported net that is one of them is written as
// `backbone: backbones/<name>.yaml`, the file written beside the spec with exactly the text
// shipped in Models/backbones (a test keeps these copies equal to those files).

enum BackboneCatalog {
    struct Entry {
        var name: String
        var text: String
        var file: String { "backbones/\(name).yaml" }
        /// The name of the first layer (`conv1_1`), which a stream's first layer carries with its affix.
        var firstLayer: String? {
            for line in text.split(separator: "\n") where line.hasPrefix("  - {") {
                let body = line.dropFirst(5)
                guard let colon = body.firstIndex(of: ":") else { return nil }
                let rest = body[body.index(after: colon)...].drop { $0 == " " }
                return String(rest.prefix { $0 != "," && $0 != "}" })
            }
            return nil
        }
    }

    static let all: [Entry] = [Entry(name: "vgg16", text: vgg16), Entry(name: "alexnet", text: alexnet)]

    static let vgg16 = """
# VGG16 as the reference FCN uses it: every conv 3x3/1 pad 1 (conv1_1 pads 100, so every
# crop fits at every input size), every conv followed by a ReLU named after it, 2x2/2 max
# pools with Caffe's ceil rounding, fc6/fc7 as convolutions, dropout (identity at inference).
name: vgg16
defaults:
  conv: {kernel: 3, pad: 1}
  pool: {method: max, kernel: 2, stride: 2}
layers:
  - {conv: conv1_1, out: 64, pad: 100, relu: relu1_1}
  - {conv: conv1_2, out: 64, relu: relu1_2}
  - {pool: pool1}
  - {conv: conv2_1, out: 128, relu: relu2_1}
  - {conv: conv2_2, out: 128, relu: relu2_2}
  - {pool: pool2}
  - {conv: conv3_1, out: 256, relu: relu3_1}
  - {conv: conv3_2, out: 256, relu: relu3_2}
  - {conv: conv3_3, out: 256, relu: relu3_3}
  - {pool: pool3}
  - {conv: conv4_1, out: 512, relu: relu4_1}
  - {conv: conv4_2, out: 512, relu: relu4_2}
  - {conv: conv4_3, out: 512, relu: relu4_3}
  - {pool: pool4}
  - {conv: conv5_1, out: 512, relu: relu5_1}
  - {conv: conv5_2, out: 512, relu: relu5_2}
  - {conv: conv5_3, out: 512, relu: relu5_3}
  - {pool: pool5}
  - {conv: fc6, out: 4096, kernel: 7, pad: 0, relu: relu6}
  - {dropout: drop6, ratio: 0.5}
  - {conv: fc7, out: 4096, kernel: 1, pad: 0, relu: relu7}
  - {dropout: drop7, ratio: 0.5}
"""

    static let alexnet = """
# AlexNet (CaffeNet ordering) as FCN-AlexNet uses it: conv1 11x11/4 pads 100, 3x3/2 max
# pools, LRN after pool1 and pool2, two groups in conv2/4/5, fc6 as a 6x6 convolution.
name: alexnet
defaults:
  pool: {method: max, kernel: 3, stride: 2}
  lrn: {size: 5, alpha: 0.0001, beta: 0.75}
layers:
  - {conv: conv1, out: 96, kernel: 11, stride: 4, pad: 100, relu: relu1}
  - {pool: pool1}
  - {lrn: norm1}
  - {conv: conv2, out: 256, kernel: 5, pad: 2, group: 2, relu: relu2}
  - {pool: pool2}
  - {lrn: norm2}
  - {conv: conv3, out: 384, kernel: 3, pad: 1, relu: relu3}
  - {conv: conv4, out: 384, kernel: 3, pad: 1, group: 2, relu: relu4}
  - {conv: conv5, out: 256, kernel: 3, pad: 1, group: 2, relu: relu5}
  - {pool: pool5}
  - {conv: fc6, out: 4096, kernel: 6, relu: relu6}
  - {dropout: drop6, ratio: 0.5}
  - {conv: fc7, out: 4096, kernel: 1, relu: relu7}
  - {dropout: drop7, ratio: 0.5}
"""
}
