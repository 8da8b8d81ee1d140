// The memory timeline drawn as inline SVG: a bar per step (bytes alive while it runs; the
// peak red and labelled), and the arena slots as lanes, each value a bar from the step that
// writes it to the last step that reads it. Long-lived values (skip taps) are blue. Every
// bar links to its step's row and carries a tooltip with the exact numbers.

import FCNPlan

public enum MemoryTimelineSVG {
    static let left = 104.0, right = 12.0

    /// Pixels per step: wide bars for short plans, at least 14 for long ones.
    static func column(_ steps: Int) -> Double { max(14, min(36, 900 / Double(max(steps, 1)))) }
    static func width(_ steps: Int) -> Double { left + right + Double(steps) * column(steps) + column(steps) }
    static func f(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    public static func chart(_ t: MemoryTimeline, plan: Plan, prefix: String = "") -> String {
        let n = plan.steps.count, column = Self.column(n), height = 230.0, top = 28.0, bottom = 34.0
        func x(_ step: Double) -> Double { left + step * column }
        let w = width(n), plotH = height - top - bottom
        let maxBytes = max(t.liveBytes.max() ?? 1, 1)
        let mib = 1024.0 * 1024.0
        // Gridlines at a round number of MiB (or KiB for small plans).
        let unit = Double(maxBytes) >= 4 * mib ? mib : 1024.0, unitName = unit == mib ? "MiB" : "KiB"
        let span = Double(maxBytes) / unit
        let step = [1.0, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000].first { span / $0 <= 6 } ?? span / 5
        var out = "<svg class=\"timeline\" width=\"\(f(w))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(w)) \(f(height))\" role=\"img\" aria-label=\"live activation bytes per step\">\n"
        out += "<style>.timeline text{font:10px sans-serif;fill:#3c4043}.timeline .grid{stroke:#e8eaed}.timeline .bar{fill:#8ab4f8}.timeline .bar.peak{fill:#d93025}</style>\n"
        var g = 0.0
        while g <= span + 1e-9 {
            let y = top + plotH - g / span * plotH
            out += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(w - right))\" y1=\"\(f(y))\" y2=\"\(f(y))\"/>"
            out += "<text x=\"\(f(left - 4))\" y=\"\(f(y + 3))\" text-anchor=\"end\">\(f(g)) \(unitName)</text>\n"
            g += step
        }
        for i in 0..<n {
            let h = Double(t.liveBytes[i]) / Double(maxBytes) * plotH
            let cls = i == t.peakStep ? "bar peak" : "bar"
            let tip = "#\(i) \(plan.steps[i].name): \(Format.bytes(t.liveBytes[i])) alive (\(Format.grouped(t.liveBytes[i])) bytes)"
            out += "<a href=\"#\(HTML.stepAnchor(prefix, i))\"><rect class=\"\(cls)\" x=\"\(f(x(Double(i)) + 2))\" y=\"\(f(top + plotH - h))\" width=\"\(f(column - 4))\" height=\"\(f(max(h, 0.5)))\"><title>\(HTML.escape(tip))</title></rect></a>\n"
            if column >= 18 || i % 5 == 0 || i == t.peakStep {
                out += "<text x=\"\(f(x(Double(i)) + column / 2))\" y=\"\(f(top + plotH + 12))\" text-anchor=\"middle\">\(i)</text>\n"
            }
        }
        let px = x(Double(t.peakStep)) + column / 2
        let label = "peak \(Format.bytes(t.peakBytes)) at #\(t.peakStep) \(plan.steps.isEmpty ? "" : plan.steps[t.peakStep].name)"
        let anchor = px > w * 0.6 ? "end" : "start"
        out += "<text class=\"peak\" x=\"\(f(px))\" y=\"\(f(top - 8))\" text-anchor=\"\(anchor)\" style=\"fill:#d93025;font-weight:bold\">\(HTML.escape(label))</text>\n"
        out += "<text x=\"\(f(left + (w - left - right) / 2))\" y=\"\(f(height - 4))\" text-anchor=\"middle\">step</text>\n"
        return out + "</svg>\n"
    }

    public static func lanes(_ t: MemoryTimeline, plan: Plan, prefix: String = "") -> String {
        let n = plan.steps.count, column = Self.column(n), laneH = 24.0, top = 8.0
        func x(_ step: Double) -> Double { left + step * column }
        let slots = plan.slots.map(\.id)
        let w = width(n), height = top + Double(max(slots.count, 1)) * laneH + 22
        var out = "<svg class=\"lanes\" width=\"\(f(w))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(w)) \(f(height))\" role=\"img\" aria-label=\"arena slots over time\">\n"
        out += "<style>.lanes text{font:10px sans-serif;fill:#202124}.lanes .v{fill:#dadce0;stroke:#80868b}.lanes .v.long{fill:#aecbfa;stroke:#1a73e8}.lanes .v.io{fill:#e6f4ea;stroke:#188038}</style>\n"
        for (row, slot) in slots.enumerated() {
            let y = top + Double(row) * laneH
            let bytes = plan.slots[row].bytes
            out += "<text x=\"\(f(left - 4))\" y=\"\(f(y + laneH / 2 + 3))\" text-anchor=\"end\">s\(slot) \(HTML.escape(Format.bytes(bytes)))</text>\n"
            for b in t.buffers where b.slot == slot {
                let start = b.writtenBy < 0 ? -0.1 : Double(b.writtenBy) + (b.inPlace ? 0.5 : 0)
                let takenOver = t.buffers.contains { $0.inPlace && $0.writtenBy == b.lastReader && $0.slot == slot && $0.value != b.value }
                let end = min(Double(b.lastReader) + (takenOver ? 0.5 : 1), Double(n) + 0.4)
                let x0 = x(start), x1 = x(end)
                let long = b.lastReader - b.writtenBy > 3 && b.lastReader < n && b.writtenBy >= 0
                let cls = b.writtenBy < 0 || b.lastReader >= n ? "v io" : (long ? "v long" : "v")
                let readers = b.readers.map { "#\($0)" }.joined(separator: ", ")
                let tip = "\(b.name): \(Format.bytes(b.bytes)), slot s\(slot), written by " + (b.writtenBy < 0 ? "the caller" : "#\(b.writtenBy)")
                    + (readers.isEmpty ? "" : ", read by \(readers)") + (b.lastReader >= n ? ", network output" : "")
                let link = b.writtenBy >= 0 ? HTML.stepAnchor(prefix, b.writtenBy) : HTML.stepAnchor(prefix, 0)
                out += "<a href=\"#\(link)\"><rect class=\"\(cls)\" x=\"\(f(x0 + 1))\" y=\"\(f(y + 3))\" width=\"\(f(max(x1 - x0 - 2, 2)))\" height=\"\(f(laneH - 6))\" rx=\"3\"><title>\(HTML.escape(tip))</title></rect>"
                if x1 - x0 > Double(b.name.count) * 5.6 + 6 {
                    out += "<text x=\"\(f(x0 + 4))\" y=\"\(f(y + laneH / 2 + 3))\">\(HTML.escape(b.name))</text>"
                }
                out += "</a>\n"
            }
        }
        let px = x(Double(t.peakStep)) + column / 2
        out += "<line x1=\"\(f(px))\" x2=\"\(f(px))\" y1=\"\(f(top))\" y2=\"\(f(height - 20))\" stroke=\"#d93025\" stroke-dasharray=\"4 3\"/>"
        out += "<text x=\"\(f(px))\" y=\"\(f(height - 6))\" text-anchor=\"middle\" style=\"fill:#d93025\">peak</text>\n"
        return out + "</svg>\n"
    }
}
