// What `fcngc run` feeds a model: one `--image` or `--tensor` per network input, written
// `NAME=PATH` (the input's name in the spec) or, for a model with one input, a bare `PATH`.
// Every argument is read and checked (size, batch, channels, name) before anything runs.

import Foundation
import FCNPlan
import FCNSpec
import FCNRuntime

/// One `--image` / `--tensor` argument.
struct InputArgument: Equatable {
    let option: String
    let name: String?
    let path: String
    var isImage: Bool { option == "--image" }

    /// `NAME=PATH`, or a bare `PATH` (also when a file of that whole name exists).
    init(_ raw: String, option: String) {
        self.option = option
        if let eq = raw.firstIndex(of: "="), eq != raw.startIndex, !raw[..<eq].contains("/"),
           Directories.kind(raw) == .missing {
            name = String(raw[..<eq])
            path = String(raw[raw.index(after: eq)...])
        } else {
            name = nil
            path = raw
        }
    }

    var written: String { "\(option) \(name.map { "\($0)=" } ?? "")\(path)" }

    /// One argument per plan input, in the plan's order; every input given exactly once.
    static func assign(_ args: [InputArgument], to inputs: [PlanInput]) throws -> [InputArgument] {
        let names = inputs.map(\.name)
        let list = names.joined(separator: ", ")
        if inputs.count == 1, args.count == 1, args[0].name == nil || args[0].name == names[0] { return args }
        var out = [InputArgument?](repeating: nil, count: inputs.count)
        for a in args {
            guard let name = a.name else {
                throw RuntimeError(file: a.path, "the model has \(inputs.count) inputs (\(list)): name the one this is, e.g. \(a.option) \(names[0])=\(a.path)")
            }
            guard let k = names.firstIndex(of: name) else {
                let hint = Suggest.closest(name, in: names).map { "; did you mean '\($0)'?" } ?? ""
                throw RuntimeError(file: a.path, "\(a.option) names input '\(name)', but the model's inputs are \(list)\(hint)")
            }
            if let first = out[k] { throw RuntimeError(file: a.path, "input '\(name)' is given twice (\(first.written) and \(a.written))") }
            out[k] = a
        }
        if let missing = out.indices.first(where: { out[$0] == nil }) {
            throw RuntimeError("no --image or --tensor for input '\(names[missing])' (the model's inputs are \(list))")
        }
        return out.map { $0! }
    }
}

/// An argument read: a preprocessed-later image or a tensor, with its size and batch.
enum LoadedInput {
    case image(RGBImage)
    case tensor(Tensor)

    static func read(_ a: InputArgument) throws -> LoadedInput {
        if a.isImage { return .image(try Images.read(path: a.path)) }
        let t = try NPY.read(path: a.path)
        try NetworkInputCheck.check(t, file: a.path)
        return .tensor(t)
    }

    var size: (h: Int, w: Int) {
        switch self {
        case .image(let i): return (i.height, i.width)
        case .tensor(let t): return (t.h, t.w)
        }
    }

    var batch: Int {
        switch self {
        case .image: return 1
        case .tensor(let t): return t.n
        }
    }

    /// The tensor the network reads for `input`: an image preprocessed as the plan says, or
    /// the tensor itself after its channels are checked.
    func tensor(for input: PlanInput, file: String) throws -> Tensor {
        switch self {
        case .image(let img):
            guard input.shape[0] == 3 else {
                throw RuntimeError(file: file, "input '\(input.name)' takes \(input.shape[0])-channel data and images are RGB: give an already preprocessed tensor with --tensor")
            }
            return try Images.preprocess(img, input.preprocessing)
        case .tensor(let t):
            try NetworkInputCheck.check(t, file: file, modelChannels: input.shape[0])
            return t
        }
    }
}

extension RunCommand {
    /// All arguments read, with one size and one batch among them (else an error naming the file).
    func readInputs(_ args: [InputArgument]) throws -> [LoadedInput] {
        let loaded = try args.map(LoadedInput.read)
        for (a, l) in zip(args, loaded).dropFirst() {
            if l.size != loaded[0].size {
                throw RuntimeError(file: a.path, "is \(l.size.h)x\(l.size.w), but \(args[0].path) is \(loaded[0].size.h)x\(loaded[0].size.w): every input of one run has one size")
            }
            if l.batch != loaded[0].batch {
                throw RuntimeError(file: a.path, "holds \(l.batch) images, but \(args[0].path) holds \(loaded[0].batch): every input of one run has one batch")
            }
        }
        return loaded
    }

    /// The index of the output `--output` names (default: the primary, 0).
    func outputIndex(_ plan: Plan) throws -> Int {
        guard let outputName else { return 0 }
        if let k = plan.outputs.firstIndex(where: { $0.name == outputName }) { return k }
        let names = plan.outputs.map(\.name)
        let hint = Suggest.closest(outputName, in: names).map { "; did you mean '\($0)'?" } ?? ""
        throw RuntimeError("--output names output '\(outputName)', but the model's outputs are \(names.joined(separator: ", "))\(hint) (-o writes the label map)")
    }
}
