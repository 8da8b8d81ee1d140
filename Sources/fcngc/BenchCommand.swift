// `fcngc bench SPEC [--input HxW] [--threads N] [--repeat K] [--reference N] [--no-network]
//  [--conv-algorithm auto|gemm|winograd|winograd-f2x3]`
// Times every conv step of the compiled plan (Kernels.conv2d on random data) against cblas_sgemm
// alone at that conv's GEMM shape (per group: M = Cout/g, N = OH*OW, K = Cin/g*kh*kw) and against
// a square N^3 sgemm (the machine's reference), alternating the three in each round so that a
// change of load hits all of them; then the whole network (Executable.run) alternating with the
// reference, and its peak RSS. Medians of --repeat rounds after one warm-up. Release builds only.
// The plain sgemm calls use OpenBLAS's own threads (--threads of them); before each conv and each
// network run the command waits 0.25 s so those threads stop spinning (OpenBLAS spins ~0.1 s
// after a call), since conv2d runs OpenBLAS single-threaded inside its own workers.
// A conv the plan computes with Winograd runs Kernels.winogradConv2d (column "alg"); its GEMM
// shape and GFLOP stay those of the direct convolution, so its GF/s are "effective" and its
// conv/sgemm ratio says how much faster than the im2col GEMM it is. A Winograd conv with a fused
// 2x2 max pool (fuse-pool) is timed with it, as it runs; a GEMM one without (its pool is a second pass).

