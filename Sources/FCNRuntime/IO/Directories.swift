// Listing and creating directories with the project's own messages (FileManager throws
// NSErrors whose text is "Error Domain=NSCocoaErrorDomain Code=516 ..."), and telling what
// a path is without following it into a FIFO.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum PathKind: Equatable, Sendable {
    case missing
    case file
    case directory
    /// A FIFO, socket or device (named by ReadableFile.kindName).
    case other(String)
}

public enum Directories {
    /// What `path` is (symbolic links followed).
    public static func kind(_ path: String) -> PathKind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case let k: return .other(ReadableFile.kindName(k))
        }
    }

    /// Whether `path` is a character device (/dev/null, a terminal): an output there is written
    /// straight through, not through a temporary file renamed over it (AtomicFile).
    public static func isCharacterDevice(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR
    }

    /// The names in directory `path` (not sorted; no "." or "..").
    public static func list(_ path: String) throws -> [String] {
        switch kind(path) {
        case .missing: throw RuntimeError(file: path, "no such directory")
        case .file: throw RuntimeError(file: path, "is a file, not a directory")
        case .other(let what): throw RuntimeError(file: path, "is \(what), not a directory")
        case .directory: break
        }
        guard let dir = opendir(path) else {
            throw RuntimeError(file: path, "cannot list the directory: \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates directory `path` and its parents; fine if it already is a directory.
    public static func create(_ path: String) throws {
        if path.isEmpty { throw RuntimeError(file: "''", "an empty path names no directory") }
        switch kind(path) {
        case .directory: return
        case .file: throw RuntimeError(file: path, "is a file; a directory is needed here")
        case .other(let what): throw RuntimeError(file: path, "is \(what); a directory is needed here")
        case .missing: break
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try create(parent) }
        if mkdir(path, 0o777) != 0, errno != EEXIST {
            throw RuntimeError(file: path, "cannot create the directory: \(String(cString: strerror(errno)))")
        }
    }
}
