// Plain-text tables and number formatting shared by every report. Output is
// deterministic: no timestamps, no absolute paths, no locale-dependent formatting.

import FCNPlan

public struct TextTable {
    public var headers: [String]
    public var rightAligned: Set<Int>
    public var rows: [[String]] = []

    public init(_ headers: [String], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render() -> String {
        var widths = headers.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, c) in cells.enumerated() {
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                parts.append(rightAligned.contains(i) ? pad + c : c + pad)
            }
            var s = parts.joined(separator: "  ")
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        var out = [line(headers), line(widths.map { String(repeating: "-", count: $0) })]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }
}

public enum Format {
    /// 134,270,278
    public static func grouped(_ n: Int) -> String {
        let s = String(abs(n))
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0, i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + String(out.reversed())
    }

    /// 1.23G, 45.6M, 7.9K, 12 — always three significant digits or the integer itself.
    public static func short(_ n: Int) -> String {
        let v = Double(n)
        func fmt(_ x: Double, _ unit: String) -> String {
            let r = (x * 100).rounded() / 100
            var s = String(r)
            if s.hasSuffix(".0") { s.removeLast(2) }
            return s + unit
        }
        if abs(v) >= 1e9 { return fmt(v / 1e9, "G") }
        if abs(v) >= 1e6 { return fmt(v / 1e6, "M") }
        if abs(v) >= 1e3 { return fmt(v / 1e3, "K") }
        return String(n)
    }

    /// 1.5 GiB, 512 KiB, 100 B
    public static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n), i = 0
        while abs(v) >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
        if i == 0 { return "\(n) B" }
        let r = (v * 10).rounded() / 10
        return "\(r) \(units[i])"
    }
}
