// Windows: a read-only rectangular region (channels x rows x cols) of a larger NCHW buffer, used
// as kernel input so crops are read in place, and the output region a kernel should compute.

import FCNPlan

/// A window of an NCHW buffer whose images are `bufferChannels x bufferHeight x bufferWidth`.
/// The window covers channels [c0, c0+channels), rows [y0, y0+height), cols [x0, x0+width)
/// of every image; kernels see it as a dense `channels x height x width` input.
public struct InputWindow: @unchecked Sendable {
    public var base: UnsafePointer<Float>
    public var bufferChannels: Int
    public var bufferHeight: Int
    public var bufferWidth: Int
    public var c0: Int
    public var y0: Int
    public var x0: Int
    public var channels: Int
    public var height: Int
    public var width: Int

    /// The whole buffer.
    public init(base: UnsafePointer<Float>, channels: Int, height: Int, width: Int) {
        self.init(base: base, bufferChannels: channels, bufferHeight: height, bufferWidth: width,
                  y0: 0, x0: 0, height: height, width: width)
    }

    /// A spatial (and optionally channel) window of a buffer.
    public init(base: UnsafePointer<Float>, bufferChannels: Int, bufferHeight: Int, bufferWidth: Int,
                c0: Int = 0, y0: Int, x0: Int, channels: Int? = nil, height: Int, width: Int) {
        let ch = channels ?? (bufferChannels - c0)
        precondition(c0 >= 0 && ch >= 0 && c0 + ch <= bufferChannels, "channel window out of buffer")
        precondition(y0 >= 0 && height >= 0 && y0 + height <= bufferHeight, "row window out of buffer")
        precondition(x0 >= 0 && width >= 0 && x0 + width <= bufferWidth, "column window out of buffer")
        self.base = base
        self.bufferChannels = bufferChannels
        self.bufferHeight = bufferHeight
        self.bufferWidth = bufferWidth
        self.c0 = c0
        self.y0 = y0
        self.x0 = x0
        self.channels = ch
        self.height = height
        self.width = width
    }

    /// Floats between consecutive images of the buffer.
    @inlinable public var batchStride: Int { bufferChannels * bufferHeight * bufferWidth }
    /// Floats between consecutive channels.
    @inlinable public var planeStride: Int { bufferHeight * bufferWidth }
    /// Floats between consecutive rows.
    @inlinable public var rowStride: Int { bufferWidth }
    /// True when each channel of the window is one contiguous run of `height * width` floats.
    @inlinable public var planesContiguous: Bool { width == bufferWidth }

    /// Pointer to window element (n, c, 0, 0); rows follow at `rowStride`.
    @inline(__always)
    public func plane(_ n: Int, _ c: Int) -> UnsafePointer<Float> {
        base + n * batchStride + (c0 + c) * planeStride + y0 * bufferWidth + x0
    }

    /// A sub-window, with origin relative to this window.
    public func subWindow(y0 dy: Int, x0 dx: Int, height: Int, width: Int) -> InputWindow {
        precondition(dy >= 0 && dx >= 0 && dy + height <= self.height && dx + width <= self.width,
                     "sub-window out of window")
        return InputWindow(base: base, bufferChannels: bufferChannels, bufferHeight: bufferHeight,
                           bufferWidth: bufferWidth, c0: c0, y0: y0 + dy, x0: x0 + dx,
                           channels: channels, height: height, width: width)
    }
}

/// The region [y0, y0+height) x [x0, x0+width) of a kernel's full output that it should compute.
public struct OutputWindow: Hashable, Sendable {
    public var y0: Int
    public var x0: Int
    public var height: Int
    public var width: Int

    public init(y0: Int, x0: Int, height: Int, width: Int) {
        self.y0 = y0
        self.x0 = x0
        self.height = height
        self.width = width
    }

    /// The whole output of the given size.
    public static func full(height: Int, width: Int) -> OutputWindow {
        OutputWindow(y0: 0, x0: 0, height: height, width: width)
    }
}

extension OutputWindow {
    /// The plan's form of this window.
    var planWindow: Window { Window(y: y0, x: x0, h: height, w: width) }
    init(_ w: Window) { self.init(y0: w.y, x0: w.x, height: w.h, width: w.w) }
}
