// Tensor: an NCHW float32 buffer. It either owns 64-byte aligned storage or is a view into
// external memory (an arena slot), kept alive by an optional owner object.

public final class Tensor: @unchecked Sendable {
    /// Byte alignment of owned storage (one cache line, one AVX-512 register).
    public static let alignment = 64

    public let shape: [Int]
    public let count: Int
    /// First element. Valid for `count` floats while the tensor (and its owner) lives.
    public let pointer: UnsafeMutablePointer<Float>
    private let owner: AnyObject?
    private let ownsStorage: Bool

    /// Owned, aligned storage filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        let n = shape.reduce(1, *)
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(n, 1) * MemoryLayout<Float>.stride, alignment: Tensor.alignment)
        let p = raw.bindMemory(to: Float.self, capacity: max(n, 1))
        p.initialize(repeating: value, count: n)
        self.shape = shape
        self.count = n
        self.pointer = p
        self.owner = nil
        self.ownsStorage = true
    }

    /// Owned, aligned storage holding a copy of `values` (row-major, `values.count == product(shape)`).
    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape, repeating: 0)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: count) }
        }
    }

    /// A view of `product(shape)` floats at `pointer`; `owner` (if any) is retained to keep the memory alive.
    public init(shape: [Int], pointer: UnsafeMutablePointer<Float>, owner: AnyObject?) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.pointer = pointer
        self.owner = owner
        self.ownsStorage = false
    }

    deinit {
        if ownsStorage { UnsafeMutableRawPointer(pointer).deallocate() }
    }

    public var rank: Int { shape.count }
    /// NCHW dimensions; a tensor of rank < 4 is read as if padded with leading 1s.
    public var n: Int { dim(fromEnd: 4) }
    public var c: Int { dim(fromEnd: 3) }
    public var h: Int { dim(fromEnd: 2) }
    public var w: Int { dim(fromEnd: 1) }

    private func dim(fromEnd k: Int) -> Int {
        shape.count >= k ? shape[shape.count - k] : 1
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    public func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    public func toArray() -> [Float] {
        Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Element (n, c, y, x) of a rank-4 tensor.
    public subscript(n: Int, c: Int, y: Int, x: Int) -> Float {
        get { pointer[((n * self.c + c) * h + y) * w + x] }
        set { pointer[((n * self.c + c) * h + y) * w + x] = newValue }
    }

    /// The whole tensor as a kernel input window.
    public var window: InputWindow {
        InputWindow(base: UnsafePointer(pointer), channels: c, height: h, width: w)
    }
}
