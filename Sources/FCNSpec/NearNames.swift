// "Did you mean": near names for a layer reference, a key or a file that does not exist.
//
// A layer reference first gets the closest name by edit distance (Suggest.closest: at most a
// third of the word's letters changed, a swap counting as one). Failing that, a stage's name
// gets the stage's last layer: `conv3` names no layer, but `conv3_1`, `conv3_2` and `conv3_3`
// exist, and the last of them (the stage's output) is the one a reference usually means.
// A missing file gets the closest file name of the same extension in its directory.

import Foundation

public enum NearNames {
    /// The name to suggest for `word` among `candidates` (in spec order), if one is near.
    public static func layer(_ word: String, in candidates: [String]) -> String? {
        if let close = Suggest.closest(word, in: candidates) { return close }
        let stage = candidates.filter { c in
            guard c.count > word.count, c.lowercased().hasPrefix(word.lowercased()) else { return false }
            let next = c[c.index(c.startIndex, offsetBy: word.count)]
            return next == "_" || next == "-" || next == "/" || next == "."
        }
        return stage.last
    }

    /// `" did you mean 'X'?"`-style hint text for a layer reference, or "".
    public static func hint(_ suggestion: String?) -> String { suggestion.map { "; did you mean '\($0)'?" } ?? "" }

    /// For a file that does not exist: the nearest existing file in the same directory with the
    /// same extension (compared by name without the extension), as a path written like `path`.
    public static func file(_ path: String) -> String? {
        let dir = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let ext = (base as NSString).pathExtension
        let stem = (base as NSString).deletingPathExtension
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir) else { return nil }
        let sameKind = entries.filter { ($0 as NSString).pathExtension == ext && $0 != base }.sorted()
        let stems = sameKind.map { ($0 as NSString).deletingPathExtension }
        guard let best = layer(stem, in: stems) ?? Suggest.closest(base, in: sameKind).map({ ($0 as NSString).deletingPathExtension }) else {
            return nil
        }
        let name = ext.isEmpty ? best : best + "." + ext
        return dir.isEmpty ? name : (dir as NSString).appendingPathComponent(name)
    }
}
