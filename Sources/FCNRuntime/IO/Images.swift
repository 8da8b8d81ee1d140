// Image input: PNG (libpng's simplified API, which needs no setjmp) and JPEG (libjpeg, see
// JPEGDecoder), told apart by their magic bytes, decoded to 8-bit RGB. Preprocessing turns an
// image into the network's (1, 3, H, W) input. PNG output is written atomically.

import Foundation
import CPNG
import FCNPlan

/// An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `width * height * 3` bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: max(0, width * height * 3)))
    }

    /// The colour at (x, y).
    public func rgb(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    func validate(_ name: String) throws {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw RuntimeError(file: name, "invalid RGB image: \(width)x\(height) with \(pixels.count) bytes")
        }
    }
}

public enum ImageFormat: String, Sendable {
    case png, jpeg
}

public enum Images {
    /// Largest image decoded, in pixels (guards against decompression bombs).
    nonisolated(unsafe) public static var maxPixels = 1 << 28

    /// The format announced by the first bytes, or nil.
    public static func detectFormat(_ b: UnsafeRawBufferPointer) -> ImageFormat? {
        if b.count >= 8, Array(b[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return .jpeg }
        return nil
    }

    /// Reads a PNG or JPEG file (format by content, not by extension) as 8-bit RGB.
    public static func read(path: String) throws -> RGBImage {
        let file = try FileContents.read(path)
        return try withExtendedLifetime(file) { try decode(file.buffer, name: path) }
    }

    /// Decodes PNG or JPEG bytes; `name` is used in error messages.
    public static func decode(_ bytes: UnsafeRawBufferPointer, name: String) throws -> RGBImage {
        switch detectFormat(bytes) {
        case .png: return try decodePNG(bytes, name: name)
        case .jpeg: return try JPEGDecoder.decode(bytes, name: name, maxPixels: maxPixels)
        case nil:
            throw RuntimeError(file: name, bytes.isEmpty ? "empty file, not an image"
                               : "not a PNG or JPEG image (unrecognised magic bytes)")
        }
    }

    public static func decode(_ data: Data, name: String) throws -> RGBImage {
        try data.withUnsafeBytes { try decode($0, name: name) }
    }

    // MARK: PNG

    /// Starts reading PNG bytes: the image header (or throws libpng's message).
    static func beginPNG(_ bytes: UnsafeRawBufferPointer, name: String) throws -> PNGControl {
        let png = PNGControl()
        guard let base = bytes.baseAddress,
              png_image_begin_read_from_memory(png.image, base, bytes.count) != 0 else {
            throw RuntimeError(file: name, "corrupt or unsupported PNG: \(png.message)")
        }
        let w = png.width, h = png.height
        guard w > 0, h > 0, !w.multipliedReportingOverflow(by: h).overflow, w * h <= maxPixels else {
            throw RuntimeError(file: name, "PNG of \(w)x\(h) pixels is larger than the limit of \(maxPixels) pixels")
        }
        return png
    }

    static func decodePNG(_ bytes: UnsafeRawBufferPointer, name: String) throws -> RGBImage {
        let png = try beginPNG(bytes, name: name)
        defer { withExtendedLifetime(png) {} }  // png.image must outlive every libpng call
        let w = png.width, h = png.height
        png.image.pointee.format = png_uint_32(PNG_FORMAT_FLAG_COLOR)  // 8-bit RGB; alpha composited on black
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        let ok = pixels.withUnsafeMutableBytes {
            png_image_finish_read(png.image, nil, $0.baseAddress, png_int_32(w * 3), nil)
        }
        guard ok != 0 else { throw RuntimeError(file: name, "corrupt PNG: \(png.message)") }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    /// Encodes 8-bit pixels (`format`: PNG_FORMAT_* flags) to PNG bytes in memory.
    static func encodePNG(width: Int, height: Int, format: UInt32, pixels: UnsafeRawPointer,
                          colormap: UnsafeRawPointer? = nil, colormapEntries: Int = 0, name: String) throws -> [UInt8] {
        guard width > 0, height > 0, width <= Int(Int32.max) / 4, height <= Int(Int32.max) else {
            throw RuntimeError(file: name, "cannot write a \(width)x\(height) PNG")
        }
        let png = PNGControl()
        defer { withExtendedLifetime(png) {} }  // png.image must outlive every libpng call
        let image = png.image
        image.pointee.width = png_uint_32(width)
        image.pointee.height = png_uint_32(height)
        image.pointee.format = png_uint_32(format)
        image.pointee.colormap_entries = png_uint_32(colormapEntries)
        let channels = (format & PNG_FORMAT_FLAG_COLORMAP) != 0 ? 1
            : ((format & PNG_FORMAT_FLAG_COLOR) != 0 ? 3 : 1) + ((format & PNG_FORMAT_FLAG_ALPHA) != 0 ? 1 : 0)
        let stride = png_int_32(width * channels)
        var size: png_alloc_size_t = 0
        guard png_image_write_to_memory(image, nil, &size, 0, pixels, stride, colormap) != 0 else {
            throw RuntimeError(file: name, "cannot encode PNG: \(png.message)")
        }
        var out = [UInt8](repeating: 0, count: Int(size))
        let ok = out.withUnsafeMutableBytes {
            png_image_write_to_memory(image, $0.baseAddress, &size, 0, pixels, stride, colormap)
        }
        guard ok != 0 else { throw RuntimeError(file: name, "cannot encode PNG: \(png.message)") }
        return Array(out.prefix(Int(size)))
    }

    /// Writes `image` as an RGB PNG, atomically.
    public static func writePNG(_ image: RGBImage, to path: String) throws {
        try image.validate(path)
        let png = try image.pixels.withUnsafeBytes {
            try encodePNG(width: image.width, height: image.height, format: PNG_FORMAT_FLAG_COLOR,
                          pixels: $0.baseAddress!, name: path)
        }
        try AtomicFile.write(png, to: path)
    }

    // MARK: Preprocessing

    /// The network input for `image`: a (1, 3, H, W) tensor with
    /// `value = (pixel * scale - mean[c]) / std[c]`, channels in `order` ("rgb" or "bgr"); `mean`
    /// and `std` have one value for all channels or one per channel, in the output channel order.
    public static func preprocess(_ image: RGBImage, order: String, mean: [Double], scale: Double, std: [Double] = [1]) throws -> Tensor {
        try image.validate("<image>")
        let source: [Int]
        switch order.lowercased() {
        case "rgb": source = [0, 1, 2]
        case "bgr": source = [2, 1, 0]
        default: throw RuntimeError("preprocessing: channel order '\(order)' is not 'rgb' or 'bgr'")
        }
        guard mean.count == 1 || mean.count == 3 else {
            throw RuntimeError("preprocessing: \(mean.count) mean values for 3 channels (give 1 or 3)")
        }
        guard std.count == 1 || std.count == 3 else {
            throw RuntimeError("preprocessing: \(std.count) std values for 3 channels (give 1 or 3)")
        }
        guard scale.isFinite, mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw RuntimeError("preprocessing: scale and mean must be finite, std finite and positive")
        }
        let w = image.width, h = image.height, plane = w * h
        let t = Tensor(shape: [1, 3, h, w])
        image.pixels.withUnsafeBufferPointer { px in
            for c in 0..<3 {
                let sd = std.count == 1 ? std[0] : std[c]
                // (p * scale - mean) / std as one multiply-add per pixel.
                let m = Float((mean.count == 1 ? mean[0] : mean[c]) / sd)
                let s = Float(scale / sd)
                let src = source[c]
                let dst = t.pointer + c * plane
                for i in 0..<plane { dst[i] = Float(px[3 * i + src]) * s - m }
            }
        }
        return t
    }

    /// Preprocessing as a plan records it.
    /// No mean in the spec means no subtraction; no std, no division.
    public static func preprocess(_ image: RGBImage, _ p: Plan.Preprocessing) throws -> Tensor {
        try preprocess(image, order: p.order, mean: p.mean.isEmpty ? [0] : p.mean, scale: p.scale, std: p.std.isEmpty ? [1] : p.std)
    }
}

/// A `png_image` at a fixed heap address: libpng keeps a pointer to the control structure
/// (its error handler finds the image through it), so it must never be copied or moved while
/// in use. Freed (png_image_free) when released.
final class PNGControl {
    let image: UnsafeMutablePointer<png_image>

    init() {
        image = .allocate(capacity: 1)
        image.initialize(to: png_image())
        image.pointee.version = png_uint_32(PNG_IMAGE_VERSION)
    }

    deinit {
        png_image_free(image)
        image.deinitialize(count: 1)
        image.deallocate()
    }

    var width: Int { Int(image.pointee.width) }
    var height: Int { Int(image.pointee.height) }

    /// libpng's last error or warning message.
    var message: String {
        withUnsafeBytes(of: &image.pointee.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
