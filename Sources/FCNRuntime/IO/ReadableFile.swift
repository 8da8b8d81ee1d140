// Reading input files safely: only regular files, never blocking, never mapped.
//
// A FIFO, socket or device named as an input would block `open` (or never end); it is opened
// with O_NONBLOCK and refused after `fstat`, before any byte is read. Files are read with
// `pread` into memory the process owns (never `mmap`): a file truncated by another process
// while it is being read gives a short read and a clear error, not SIGBUS.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open regular file, read by offset. Closed when released.
public final class ReadableFile: @unchecked Sendable {
    public let path: String
    /// Size when opened; reads past a file that has since shrunk fail with a clear error.
    public let size: Int
    private let fd: Int32

    public init(path: String) throws {
        self.path = path
        if path.isEmpty { throw RuntimeError(file: "''", "an empty path names no file") }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            throw RuntimeError(file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let e = errno
            close(fd)
            throw RuntimeError(file: path, "cannot stat: \(String(cString: strerror(e)))")
        }
        let kind = st.st_mode & S_IFMT
        if kind != S_IFREG {
            close(fd)
            throw RuntimeError(file: path, "not a regular file (\(Self.kindName(kind))); give a file")
        }
        // Regular files ignore O_NONBLOCK; clear it anyway so reads behave as usual.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        self.fd = fd
        self.size = Int(st.st_size)
    }

    deinit { close(fd) }

    static func kindName(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`; a short read (the file shrank
    /// since it was opened) is an error naming the file and, if given, the tensor.
    public func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int, tensor: String? = nil) throws {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, min(count - done, 1 << 30), off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RuntimeError(file: path, tensor: tensor, "cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                throw RuntimeError(file: path, tensor: tensor,
                                   "file changed while being read: it ends at byte \(offset + done), expected \(offset + count) (of \(size) when opened); was it truncated or replaced?")
            }
            done += n
        }
    }

    /// `count` bytes at `offset` as an array.
    public func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { try read(into: base, count: count, at: offset) }
        }
        return out
    }

    /// The whole file (as large as it was when opened).
    public func readAll() throws -> FileContents {
        let contents = try FileContents(path: path, count: size)
        if let base = contents.mutableBytes { try read(into: base, count: size, at: 0) }
        return contents
    }
}

/// A whole file's bytes in memory the process owns (freed when released).
public final class FileContents: @unchecked Sendable {
    public let path: String
    public let count: Int
    /// Start of the bytes (nil for an empty file).
    public var bytes: UnsafeRawPointer? { mutableBytes.map { UnsafeRawPointer($0) } }
    fileprivate let mutableBytes: UnsafeMutableRawPointer?

    fileprivate init(path: String, count: Int) throws {
        self.path = path
        self.count = count
        if count == 0 {
            mutableBytes = nil
        } else {
            guard let p = malloc(count) else {
                throw RuntimeError(file: path, "cannot allocate \(count) bytes to read the file")
            }
            mutableBytes = p
        }
    }

    /// Reads the regular file at `path` (see `ReadableFile`).
    public static func read(_ path: String) throws -> FileContents {
        try ReadableFile(path: path).readAll()
    }

    deinit { free(mutableBytes) }

    public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: bytes, count: count) }

    /// Little-endian integer at `offset` (caller checks bounds).
    func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(littleEndian: bytes!.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
