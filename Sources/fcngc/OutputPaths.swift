// Output paths are checked before anything is read or written: none may be empty, none may
// be a file the same command reads (the input would be destroyed), and no two outputs may
// share a path (one would silently win). Paths are compared as files, not as strings: an
// existing path by device and inode (so `./a.png`, `a.png` and a hard link are the same), a
// new one by its resolved directory and name.

import ArgumentParser
import Foundation
import FCNRuntime

enum OutputPaths {
    /// A path given on the command line, with the option that gave it (for messages).
    struct Use {
        var option: String
        var path: String
        init(_ option: String, _ path: String) { self.option = option; self.path = path }
    }

    /// Throws a RuntimeError naming the path and both options on the first conflict.
    static func check(inputs: [Use], outputs: [Use]) throws {
        for o in outputs where o.path.isEmpty || o.path.hasSuffix("/.") {
            throw RuntimeError(file: "'\(o.path)'", "\(o.option) needs a file name")
        }
        let inputKeys = inputs.map { ($0, identity($0.path)) }
        var seen: [(Use, String)] = []
        for o in outputs {
            let key = identity(o.path)
            if let (i, _) = inputKeys.first(where: { $0.1 == key }) {
                throw RuntimeError(file: o.path, "\(o.option) would overwrite the input given as \(i.option); write the output elsewhere")
            }
            if let (other, _) = seen.first(where: { $0.1 == key }) {
                throw RuntimeError(file: o.path, "\(other.option) and \(o.option) name the same file; give each output its own path")
            }
            seen.append((o, key))
        }
    }

    /// Output files must not be existing directories, FIFOs or sockets (and the reverse for
    /// directory outputs); a character device (/dev/null) is written straight through.
    static func requireFiles(_ outputs: [Use]) throws {
        for o in outputs where !Directories.isCharacterDevice(o.path) {
            switch Directories.kind(o.path) {
            case .directory: throw RuntimeError(file: o.path, "\(o.option) names a directory; give a file name")
            case .other(let what): throw RuntimeError(file: o.path, "\(o.option) names \(what); give a regular file name")
            case .missing, .file: break
            }
        }
    }

    static func requireDirectories(_ outputs: [Use]) throws {
        for o in outputs {
            switch Directories.kind(o.path) {
            case .file: throw RuntimeError(file: o.path, "\(o.option) names a file; a directory is needed for a directory of images")
            case .other(let what): throw RuntimeError(file: o.path, "\(o.option) names \(what); a directory is needed")
            case .missing, .directory: break
            }
        }
    }

    /// What a path refers to: "inode dev:ino" if it exists, else "path /resolved/dir/name".
    static func identity(_ path: String) -> String {
        var st = stat()
        if stat(path, &st) == 0 { return "inode \(st.st_dev):\(st.st_ino)" }
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let base = realpath(dir, &resolved) != nil ? String(cString: resolved) : url.deletingLastPathComponent().standardized.path
        return "path \(base)/\(url.lastPathComponent)"
    }
}

extension RunCommand {
    /// Every output checked against every input and each other, before anything runs.
    func checkPaths() throws {
        var inputs = [OutputPaths.Use("the spec", spec)]
        if let weights = weightOptions.weights { inputs.append(.init("--weights", weights)) }
        for a in image.map({ InputArgument($0, option: "--image") }) + tensor.map({ InputArgument($0, option: "--tensor") }) {
            inputs.append(.init(a.option, a.path))
        }
        var outputs: [OutputPaths.Use] = []
        if let output { outputs.append(.init("-o", output)) }
        if let overlay { outputs.append(.init("--overlay", overlay)) }
        if let scores { outputs.append(.init("--scores", scores)) }
        if let dumpSteps { outputs.append(.init("--dump-steps", dumpSteps)) }
        if let trace { outputs.append(.init("--trace", trace)) }
        try OutputPaths.check(inputs: inputs, outputs: outputs)
        if let dumpSteps { try OutputPaths.requireDirectories([.init("--dump-steps", dumpSteps)]) }
        if !(image.count == 1 && tensor.isEmpty && Directories.kind(image[0]) == .directory) {
            try OutputPaths.requireFiles(outputs.filter { $0.option != "--dump-steps" })
        }
    }

    /// A directory of images: outputs are directories; two images with one stem (a.png and
    /// a.jpg) would write one output file twice.
    func checkDirectoryPaths(imageDirectory: String, files: [String]) throws {
        let dirs = [("-o", output), ("--overlay", overlay), ("--scores", scores)].compactMap { o, p in p.map { OutputPaths.Use(o, $0) } }
        try OutputPaths.requireDirectories(dirs)
        var byStem: [String: String] = [:]
        for f in files {
            let stem = (f as NSString).deletingPathExtension
            if let other = byStem[stem] {
                throw RuntimeError(file: imageDirectory, "'\(other)' and '\(f)' would both write '\(stem).png': rename one")
            }
            byStem[stem] = f
        }
    }
}

extension WeightsCommand {
    /// Metadata key recording how a random weights file was made (so replacing it loses nothing).
    static let initKey = "fcngc-init"

    /// -o must not be the spec, a directory, or an existing file that is not a random weights
    /// file written by `--init` (trained weights are not replaced without --force).
    func checkOutput(_ output: String) throws {
        try OutputPaths.check(inputs: [.init("the spec", spec)], outputs: [.init("-o", output)])
        try OutputPaths.requireFiles([.init("-o", output)])
        guard Directories.kind(output) == .file, !force else { return }
        let madeByInit = (try? SafetensorsFile(path: output))?.metadata[Self.initKey] != nil
        if !madeByInit {
            throw RuntimeError(file: output, "exists and does not hold weights written by --init; replacing it would lose it (add --force to replace it)")
        }
    }
}

extension CompileCommand {
    /// `compile SPEC -o SPEC` would replace the spec with its own plan.
    func checkOutput() throws {
        guard let output, output != "-" else { return }
        do {
            try OutputPaths.check(inputs: [.init("the spec", spec)], outputs: [.init("-o", output)])
            try OutputPaths.requireFiles([.init("-o", output)])
        } catch let e as RuntimeError {
            Terminal.printError("error: \(e.message)")
            throw ExitCode(1)
        }
    }
}
