// Caffe layers -> ImportedNet. Walks the layers in file order (Caffe's execution order) with a
// table from blob name to the layer that last wrote it, so a bottom means what it means in
// Caffe: after every in-place layer written before the reader. Layers outside the TEST phase
// are skipped (Caffe's NetStateRule), data layers give the candidate inputs (a candidate that
// only losses read, like `label`, is not an input), losses and accuracy are dropped.

import Foundation
import FCNSpec
import FCNCompiler

struct NetImporter {
    let file: CaffeNetFile

    func run() throws -> ImportedNet {
        var producer: [String: String] = [:]      // blob -> layer or input name
        var candidates: [ImportedInput] = []
        var layers: [ImportedLayer] = []
        var names = Set<String>()
        var dropped: [String] = []
        var softmaxTops: [String: CaffeLayer] = [:]
        var assumedChannels: [String] = []
        let phase = file.net.hasState ? file.net.state.phase : .test

        // Inputs declared at the top (`input:` with `input_shape` or 4 `input_dim` each).
        for (i, name) in file.net.input.enumerated() {
            var dims: [Int] = []
            if i < file.net.inputShape.count { dims = file.net.inputShape[i].dim.map { Int($0) } }
            else if file.net.inputDim.count >= 4 * (i + 1) { dims = file.net.inputDim[(4 * i)..<(4 * i + 4)].map { Int($0) } }
            let each = file.topLevelEach["input"] ?? []
            let at = i < each.count ? each[i] : file.topLevel["input"]
            candidates.append(Self.input(name, dims, at: at ?? SourceLocation(file: file.path, line: 1, column: 1)))
            producer[name] = name
        }

        for l in file.layers where Self.included(l.param, phase: phase) {
            let role = try CaffeLayerMapping.role(l)
            if case .data = role {
                let shapes = l.param.inputParam.shape
                for (j, top) in l.param.top.enumerated() {
                    let dims = j < shapes.count ? shapes[j].dim : (shapes.count == 1 ? shapes[0].dim : [])
                    var input = Self.input(top, dims.map { Int($0) }, at: l.location)
                    input.preprocessing = Self.preprocessing(l)
                    if l.type == "Python", input.channels == nil, let c = Self.pythonTopChannels[top] {
                        input.channels = c
                        assumedChannels.append("\(top) \(c)")
                    }
                    candidates.append(input)
                    producer[top] = top
                }
                continue
            }
            // Resolve bottoms before anything else, so an unknown blob is reported as such.
            var inputs: [String] = []
            for (j, b) in l.param.bottom.enumerated() {
                if let s = softmaxTops[b], case .layer = role {
                    throw CaffeImportError(.unsupportedSetting, "layer '\(l.name)' reads the output of Softmax '\(s.name)'; fcngc can only drop a Softmax at the end of the net", at: l.location)
                }
                guard let p = producer[b] else {
                    throw CaffeImportError(.unknownBlob, "layer '\(l.name)' reads blob '\(b)' (bottom \(j)), which no earlier layer or input produces", at: l.at("bottom"))
                }
                inputs.append(p)
            }
            switch role {
            case .data: continue
            case .trainingOnly:
                dropped.append("\(l.name) (\(l.type))")
                continue
            case .softmax:
                for t in l.param.top { softmaxTops[t] = l }
                dropped.append("\(l.name) (\(l.type))")
                continue
            case .layer(let op):
                guard l.param.top.count == 1 else {
                    throw CaffeImportError(.unsupportedSetting, "layer '\(l.name)' (\(l.type)) has \(l.param.top.count) tops; fcngc imports layers with one", at: l.location)
                }
                guard names.insert(l.name).inserted, !candidates.contains(where: { $0.name == l.name }) else {
                    throw CaffeImportError(.unsupportedSetting, "a second layer or input is named '\(l.name)'; fcngc keeps Caffe's layer names, so they must be unique", at: l.location)
                }
                try Self.checkBottoms(l, op, inputs.count)
                var layer = ImportedLayer(name: l.name, op: op, inputs: inputs, like: nil,
                                          params: try CaffeLayerMapping.params(l, op), writtenOffset: nil,
                                          coefficients: nil, inPlace: l.param.top[0] == l.param.bottom.first,
                                          frozen: l.param.param.first.map { $0.hasLrMult && $0.lrMult == 0 } ?? false,
                                          caffeType: l.type, location: l.location, fieldLocations: l.fieldLocations)
                switch op {
                case .crop:
                    layer.inputs = [inputs[0]]
                    layer.like = inputs[1]
                    layer.writtenOffset = try CaffeLayerMapping.cropOffset(l)
                case .sum:
                    layer.coefficients = try CaffeLayerMapping.sumCoefficients(l)
                    layer.params.coefficients = layer.coefficients ?? []
                case .concat:
                    let c = l.param.concatParam
                    let axis = c.hasAxis ? Int(c.axis) : Int(c.concatDim)
                    guard axis == 1 || axis == -3 else { throw CaffeLayerMapping.setting(l, "axis", "concatenates along axis \(axis), not channels") }
                case .conv, .deconv, .relu, .pool, .lrn, .dropout, .scale: break
                }
                layers.append(layer)
                producer[l.param.top[0]] = l.name
            }
        }

        let read = Set(layers.flatMap { $0.inputs + ($0.like.map { [$0] } ?? []) })
        let inputs = candidates.filter { read.contains($0.name) }
        guard !inputs.isEmpty else {
            throw CaffeImportError(.unknownBlob, "the net has no input that a layer reads (no Input layer, `input:` field or data layer feeding it)",
                                   at: file.layers.first?.location ?? SourceLocation(file: file.path, line: 1, column: 1))
        }
        var notes: [String] = []
        if !dropped.isEmpty { notes.append("dropped \(dropped.count) layer\(dropped.count == 1 ? "" : "s") that inference does not use: \(dropped.joined(separator: ", "))") }
        let unusedInputs = candidates.filter { !read.contains($0.name) }.map(\.name)
        if !unusedInputs.isEmpty { notes.append("not inputs (only losses or nothing read them): \(unusedInputs.joined(separator: ", "))") }
        let assumed = assumedChannels.filter { a in inputs.contains { a.hasPrefix($0.name + " ") } }
        if !assumed.isEmpty { notes.append("channels of Python data layer tops, from what the paper's layers load under these names: \(assumed.joined(separator: ", "))") }
        return ImportedNet(name: file.net.name, inputs: inputs, layers: layers,
                           outputs: layers.map(\.name).filter { !read.contains($0) }, notes: notes)
    }