import ArgumentParser
import COpenBLAS
import Dispatch
import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure kernels against the machine's sgemm (release builds).",
        discussion: "Per conv step: the conv kernel on random data (weights packed as the network packs them, a fused residual's shortcut added), cblas_sgemm at its GEMM shape, and a square sgemm, alternating; medians of --repeat rounds. conv/sgemm compares the kernel with BLAS at the same shape; conv/ref with the square reference ('*' marks layers below 70% of it). Then the whole network (Executable.run, random weights) and its peak RSS (measured before the per-layer buffers exist).")

    @Argument(help: "Model spec file.") var spec: String
    @Option(help: "Input size HxW (default: the spec's input.size, else 500x500).") var input: Pair?
    @Option(help: "Threads for kernels and BLAS (default: all cores).") var threads: Int?
    @Option(help: "Timed rounds per measurement (the median is reported).") var `repeat`: Int = 5
    @Option(help: "Size N of the square reference sgemm (N x N x N).") var reference: Int = 2048
    @Flag(help: "Skip the whole-network timing.") var noNetwork = false
    @Option(help: "Convolutions: auto, gemm, winograd, winograd-f2x3, winograd-f6x3 (as for run).") var convAlgorithm: ConvAlgorithmPass.Mode = .auto

    func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        if `repeat` < 1 { throw ValidationError("--repeat must be at least 1") }
        if reference < 64 { throw ValidationError("--reference must be at least 64") }
    }

    func run() throws {
        let nThreads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        Kernels.setThreads(nThreads)
        let diagnostics = Diagnostics()
        let compiled = Pipeline.compile(spec, options: CompileOptions(input: input), diagnostics: diagnostics)
        try Terminal.report(diagnostics)
        guard let compiled else { throw ExitCode(1) }
        var plan = PlanPipeline.run(compiled, skipping: [ConvAlgorithmPass.name])
        ConvAlgorithmPass.run(&plan, mode: convAlgorithm)
        let rounds = `repeat`
        #if DEBUG
        Terminal.printError("warning: debug build; kernels run 100-500x slower (use swift build -c release)")
        #endif

        print("fcngc bench  model \(plan.model)  input \(plan.input.map(String.init).joined(separator: "x"))  threads \(nThreads)  repeat \(rounds)")
        print("cpu: \(Bench.cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) logical CPUs; OpenBLAS \(Bench.blasCore()); conv GEMM \(Kernels.gemmDescription)")
        print("load before: \(Bench.loadAverage())")

        Bench.blasThreads(nThreads)
        let ref = SquareSgemm(n: reference)
        // Network first, so its peak RSS is not raised by the per-layer buffers.
        var network: (times: [Double], refTimes: [Double], rss: Int)?
        if !noNetwork {
            let exe = try Executable(plan: plan, weights: WeightStore.random(for: plan, seed: 0))
            let xs = plan.inputs.enumerated().map { k, input in
                let x = Tensor(shape: [1] + input.shape)
                Bench.fillRandom(x.pointer, count: x.count, seed: UInt64(1 + k))
                return x
            }
            _ = try exe.run(inputs: xs)
            var t: [Double] = [], r: [Double] = []
            for _ in 0..<rounds {
                t.append(try Bench.time(settle: true) { _ = try exe.run(inputs: xs) })
                r.append(ref.time(threads: nThreads))
            }
            network = (t, r, PeakMemory.residentBytes)
        }

        var table = TextTable(["#", "layer", "kernel", "alg", "M", "N", "K", "g", "GFLOP", "conv ms", "conv GF/s", "sgemm ms", "sgemm GF/s", "ref GF/s", "conv/sgemm", "conv/ref", "<70%"],
                              rightAligned: Set(0..<16).subtracting([1, 2, 3]))
        var allRef: [Double] = []
        var sumConv = 0.0, sumGemm = 0.0, sumFlop = 0.0
        var below: [String] = []
        for (i, step) in plan.steps.enumerated() where step.kind == .conv {
            let layer = ConvLayer(step, capacity: max((plan.memory?.scratchBytes ?? 0) / 4, 1))
            let gemm = ShapeSgemm(layer)
            layer.run()
            Bench.blasThreads(nThreads)
            gemm.run()
            var tc: [Double] = [], tg: [Double] = [], tr: [Double] = []
            for _ in 0..<rounds {
                tc.append(Bench.time(settle: true) { layer.run() })
                Bench.blasThreads(nThreads)
                tg.append(Bench.time { gemm.run() })
                tr.append(ref.time(threads: nThreads))
            }
            allRef += tr
            let mc = Bench.median(tc), mg = Bench.median(tg), mr = Bench.median(tr)
            let flop = layer.flop, refFlop = ref.flop
            let gfConv = flop / mc / 1e6, gfGemm = flop / mg / 1e6, gfRef = refFlop / mr / 1e6
            sumConv += mc; sumGemm += mg; sumFlop += flop
            let desc = PlanReport.describe(step) + (step.attributes.residual != nil ? " +add" : "")
            // Ratios: medians of the per-round ratios (each round's three timings are taken together).
            let vsGemm = Bench.median(zip(tg, tc).map { $0 / $1 })
            let vsRef = Bench.median((0..<rounds).map { (flop / tc[$0]) / (refFlop / tr[$0]) })
            let low = vsRef < 0.7
            if low { below.append(step.name) }
            table.add([String(i), step.name, desc, Bench.shortName(step.attributes.algorithm), String(layer.m), String(layer.n), String(layer.k), String(layer.p.groups),
                       Bench.f(flop / 1e9, 2), Bench.f(mc, 1), Bench.f(gfConv, 1), Bench.f(mg, 1), Bench.f(gfGemm, 1), Bench.f(gfRef, 1),
                       Bench.f(vsGemm, 2), Bench.f(vsRef, 2), low ? "*" : ""])
        }
        print("")
        print(table.render())
        let refAll = Bench.median(allRef)
        print("")
        print("reference: sgemm \(reference)x\(reference)x\(reference) median \(Bench.f(ref.flop / refAll / 1e6, 1)) GFLOP/s over the per-layer rounds")
        if sumConv > 0 {
            let gfConv = sumFlop / sumConv / 1e6, gfGemm = sumFlop / sumGemm / 1e6, gfRef = ref.flop / refAll / 1e6
            print("convs: \(Bench.f(sumFlop / 1e9, 1)) GFLOP in \(Bench.f(sumConv, 1)) ms (sum of medians) = \(Bench.f(gfConv, 1)) GFLOP/s; conv/ref \(Bench.f(gfConv / gfRef, 2))")
            print("sgemm at the same shapes: \(Bench.f(sumGemm, 1)) ms = \(Bench.f(gfGemm, 1)) GFLOP/s; conv/sgemm \(Bench.f(gfConv / gfGemm, 2))")
        }
        print("below 70% of the reference: " + (below.isEmpty ? "none" : below.joined(separator: ", ")))
        if let network {
            let mt = Bench.median(network.times), mr = Bench.median(network.refTimes)
            let flop = 2 * Double(plan.steps.reduce(0) { $0 + $1.macs })
            print("network: Executable.run median \(Bench.f(mt, 1)) ms, min \(Bench.f(network.times.min()!, 1)) ms over \(rounds) runs; \(Bench.f(flop / 1e9, 1)) GFLOP = \(Bench.f(flop / mt / 1e6, 1)) GFLOP/s (reference alongside \(Bench.f(ref.flop / mr / 1e6, 1)))")
            print("peak RSS (network): \(Format.bytes(network.rss))")
        }
        print("load after: \(Bench.loadAverage())")
    }
}

