// `fcngc run (SPEC | PLAN.json) (--weights W | --init random[:S]) (--image [NAME=]IMG|DIR | --tensor [NAME=]IN.npy)...
//  [-o OUT] [--output NAME] [--overlay FILE] [--scores FILE.npy] [--threads N] [--dump-steps DIR] [--repeat N]
//  [--trace FILE.json] [--conv-algorithm auto|gemm|winograd|winograd-f2x3]`
// A model with several inputs takes one --image or --tensor per input, each NAME=PATH
// (RunInputs.swift); --output picks which of several outputs -o, --overlay and --scores write.

import ArgumentParser
import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a model on images or a tensor.",
        discussion: "Images are read as PNG or JPEG, preprocessed as the spec's `input` says, and the label map is written as an 8-bit palette PNG (PASCAL VOC colours). A directory of images gives a directory of outputs.")

    @Argument(help: "Model spec file, or a plan saved by `fcngc compile --emit json -o plan.json` (runs as reviewed, at its size).") var spec: String
    @OptionGroup var weightOptions: WeightOptions
    @Option(help: ArgumentHelp("Input image (PNG or JPEG) or a directory of them; NAME=IMG for one of several inputs.", valueName: "[name=]image"))
    var image: [String] = []
    @Option(help: ArgumentHelp("Input tensor (.npy, float32 N,C,H,W, already preprocessed); NAME=IN.npy for one of several inputs.", valueName: "[name=]tensor"))
    var tensor: [String] = []
    @Option(name: [.customShort("o"), .customLong("labels")], help: "Label map PNG (or a directory, for a directory of images).") var output: String?
    @Option(name: .customLong("output"), help: "Which of the model's outputs -o, --overlay and --scores write (default: the primary, the first in `outputs:`).")
    var outputName: String?
    @Option(help: "Also write the label map blended over the image (file or directory).") var overlay: String?
    @Option(help: "Also write the raw class scores (N,C,H,W float32 .npy; a directory for a directory of images).") var scores: String?
    @Option(help: "Threads for kernels and BLAS (default: all cores).") var threads: Int?
    @Option(help: "Write every step's output as DIR/<layer>.npy (for cross-checking).") var dumpSteps: String?
    @Option(help: "Run N times and print the median time (benchmarking).") var `repeat`: Int = 1
    @Option(help: "Refuse inputs whose run would need more memory than this (e.g. 8G, 512M; default: a quarter of RAM).") var maxMemory: String?
    @Flag(help: "No phases, timings or progress on stderr (errors and warnings still print).") var quiet = false
    @Option(help: "Write a Chrome trace (Perfetto, chrome://tracing): a slice per step, worker threads, live arena bytes.") var trace: String?
    @Option(help: "Convolutions: auto (per shape), gemm (im2col GEMM everywhere), winograd, winograd-f2x3 (precise), winograd-f6x3 (fastest, least precise).")
    var convAlgorithm: ConvAlgorithmPass.Mode = .auto

    func validate() throws {
        if image.isEmpty, tensor.isEmpty { throw ValidationError("give --image or --tensor (one per input, NAME=PATH when the model has several)") }
        if output == nil, scores == nil, overlay == nil, dumpSteps == nil, trace == nil { throw ValidationError("nothing to write: give -o, --scores, --overlay, --dump-steps or --trace") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        if `repeat` < 1 { throw ValidationError("--repeat must be at least 1") }
        try OutputNames.check(output: output, overlay: overlay, scores: scores)
        if `repeat` > 1, dumpSteps != nil { throw ValidationError("--repeat times runs; --dump-steps writes one: use one or the other") }
        if let m = maxMemory, MemoryGuard.parse(m) == nil { throw ValidationError("--max-memory takes a size such as 8G or 512M, not '\(m)'") }
        if trace != nil, dumpSteps != nil { throw ValidationError("--trace times the steps; --dump-steps writes them out: use one or the other") }
    }

    func run() throws {
        Kernels.setThreads(threads ?? ProcessInfo.processInfo.activeProcessorCount)
        Feedback.quiet = quiet
        let runner = ModelRunner(spec: spec, weights: weightOptions.choice)
        if let m = maxMemory.flatMap(MemoryGuard.parse) { runner.maxMemory = m }
        runner.convAlgorithm = convAlgorithm
        do {
            try checkPaths()
            let args = image.map { InputArgument($0, option: "--image") } + tensor.map { InputArgument($0, option: "--tensor") }
            if args.count == 1, args[0].isImage, args[0].name == nil, Directories.kind(args[0].path) != .file {
                try runImages(runner, args[0].path)
            } else {
                try runInputs(runner, args)
            }
        } catch let e as RuntimeError {
            Terminal.printError("error: \(e.message)")
            throw ExitCode(1)
        } catch is CompilationFailed {
            throw ExitCode(1)
        }
    }

    func timed(_ body: () throws -> [Tensor]) rethrows -> [Tensor] {
        var times: [Double] = [], cpu: [Double] = []
        var out: [Tensor] = []
        func cpuMs() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
        }
        for _ in 0..<`repeat` {
            out = []   // the last run's outputs let go, so the executable copies into them again
            let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuMs()
            out = try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            cpu.append(cpuMs() - c0)
        }
        if `repeat` > 1 {
            let sorted = times.sorted(), cpuMedian = cpu.sorted()[cpu.count / 2]
            Terminal.printError(String(format: "time: median %.1f ms, min %.1f ms over %d runs; CPU time median %.1f ms; peak RSS %@", sorted[sorted.count / 2], sorted[0], `repeat`, cpuMedian, Format.bytes(PeakMemory.residentBytes)))
        }
        return out
    }

    /// One run: one image or tensor per network input (a single image file included).
    func runInputs(_ runner: ModelRunner, _ args: [InputArgument]) throws {
        let loaded = try readInputs(args)
        let first = args[0], size = Pair(loaded[0].size.h, loaded[0].size.w), batch = loaded[0].batch
        // Refuse before anything is written.
        if output != nil || overlay != nil, batch != 1 {
            throw RuntimeError(file: first.path, "-o writes one label map; this tensor holds \(batch) images (use --scores)")
        }
        let images = zip(args, loaded).compactMap { a, l -> (InputArgument, RGBImage)? in
            if case .image(let i) = l { return (a, i) } else { return nil }
        }
        if overlay != nil, images.isEmpty { throw RuntimeError("--overlay blends the label map over an input image; this run has only tensors") }
        let plan: Plan
        do {
            plan = try runner.plan(size)
        } catch is CompilationFailed where first.isImage {
            throw RuntimeError(file: first.path, "the model does not compile at this image's size, \(size.h)x\(size.w) (errors above)")
        }
        let chosen = try outputIndex(plan)
        let ordered = try InputArgument.assign(args, to: plan.inputs)
        var tensors: [Tensor] = []
        for (a, input) in zip(ordered, plan.inputs) {
            tensors.append(try loaded[args.firstIndex(of: a)!].tensor(for: input, file: a.path))
        }
        if images.count == args.count { try runner.checkMemory(plan, size: size, batch: 1, file: first.path) }
        let s = try compute(runner, tensors, file: first.path)[chosen]
        let map = try Feedback.phase("write") { () -> LabelMap? in
            let map = output == nil && overlay == nil ? nil : try labels(s)
            if let scores { try NPY.write(s, to: scores) }
            if let output, let map { try LabelPNG.write(map, to: output) }
            if let overlay, let map { try LabelPNG.writeOverlay(images[0].1, map, to: overlay) }
            return map
        }
        if overlay != nil, let map { Feedback.note(OverlayLegend.text(map, classes: chosen == 0 ? plan.classes : nil)) }
    }

    func runImages(_ runner: ModelRunner, _ path: String) throws {
        switch Directories.kind(path) {
        case .missing: throw RuntimeError(file: path, "no such file or directory")
        case .file: return try runImage(runner, path, output: output, overlay: overlay, scores: scores)
        case .other(let what): throw RuntimeError(file: path, "is \(what), not an image file or a directory")
        case .directory: break
        }
        if trace != nil { throw RuntimeError(file: path, "--trace records the run of one image or tensor, not a directory") }
        let files = try Directories.list(path).sorted()
            .filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
        try checkDirectoryPaths(imageDirectory: path, files: files)
        for dir in [output, overlay, scores].compactMap({ $0 }) { try Directories.create(dir) }
        var failures = 0
        let progress = Progress(total: files.count)
        Feedback.phasesMuted = true
        for (i, f) in files.enumerated() {
            let stem = (f as NSString).deletingPathExtension
            progress.update(i, f)
            var ok = false
            defer { progress.finished(i, f, ok: ok) }
            do {
                try runImage(runner, (path as NSString).appendingPathComponent(f),
                             output: output.map { ($0 as NSString).appendingPathComponent(stem + ".png") },
                             overlay: overlay.map { ($0 as NSString).appendingPathComponent(stem + ".png") },
                             scores: scores.map { ($0 as NSString).appendingPathComponent(stem + ".npy") })
                ok = true
            } catch let e as RuntimeError {
                progress.clear()
                Terminal.printError("error: \(e.message)")
                failures += 1   // go on with the other images
            }
        }
        guard failures == 0 else {
            progress.clear()
            Terminal.printError("error: \(failures) of \(files.count) images failed; the other \(files.count - failures) were written")
            throw ExitCode(1)
        }
        progress.finish("\(files.count) of \(files.count) images")
    }

    func runImage(_ runner: ModelRunner, _ path: String, output: String?, overlay: String?, scores: String?) throws {
        let img = try Images.read(path: path)
        let plan: Plan
        do {
            plan = try runner.plan(Pair(img.height, img.width))
        } catch is CompilationFailed {
            throw RuntimeError(file: path, "the model does not compile at this image's size, \(img.height)x\(img.width) (errors above)")
        }
        guard plan.inputs.count == 1 else {
            let names = plan.inputs.map(\.name)
            throw RuntimeError(file: path, "the model has \(names.count) inputs (\(names.joined(separator: ", "))): a directory run feeds one; run each image with --image NAME=... per input")
        }
        let chosen = try outputIndex(plan)
        try runner.checkMemory(plan, size: Pair(img.height, img.width), batch: 1, file: path)
        let input = try LoadedInput.image(img).tensor(for: plan.inputs[0], file: path)
        let s = try compute(runner, [input], file: path)[chosen]
        let map = try Feedback.phase("write") {
            let map = try labels(s)
            if let scores { try NPY.write(s, to: scores) }
            if let output { try LabelPNG.write(map, to: output) }
            if let overlay { try LabelPNG.writeOverlay(img, map, to: overlay) }
            return map
        }
        if overlay != nil { Feedback.note(OverlayLegend.text(map, classes: chosen == 0 ? plan.classes : nil)) }
    }

    func labels(_ s: Tensor) throws -> LabelMap {
        guard s.c <= 256 else { throw RuntimeError("\(s.c) classes do not fit an 8-bit label map (use --scores)") }
        var labels = [UInt8](repeating: 0, count: s.h * s.w)
        labels.withUnsafeMutableBufferPointer { buf in
            Kernels.argmax(input: InputWindow(base: UnsafePointer(s.pointer), channels: s.c, height: s.h, width: s.w), batch: 1, output: buf.baseAddress!)
        }
        return LabelMap(width: s.w, height: s.h, labels: labels)
    }

    /// Every output for `inputs` (one per network input): timed (with --repeat), or with every
    /// step written out (--dump-steps).
    func compute(_ runner: ModelRunner, _ inputs: [Tensor], file: String) throws -> [Tensor] {
        let x = inputs[0]
        // Compile, load weights and allocate before any timing starts.
        let exe = try runner.executable(Pair(x.h, x.w), batch: x.n, input: file, lastUse: image.isEmpty)
        if image.isEmpty { runner.releaseWeights() }   // one size only: keep no untransformed copies
        if let dumpSteps { return try StepDump.run(exe, inputs, to: dumpSteps) }
        let runOnce = { () throws -> [Tensor] in
            if `repeat` > 1 { return try timed { try exe.run(inputs: inputs) } }
            return try Feedback.phase("run \(x.n == 1 ? "" : "\(x.n) images at ")\(x.h)x\(x.w)") { try exe.run(inputs: inputs) }
        }
        if let trace { return try RunTraceFile.run(exe, to: trace, runOnce) }
        return try runOnce()
    }
}

extension ConvAlgorithmPass.Mode: ExpressibleByArgument {}
