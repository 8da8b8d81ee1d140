// Atomic file output: everything is written to a temporary file in the destination's own
// directory, flushed, then renamed over the destination. On any failure the temporary file is
// removed, so a reader never sees a half-written file and an old file survives a failed write.
// A character device (`-o /dev/null`) is written straight through: renaming a file over it would
// replace the device, and there is no half-written file to hide.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sink handed to the body of `AtomicFile.write`: appends bytes to the temporary file.
public struct AtomicFileWriter {
    let fd: Int32
    let path: String

    /// Appends `count` bytes at `bytes`.
    public func write(_ bytes: UnsafeRawPointer, count: Int) throws {
        var done = 0
        while done < count {
            let n = Glibc.write(fd, bytes + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw RuntimeError(file: path, "cannot write: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            if let base = raw.baseAddress { try write(base, count: raw.count) }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { try write(base, count: raw.count) }
        }
    }
}

public enum AtomicFile {
    /// Creates `path` atomically with the bytes `body` writes.
    public static func write(to path: String, _ body: (AtomicFileWriter) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let base = url.lastPathComponent
        if base.isEmpty || path.hasSuffix("/") {
            throw RuntimeError(file: path, "not a file name")
        }
        if Directories.isCharacterDevice(path) {
            let fd = open(path, O_WRONLY)
            if fd < 0 { throw RuntimeError(file: path, "cannot open: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try body(AtomicFileWriter(fd: fd, path: path))
            return
        }
        var template = Array("\(dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 {
            throw RuntimeError(file: path, "cannot create a temporary file in '\(dir)': \(String(cString: strerror(errno)))")
        }
        let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var closed = false
        do {
            try body(AtomicFileWriter(fd: fd, path: path))
            if fsync(fd) != 0 {
                throw RuntimeError(file: path, "cannot flush: \(String(cString: strerror(errno)))")
            }
            // mkstemp creates 0600; give the file the usual permissions (umask applied).
            let mask = umask(0); umask(mask)
            fchmod(fd, 0o666 & ~mask)
            closed = true
            if close(fd) != 0 {
                throw RuntimeError(file: path, "cannot close: \(String(cString: strerror(errno)))")
            }
            if rename(tmp, path) != 0 {
                throw RuntimeError(file: path, "cannot rename the temporary file into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            if !closed { close(fd) }
            unlink(tmp)
            throw error
        }
    }

    /// Creates `path` atomically holding `data`.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { try $0.write(data) }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { try $0.write(bytes) }
    }
}
