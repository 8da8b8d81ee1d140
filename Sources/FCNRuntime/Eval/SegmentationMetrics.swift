// Segmentation scores the way the reference FCN's score.py computes them: a confusion
// matrix over pixels whose ground truth is in [0, n) (255 and other values ignored), then
// pixel accuracy = trace / total, mean accuracy = mean over classes of diag / row sum,
// IU = diag / (row + column - diag), mean IU over classes that occur (nan-mean), and
// frequency-weighted IU = sum(freq * IU) over those classes.

public struct ConfusionMatrix: Sendable, Equatable {
    public let classes: Int
    public private(set) var counts: [Int]

    public init(classes: Int) {
        self.classes = classes
        counts = [Int](repeating: 0, count: classes * classes)
    }

    /// Adds one image: `truth[i]` row (ground truth), `prediction[i]` column. Returns the
    /// first predicted label outside [0, classes) at a counted pixel, if any (nothing is added then).
    public mutating func add(truth: [UInt8], prediction: [UInt8]) -> UInt8? {
        if let bad = zip(truth, prediction).first(where: { Int($0.0) < classes && Int($0.1) >= classes }) { return bad.1 }
        for (t, p) in zip(truth, prediction) where Int(t) < classes {
            counts[Int(t) * classes + Int(p)] += 1
        }
        return nil
    }

    public subscript(t: Int, p: Int) -> Int { counts[t * classes + p] }

    public struct Scores: Codable, Sendable, Equatable {
        public var pixelAccuracy: Double
        public var meanAccuracy: Double
        public var meanIU: Double
        public var frequencyWeightedIU: Double
        public var perClassIU: [Double?]
        public var pixels: Int
    }

    public var scores: Scores {
        let n = classes
        var diag = 0, total = 0
        var row = [Int](repeating: 0, count: n), col = [Int](repeating: 0, count: n)
        for t in 0..<n { for p in 0..<n { let c = self[t, p]; row[t] += c; col[p] += c; total += c; if t == p { diag += c } } }
        var accs: [Double] = [], ius: [Double?] = [], fw = 0.0
        for c in 0..<n {
            if row[c] > 0 { accs.append(Double(self[c, c]) / Double(row[c])) }
            let denom = row[c] + col[c] - self[c, c]
            let iu: Double? = denom > 0 ? Double(self[c, c]) / Double(denom) : nil
            ius.append(iu)
            if let iu, total > 0 { fw += Double(row[c]) / Double(total) * iu }
        }
        let present = ius.compactMap { $0 }
        return Scores(pixelAccuracy: total > 0 ? Double(diag) / Double(total) : 0,
                      meanAccuracy: accs.isEmpty ? 0 : accs.reduce(0, +) / Double(accs.count),
                      meanIU: present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count),
                      frequencyWeightedIU: fw, perClassIU: ius, pixels: total)
    }
}
