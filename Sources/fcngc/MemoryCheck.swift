// `--max-memory`: before a plan's arena, scratch and weights are allocated, the bytes the
// run needs are checked against the limit. The refusal names the input size, the bytes
// needed (and what they are made of), the limit, and the largest input of the same aspect
// ratio that fits, found by compiling the model at smaller sizes (no diagnostics printed).

import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

extension ModelRunner {
    /// Throws a RuntimeError naming `file` (the input) if a run at `size` x `batch` needs
    /// more than `maxMemory` bytes.
    func checkMemory(_ plan: Plan, size: Pair, batch: Int, file: String?) throws {
        let needed = MemoryGuard.bytesNeeded(plan, batch: batch)
        guard needed > maxMemory else { return }
        let m = plan.memory
        var parts = "activations \(Format.bytes(m?.arenaBytes ?? 0))"
        if batch > 1 { parts += " x batch \(batch)" }
        parts += ", scratch \(Format.bytes(m?.scratchBytes ?? 0)), weights \(Format.bytes(m?.weightBytes ?? 0))"
        var message = "a \(size.h)x\(size.w) input\(batch > 1 ? " (batch \(batch))" : "") needs \(Format.bytes(needed)) (\(parts)), more than the limit of \(Format.bytes(maxMemory)) (--max-memory)"
        if let fit = largestFitting(size, batch: batch) {
            message += "; the largest \(fit.h)x\(fit.w) input of this aspect ratio fits (\(Format.bytes(fit.bytes)))"
        } else {
            message += "; no input size of this aspect ratio fits"
        }
        throw RuntimeError(file: file, message)
    }

    /// Binary search over heights below `size.h` (width scaled alike) for the largest size
    /// whose plan fits; sizes the network rejects count as not fitting.
    private func largestFitting(_ size: Pair, batch: Int) -> (h: Int, w: Int, bytes: Int)? {
        // Analysed quietly (its diagnostics were printed once already); a saved plan has one size.
        guard !isPlanFile, let spec = SpecLoader(diagnostics: Diagnostics(), catalog: OpRegistry.catalog).load(model) else { return nil }
        var options = CompileOptions()
        options.sizeLimit = 1   // the valid-size proof is not needed here
        guard let analysis = Pipeline.analyse(spec, options: options, diagnostics: Diagnostics()) else { return nil }
        func bytes(_ h: Int) -> (Pair, Int)? {
            let s = Pair(h, max(1, Int((Double(size.w) * Double(h) / Double(size.h)).rounded())))
            guard let c = Pipeline.compile(analysis, input: s, diagnostics: Diagnostics()) else { return nil }
            return (s, MemoryGuard.bytesNeeded(PlanPipeline.run(c), batch: batch))
        }
        var lo = 0, hi = size.h   // bytes(hi) does not fit
        var best: (Pair, Int)?
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if let (s, b) = bytes(mid), b <= maxMemory { lo = mid; best = (s, b) } else { hi = mid }
        }
        return best.map { ($0.0.h, $0.0.w, $0.1) }
    }
}