/// One conv step on random data: its own input/weights/output/scratch, run by Kernels.conv2d
/// with its weights packed as the network's are, and a fused residual's shortcut added.
private final class ConvLayer {
    let p: ConvParams
    let window: InputWindow
    let inputT: Tensor, weights: Tensor, bias: Tensor, output: Tensor, scratch: Tensor
    /// A fused residual's shortcut (random, the output's shape), nil without one.
    let shortcut: Tensor?
    let packed: PackedConvWeights?
    let relu: Bool
    /// A fused 2x2 max pool the Winograd kernel applies as it writes (GEMM convs are timed without theirs).
    let pool: WinogradPool?
    let m: Int, n: Int, k: Int
    let winograd: WinogradWeights?

    init(_ s: Step, capacity: Int) {
        let a = s.attributes
        let g = a.geometry ?? Geometry(kernel: [1, 1], stride: [1, 1], pad: [0, 0])   // conv steps always carry one (VerifyPlan)
        let k = g.kernel, st = g.stride, pad = g.pad, dil = g.dilation
        let inp = s.inputs[0], sh = inp.shape
        inputT = Tensor(shape: [1] + sh)
        Bench.fillRandom(inputT.pointer, count: inputT.count, seed: 2)
        if let w = inp.window {
            window = InputWindow(base: UnsafePointer(inputT.pointer), bufferChannels: sh[0], bufferHeight: sh[1], bufferWidth: sh[2],
                                 y0: w.y, x0: w.x, height: w.h, width: w.w)
        } else {
            window = InputWindow(base: UnsafePointer(inputT.pointer), channels: sh[0], height: sh[1], width: sh[2])
        }
        p = ConvParams(inChannels: sh[0], outChannels: s.shape[0], kernelH: k[0], kernelW: k[1], strideH: st[0], strideW: st[1],
                       padH: pad[0], padW: pad[1], dilationH: dil[0], dilationW: dil[1], groups: a.group ?? 1)
        weights = Tensor(shape: [p.weightCount])
        Bench.fillRandom(weights.pointer, count: weights.count, seed: 3)
        bias = Tensor(shape: [p.outChannels])
        Bench.fillRandom(bias.pointer, count: bias.count, seed: 4)
        relu = a.relu ?? false
        let (oh, ow) = p.convOutputSize(height: window.height, width: window.width)
        pool = a.maxPool != nil && a.algorithm?.winogradTileSide != nil ? WinogradPool(height: s.shape[1], width: s.shape[2]) : nil
        output = Tensor(shape: [1, p.outChannels, pool?.height ?? oh, pool?.width ?? ow])
        shortcut = a.residual == nil ? nil : Tensor(shape: [1, p.outChannels, oh, ow])
        if let shortcut { Bench.fillRandom(shortcut.pointer, count: shortcut.count, seed: 6) }
        scratch = Tensor(shape: [capacity])
        m = p.outChannels / p.groups
        n = oh * ow
        self.k = p.inChannels / p.groups * p.kernelH * p.kernelW
        let w = weights, cp = p
        winograd = a.algorithm.flatMap(WinogradTile.init).map {
            WinogradWeights(weights: w.pointer, inChannels: cp.inChannels, outChannels: cp.outChannels, tile: $0)
        }
        packed = winograd != nil || Kernels.gemmUsesOpenBLAS ? nil
            : PackedConvWeights(weights: w.pointer, outChannels: cp.outChannels, groups: cp.groups, depth: self.k)
    }

    var flop: Double { 2 * Double(m) * Double(n) * Double(k) * Double(p.groups) }

