// `fcngc run --trace FILE`: runs an executable with a RunTrace attached and writes the Chrome
// trace JSON (atomically). The counter track's live bytes come from the plan's memory
// timeline, the same numbers `fcngc report` draws.

import FCNCompiler
import FCNRuntime

enum RunTraceFile {
    static func run<T>(_ exe: Executable, to path: String, _ body: () throws -> T) throws -> T {
        let trace = RunTrace()
        trace.attach(to: exe)
        let out: T
        do { out = try body() } catch { trace.detach(from: exe); throw error }
        trace.detach(from: exe)
        let json = trace.json(plan: exe.plan, batch: exe.batch, liveBytes: MemoryTimeline(exe.plan).liveBytes)
        try Output.write(json, to: path)
        return out
    }
}
