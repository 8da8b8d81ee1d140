// `fcngc eval`'s per-class table and its JSON: the scores, plus the class names when the
// spec gives them (`--spec`).

import Foundation
import FCNCompiler
import FCNRuntime

struct EvalReport: Encodable {
    var scores: ConfusionMatrix.Scores
    var classNames: [String]?

    enum Keys: String, CodingKey { case classNames }

    /// The scores' keys at the top level (as before), plus `classNames` when known.
    func encode(to encoder: Encoder) throws {
        try scores.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(classNames, forKey: .classNames)
    }

    /// One row per class: label, name, IU, accuracy (diag / ground-truth pixels), ground-truth
    /// and predicted pixels. A class with no ground truth and no prediction has no IU ("-").
    static func perClassTable(_ m: ConfusionMatrix, names: [String]?) -> String {
        let s = m.scores
        var t = TextTable(["class", "name", "IU", "accuracy", "pixels (truth)", "pixels (predicted)"], rightAligned: [0, 2, 3, 4, 5])
        for c in 0..<m.classes {
            let truth = (0..<m.classes).reduce(0) { $0 + m[c, $1] }
            let predicted = (0..<m.classes).reduce(0) { $0 + m[$1, c] }
            t.add(["\(c)", names.map { $0[c] } ?? "", s.perClassIU[c].map { String(format: "%.4f", $0) } ?? "-",
                   truth > 0 ? String(format: "%.4f", Double(m[c, c]) / Double(truth)) : "-",
                   Format.grouped(truth), Format.grouped(predicted)])
        }
        return t.render()
    }
}
