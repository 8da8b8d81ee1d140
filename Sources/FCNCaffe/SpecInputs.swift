// The spec's inputs from the net's: Caffe's top names, channels, and the preprocessing of the
// data layer that made each (`transform_param`, or a Python layer's `param_str` mean). The
// command line's --mean and --order are the primary input's (the image Caffe reads as BGR);
// another input gets a mean only where its data layer's has one value per channel.

extension CaffeImporter {
    static func specInputs(_ net: ImportedNet, _ o: CaffeImportOptions, _ notes: inout [String]) -> [SpecInput] {
        var noMean: [String] = []
        var unknownChannels: [String] = []
        let inputs = net.inputs.enumerated().map { (i, input) -> SpecInput in
            let channels = input.channels ?? 3
            if input.channels == nil { unknownChannels.append(input.name) }
            let given = i == 0 ? o.mean : nil
            var p = input.preprocessing
            if let m = p?.mean, m.count != 1, m.count != channels {
                notes.append("the \(p!.source) has \(m.count) mean values for '\(input.name)' with \(channels) channels: none written")
                p?.mean = nil
            }
            var mean = given ?? p?.mean
            let scale = p?.scale
            // Caffe computes (x - mean) * scale; a spec computes x * scale - mean.
            if let s = scale, let m = mean, given == nil { mean = m.map { CaffeLayerMapping.decimal(Float($0 * s)) } }
            if let p, given == nil, p.mean != nil { notes.append("mean\(net.inputs.count == 1 ? "" : " of '\(input.name)'") from the \(p.source)") }
            if mean == nil { noMean.append(input.name) }
            let order: String? = i == 0 && channels != 1 ? o.order : nil
            return SpecInput(name: input.name, channels: channels, order: order, mean: mean, scale: scale, size: input.size)
        }
        if !noMean.isEmpty {
            let which = net.inputs.count == 1 ? "" : " for \(noMean.map { "'\($0)'" }.joined(separator: ", "))"
            notes.append("the prototxt carries no mean\(which): none written (give --mean B,G,R to set \(net.inputs.count == 1 ? "one" : "the first input's"))")
        }
        for name in unknownChannels { notes.append("the prototxt does not say how many channels '\(name)' has: 3 written") }
        return inputs
    }
}