    /// What the paper's Python data layers (voc_layers, siftflow_layers, nyud_layers) load
    /// under each top name: an image (3 channels), HHA (3) or log depth (1).
    static let pythonTopChannels = ["data": 3, "color": 3, "hha": 3, "depth": 1]

    static func checkBottoms(_ l: CaffeLayer, _ op: ImportedOp, _ n: Int) throws {
        let want: ClosedRange<Int>
        switch op {
        case .conv, .deconv, .relu, .pool, .lrn, .dropout, .scale: want = 1...1
        case .crop: want = 2...2
        case .sum, .concat: want = 2...Int.max
        }
        guard want.contains(n) else {
            throw CaffeImportError(.unsupportedSetting, "layer '\(l.name)' (\(l.type)) has \(n) bottom\(n == 1 ? "" : "s"); it takes \(want.upperBound == Int.max ? "at least \(want.lowerBound)" : "\(want.lowerBound)")", at: l.location)
        }
    }

    static func input(_ name: String, _ dims: [Int], at location: SourceLocation) -> ImportedInput {
        // N, C, H, W (the batch size is not the model's business).
        ImportedInput(name: name, channels: dims.count == 4 ? dims[1] : nil,
                      size: dims.count == 4 && dims[2] > 0 && dims[3] > 0 ? Pair(dims[2], dims[3]) : nil, location: location)
    }

    /// Caffe's StateMeetsRule for the inference state (phase TEST, level 0, no stages).
    static func included(_ l: Caffe_LayerParameter, phase: Caffe_Phase) -> Bool {
        func meets(_ r: Caffe_NetStateRule) -> Bool {
            if r.hasPhase, r.phase != phase { return false }
            if r.hasMinLevel, 0 < r.minLevel { return false }
            if r.hasMaxLevel, 0 > r.maxLevel { return false }
            return r.stage.isEmpty
        }
        if !l.include.isEmpty { return l.include.contains(where: meets) }
        return !l.exclude.contains(where: meets)
    }

    /// Mean and scale from `transform_param`, or the mean of a Python data layer's `param_str`.
    static func preprocessing(_ l: CaffeLayer) -> Preprocessing? {
        if l.param.hasTransformParam {
            let t = l.param.transformParam
            let mean = t.meanValue.isEmpty ? nil : t.meanValue.map(CaffeLayerMapping.decimal)
            if mean == nil, t.scale == 1 { return nil }
            return Preprocessing(mean: mean, scale: t.scale == 1 ? nil : CaffeLayerMapping.decimal(t.scale),
                                 source: "transform_param of layer '\(l.name)'")
        }
        if l.type == "Python", let mean = PythonParamString.mean(l.param.pythonParam.paramStr) {
            return Preprocessing(mean: mean, scale: nil, source: "param_str of layer '\(l.name)'")
        }
        return nil
    }
}

/// The `'mean': (104.00699, 116.66877, 122.67892)` of a Python data layer's param_str (a Python
/// dict literal): a light scan for the key `mean` followed by a tuple or list of numbers.
enum PythonParamString {
    static func mean(_ s: String) -> [Double]? {
        for quote in ["'", "\""] {
            guard let key = s.range(of: "\(quote)mean\(quote)") else { continue }
            var rest = s[key.upperBound...].drop { $0 == " " }
            guard rest.first == ":" else { continue }
            rest = rest.dropFirst().drop { $0 == " " }
            guard let open = rest.first, open == "(" || open == "[" else { continue }
            let close: Character = open == "(" ? ")" : "]"
            guard let end = rest.firstIndex(of: close) else { continue }
            let items = rest[rest.index(after: rest.startIndex)..<end].split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let values = items.compactMap(Double.init)
            return values.count == items.count && !values.isEmpty ? values : nil
        }
        return nil
    }
}
