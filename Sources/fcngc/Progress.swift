// Feedback on long work, on stderr: the phases of a command (compile, load weights, run,
// write) each with its time, and a progress bar for a directory of images. On a terminal a
// phase shows "..." while it runs and its time when done, and the bar redraws in place; off a
// terminal each finished phase or image is one plain line. `--quiet` silences all of it
// (errors and diagnostics still print). Also: peak memory.

import Foundation

enum Feedback {
    /// Set from --quiet.
    nonisolated(unsafe) static var quiet = false
    /// Phases inside a directory run are not shown one by one (the per-image lines are).
    nonisolated(unsafe) static var phasesMuted = false
    static var tty: Bool { Terminal.stderrIsTTY }
    /// A phase's "name ..." line is on the terminal, not yet ended.
    nonisolated(unsafe) private static var pending = false

    /// Clears a pending "name ..." line so a message printed during the phase starts on a clean line.
    static func clearPendingLine() {
        if pending { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); pending = false }
    }

    /// Runs `body` as the phase `name`, printing its time when it ends (and "..." while it runs on a terminal).
    static func phase<T>(_ name: String, detail: ((T) -> String)? = nil, _ body: () throws -> T) rethrows -> T {
        let show = !quiet && !phasesMuted
        if show, tty { FileHandle.standardError.write(Data("\(name) ...".utf8)); pending = true }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let result: T
        do { result = try body() } catch {
            if show, tty { clearPendingLine() }
            throw error
        }
        if show {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let extra = detail.map { " (\($0(result)))" } ?? ""
            let line = "\(name): \(format(seconds))\(extra)"
            if tty { clearPendingLine() }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        return result
    }

    static func format(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }

    /// One informational line (not an error), unless --quiet.
    static func note(_ line: String) {
        if !quiet { Terminal.printError(line) }
    }
}

/// Progress through a directory of images: a redrawn bar on a terminal, one line per image
/// otherwise, and always (unless --quiet) the closing "N of M images" line.
final class Progress {
    let total: Int
    let bar: Bool
    private var started = DispatchTime.now().uptimeNanoseconds
    init(total: Int) {
        self.total = total
        self.bar = Feedback.tty && !Feedback.quiet
    }

    /// Image `done` (0-based) is starting.
    func update(_ done: Int, _ label: String) {
        started = DispatchTime.now().uptimeNanoseconds
        guard bar, total > 0 else { return }
        let width = 30, filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(label.prefix(40))\u{1B}[K".utf8))
    }

    /// Image `done` (0-based) has finished (ok or not): off a terminal, its line.
    func finished(_ done: Int, _ label: String, ok: Bool) {
        guard !bar, !Feedback.quiet else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        Terminal.printError("[\(done + 1)/\(total)] \(label): \(ok ? Feedback.format(seconds) : "failed")")
    }

    func clear() { if bar { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }

    func finish(_ message: String) {
        clear()
        Feedback.note(message)
    }
}

enum PeakMemory {
    /// Peak resident set size of this process (getrusage: kilobytes on Linux).
    static var residentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
