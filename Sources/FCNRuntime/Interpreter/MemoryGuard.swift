// How much memory running a plan takes, checked against a limit before anything is
// allocated: a valid 12000x12000 PNG must get a clear refusal, not "Fatal error: failed to
// allocate". The default limit is a quarter of the machine's memory (the smaller of
// MemTotal and the cgroup's memory.max): fcngc shares the machine, and `--max-memory`
// raises it.

import Foundation
import FCNPlan

public enum MemoryGuard {
    /// Bytes a run of `plan` on `batch` inputs holds at once: the activation arena (per
    /// batch item), the shared scratch, the weights, and the input and output tensors.
    public static func bytesNeeded(_ plan: Plan, batch: Int) -> Int {
        let m = plan.memory
        let per = (m?.arenaBytes ?? 0) + 4 * (plan.inputs.reduce(0) { $0 + $1.shape.reduce(1, *) } + plan.outputs.reduce(0) { $0 + $1.shape.reduce(1, *) })
        let (a, o1) = per.multipliedReportingOverflow(by: max(batch, 1))
        let (b, o2) = a.addingReportingOverflow((m?.scratchBytes ?? 0) + (m?.weightBytes ?? 0))
        return o1 || o2 ? Int.max : b
    }

    /// A quarter of the machine's memory (1 GiB if it cannot be read).
    public static func defaultLimit() -> Int {
        var total = Int(sysconf(Int32(_SC_PHYS_PAGES))) &* Int(sysconf(Int32(_SC_PAGESIZE)))
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let cgroup = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), cgroup > 0 {
            total = total > 0 ? min(total, cgroup) : cgroup
        }
        return total > 0 ? total / 4 : 1 << 30
    }

    /// "8G", "512M", "1.5GiB", "1000000" (bytes); nil if not a size.
    public static func parse(_ s: String) -> Int? {
        let t = s.trimmingCharacters(in: .whitespaces).uppercased()
        let gib = 1_073_741_824.0, mib = 1_048_576.0, kib = 1024.0, tib = gib * 1024
        let units: [(String, Double)] = [("GIB", gib), ("MIB", mib), ("KIB", kib), ("TIB", tib),
                                         ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("TB", 1e12),
                                         ("G", gib), ("M", mib), ("K", kib), ("T", tib), ("B", 1)]
        var number = t, scale = 1.0
        for (u, v) in units where t.hasSuffix(u) {
            number = String(t.dropLast(u.count))
            scale = v
            break
        }
        guard let x = Double(number.trimmingCharacters(in: .whitespaces)), x.isFinite, x > 0, x * scale < 9e18 else { return nil }
        return Int(x * scale)
    }
}
