// A .caffemodel's blobs as fcngc's weights. Blobs are found by layer name (as Caffe's
// CopyTrainedLayersFrom does): blob 0 is `<layer>.weight`, blob 1 `<layer>.bias`, in the
// same layouts (conv (Cout, Cin/g, kh, kw), deconv (Cin, Cout/g, kh, kw)). Shapes are checked
// the way Caffe checks them: a blob with `shape` must match exactly, one with legacy
// num/channels/height/width must match the shape padded to 4 axes with leading 1s.
// A deconvolution whose only blob is the bilinear kernel on the class diagonal (the paper's
// surgery.interp) is a fixed upsampler and needs no tensor.

import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

struct CaffeWeights {
    let path: String
    private var blobs: [String: [Caffe_BlobProto]] = [:]

    init(_ file: CaffeNetFile) {
        path = file.path
        for l in file.layers where !l.param.blobs.isEmpty { blobs[l.name] = l.param.blobs }
    }

    func hasBlobs(_ layer: String) -> Bool { blobs[layer] != nil }

    static func declaredShape(_ b: Caffe_BlobProto) -> [Int] {
        b.hasShape ? b.shape.dim.map { Int($0) } : [Int(b.num), Int(b.channels), Int(b.height), Int(b.width)]
    }

    static func isLegacy(_ b: Caffe_BlobProto) -> Bool { !b.hasShape && (b.hasNum || b.hasChannels || b.hasHeight || b.hasWidth) }

    static func values(_ b: Caffe_BlobProto) -> [Float] { b.data.isEmpty ? b.doubleData.map { Float($0) } : b.data }

    static func shapeText(_ s: [Int]) -> String { s.map(String.init).joined(separator: "x") }

    /// Whether Caffe would accept blob `b` for a parameter of shape `want`.
    static func shapeMatches(_ b: Caffe_BlobProto, _ want: [Int]) -> Bool {
        let have = declaredShape(b)
        if isLegacy(b) {
            guard want.count <= 4 else { return false }
            return have == Array(repeating: 1, count: 4 - want.count) + want
        }
        return have == want
    }

    /// true: the deconvolution's weights are the fixed bilinear diagonal kernel; false: any
    /// other weights (learned); nil: the caffemodel has no blobs for it.
    func isFixedBilinear(_ layer: ImportedLayer) -> Bool? {
        guard let bs = blobs[layer.name] else { return nil }
        let p = layer.params
        guard bs.count == 1, p.group == 1, p.kernel.isSquare else { return false }
        let c = p.out, k = p.kernel.h
        guard Self.shapeMatches(bs[0], [c, c, k, k]) else { return false }
        let have = Self.values(bs[0])
        let want = Kernels.bilinearWeights(kernelH: k, kernelW: k, channels: c)
        guard have.count == want.count else { return false }
        for i in 0..<want.count where abs(have[i] - want[i]) > 1e-6 { return false }
        return true
    }

    /// A Scale layer's factor from its blob (one value, or one repeated per channel).
    func scaleValue(_ layer: ImportedLayer) throws -> Double? {
        guard let bs = blobs[layer.name], let b = bs.first else { return nil }
        let v = Self.values(b)
        guard let first = v.first, v.allSatisfy({ $0 == first }) else {
            throw CaffeImportError(.unsupportedSetting, "layer '\(layer.name)' (Scale) has per-channel factors in the caffemodel, which fcngc cannot import", at: layer.location)
        }
        return CaffeLayerMapping.decimal(first)
    }

    /// The tensors the compiled model reads, from the caffemodel, every shape checked.
    func tensors(for refs: [WeightRef]) throws -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        for ref in refs {
            let isBias = ref.name.hasSuffix(".bias")
            guard isBias || ref.name.hasSuffix(".weight") else { continue }
            let layer = String(ref.name.dropLast(isBias ? 5 : 7)), index = isBias ? 1 : 0
            guard let bs = blobs[layer], index < bs.count else {
                let have = blobs[layer]?.count ?? 0
                throw CaffeImportError(.blobMismatch,
                    "layer '\(layer)' has \(have) blob\(have == 1 ? "" : "s") in the caffemodel, but the model needs blob \(index) ('\(ref.name)', \(Self.shapeText(ref.shape)))",
                    file: path)
            }
            let b = bs[index]
            guard Self.shapeMatches(b, ref.shape) else {
                throw CaffeImportError(.blobMismatch,
                    "layer '\(layer)' blob \(index) has shape \(Self.shapeText(Self.declaredShape(b))), but the model needs \(Self.shapeText(ref.shape)) ('\(ref.name)')",
                    file: path)
            }
            let v = Self.values(b), n = ref.shape.reduce(1, *)
            guard v.count == n else {
                throw CaffeImportError(.blobMismatch,
                    "layer '\(layer)' blob \(index) declares shape \(Self.shapeText(Self.declaredShape(b))) (\(n) values) but holds \(v.count)",
                    file: path)
            }
            out.append((ref.name, Tensor(shape: ref.shape, values: v)))
        }
        return out
    }
}
