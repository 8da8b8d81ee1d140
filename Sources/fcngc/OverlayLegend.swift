// The legend of `fcngc run --overlay`: which colour is which class, for the classes the label
// map holds, largest share first, with the names of the spec's `classes:` when it gives them.

import Foundation
import FCNRuntime

enum OverlayLegend {
    static func text(_ map: LabelMap, classes: [String]?) -> String {
        var counts = [Int](repeating: 0, count: 256)
        for l in map.labels { counts[Int(l)] += 1 }
        let total = max(map.labels.count, 1)
        let present = (0..<256).filter { counts[$0] > 0 }.sorted { (counts[$0], -$0) > (counts[$1], -$1) }
        let items = present.map { c -> String in
            let rgb = LabelPNG.vocColormap[(3 * c)..<(3 * c + 3)].map { String(format: "%02x", $0) }.joined()
            let name = classes.flatMap { c < $0.count ? $0[c] : nil }.map { " \($0)" } ?? ""
            return "\(c)\(name) #\(rgb) \(String(format: "%.1f", Double(counts[c]) / Double(total) * 100))%"
        }
        return "legend: " + items.joined(separator: ", ")
    }
}
