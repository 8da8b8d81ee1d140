// What `fcngc run` writes is decided by the option, never by a file name's extension, so a
// name whose extension promises another format is refused before anything runs: `-o x.jpg`
// would otherwise hold PNG bytes under a JPEG name. Names without an extension (directories,
// for a directory of images) are fine.

import ArgumentParser
import Foundation

enum OutputNames {
    /// (option, path, extensions it may carry, what it writes).
    static func check(output: String?, overlay: String?, scores: String?) throws {
        let rules: [(String, String?, [String], String)] = [
            ("-o", output, ["png"], "label maps are 8-bit palette PNGs (a class index per pixel; JPEG would blur the indices)"),
            ("--overlay", overlay, ["png"], "overlays are written as PNG"),
            ("--scores", scores, ["npy"], "scores are written as float32 .npy"),
        ]
        for (option, path, allowed, what) in rules {
            guard let path, path != "-" else { continue }
            let ext = (path as NSString).pathExtension.lowercased()
            guard !ext.isEmpty, !allowed.contains(ext) else { continue }
            throw ValidationError("\(option) '\(path)': cannot write .\(ext); \(what): give a name ending in \(allowed.map { "." + $0 }.joined(separator: " or "))")
        }
    }
}
