// Runs an executable once, writing every step's output as DIR/<layer>.npy (named after the
// layer whose value it holds), for cross-checking against another runtime layer by layer.

import Foundation
import FCNCompiler
import FCNPlan
import FCNRuntime

enum StepDump {
    /// `perturb`: debugging only — add 1% of its largest value to every 7th value of that layer's step.
    @discardableResult
    static func run(_ exe: Executable, _ inputs: [Tensor], to dir: String, perturb: String? = nil) throws -> [Tensor] {
        try Directories.create(dir)
        var failure: Error?
        exe.observer = { _, step, out in
            if let perturb, step.sources.contains(where: { $0.name == perturb }) {
                var m: Float = 0
                for i in 0..<out.count { m = max(m, abs(out.pointer[i])) }
                for i in stride(from: 0, to: out.count, by: 7) { out.pointer[i] += 0.01 * max(m, 1) }
            }
            let file = (dir as NSString).appendingPathComponent(exe.plan.outputLayer(of: step) + ".npy")
            do { try NPY.write(out, to: file) } catch { failure = failure ?? error }
        }
        defer { exe.observer = nil }
        let out = try exe.run(inputs: inputs)
        if let failure { throw failure }
        return out
    }
}