    func run() {
        if let winograd {
            return Kernels.winogradConv2d(input: window, batch: 1, weights: winograd, bias: bias.pointer, padH: p.padH, padW: p.padW,
                                          dilationH: p.dilationH, dilationW: p.dilationW, relu: relu, pool: pool, output: output.pointer, scratch: scratch.pointer, scratchCapacity: scratch.count)
        }
        let addend = shortcut.map { InputWindow(base: UnsafePointer($0.pointer), channels: p.outChannels, height: $0.shape[2], width: $0.shape[3]) }
        if let packed {
            return Kernels.conv2d(input: window, batch: 1, packedWeights: packed, bias: bias.pointer, params: p, relu: relu,
                                  addend: addend, output: output.pointer, scratch: scratch.pointer, scratchCapacity: scratch.count)
        }
        Kernels.conv2d(input: window, batch: 1, weights: weights.pointer, bias: bias.pointer, params: p, relu: relu,
                       addend: addend, output: output.pointer, scratch: scratch.pointer, scratchCapacity: scratch.count)
    }
}

/// cblas_sgemm alone at a conv's GEMM shape, once per group (row-major, no transposes).
private final class ShapeSgemm {
    let m: Int, n: Int, k: Int, groups: Int
    let a: Tensor, b: Tensor, c: Tensor

    init(_ l: ConvLayer) {
        m = l.m; n = l.n; k = l.k; groups = l.p.groups
        a = l.weights
        b = Tensor(shape: [groups * k * n])
        Bench.fillRandom(b.pointer, count: b.count, seed: 5)
        c = Tensor(shape: [groups * m * n])
    }

    func run() {
        for g in 0..<groups {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                        a.pointer + g * m * k, Int32(k), b.pointer + g * k * n, Int32(n), 0, c.pointer + g * m * n, Int32(n))
        }
    }
}

/// The machine's reference: a square N x N x N sgemm.
private final class SquareSgemm {
    let n: Int
    let a: Tensor, b: Tensor, c: Tensor

    init(n: Int) {
        self.n = n
        a = Tensor(shape: [n, n]); b = Tensor(shape: [n, n]); c = Tensor(shape: [n, n])
        Bench.fillRandom(a.pointer, count: a.count, seed: 6)
        Bench.fillRandom(b.pointer, count: b.count, seed: 7)
        run()
    }

    var flop: Double { 2 * Double(n) * Double(n) * Double(n) }

    func run() {
        let n32 = Int32(n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n32, n32, n32, 1, a.pointer, n32, b.pointer, n32, 0, c.pointer, n32)
    }

    /// Milliseconds of one run on `threads` OpenBLAS threads.
    func time(threads: Int) -> Double {
        Bench.blasThreads(threads)
        return Bench.time { run() }
    }
}

private enum Bench {
    /// Milliseconds `body` takes; with `settle`, first a pause that lets OpenBLAS's threads
    /// (if more than one) stop spinning after the previous sgemm.
    static func time(settle: Bool = false, _ body: () throws -> Void) rethrows -> Double {
        if settle && openblas_get_num_threads() > 1 { usleep(250_000) }
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
    }

    /// OpenBLAS thread count for the plain sgemm calls (Kernels.setThreads also sets it, and
    /// keeps the kernels' record of it right: conv2d switches OpenBLAS to one thread).
    static func blasThreads(_ n: Int) { Kernels.setThreads(n) }

    static func median(_ xs: [Double]) -> Double {
        if xs.isEmpty { return 0 }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func f(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

    static func shortName(_ a: ConvAlgorithm?) -> String {
        switch a {
        case .winogradF6x3: return "wino6"
        case .winogradF4x3: return "wino4"
        case .winogradF2x3: return "wino2"
        case .winogradF2x7: return "wino7"
        case .gemm1x1: return "gemm1"
        case .im2colGemm, nil: return "gemm"
        }
    }

    /// Uniform values in [-1, 1) from a xorshift generator (fast enough for gigabytes).
    static func fillRandom(_ p: UnsafeMutablePointer<Float>, count: Int, seed: UInt64) {
        var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        for i in 0..<count {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            p[i] = Float(Int32(truncatingIfNeeded: s >> 32)) * (1.0 / 2_147_483_648.0)
        }
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    static func blasCore() -> String {
        guard let core = openblas_get_corename() else { return "(core unknown)" }
        return "core \(String(cString: core)), \(openblas_get_num_threads()) threads"
    }

    static func loadAverage() -> String {
        var l = [Double](repeating: 0, count: 3)
        guard getloadavg(&l, 3) == 3 else { return "unknown" }
        return l.map { f($0, 2) }.joined(separator: " ")
    }
}
