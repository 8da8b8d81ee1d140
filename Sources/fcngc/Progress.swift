// A one-line progress bar on stderr, drawn only on a terminal; and peak memory.

import Foundation

final class Progress {
    let total: Int
    let enabled: Bool
    init(total: Int, enabled: Bool) { self.total = total; self.enabled = enabled }

    func update(_ done: Int, _ label: String) {
        guard enabled, total > 0 else { return }
        let width = 30, filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(label.prefix(40))\u{1B}[K".utf8))
    }

    func clear() { if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }

    func finish(_ message: String) {
        clear()
        if enabled { Terminal.printError(message) }
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
