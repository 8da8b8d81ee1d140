// Label maps (one class index per pixel) as 8-bit palette PNGs with the PASCAL VOC colormap,
// read back as palette indices (not colours) for evaluation, and overlays of the labels'
// colours on the input image. All output is written atomically.

import Foundation
import CPNG

/// One 8-bit class index per pixel, rows top to bottom.
public struct LabelMap: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `width * height` indices.
    public var labels: [UInt8]

    public init(width: Int, height: Int, labels: [UInt8]) {
        self.width = width
        self.height = height
        self.labels = labels
    }

    /// Labels from a tensor of class indices (any shape ending in H, W with leading 1s), each an
    /// integer in 0...255.
    public init(indices t: Tensor) throws {
        guard t.rank >= 2, t.shape.dropLast(2).allSatisfy({ $0 == 1 }) else {
            throw RuntimeError("label map: expected a (1, 1, H, W) tensor of class indices, got shape \(t.shape)")
        }
        let w = t.w, h = t.h
        var labels = [UInt8](repeating: 0, count: w * h)
        for i in 0..<(w * h) {
            let v = t.pointer[i]
            guard v >= 0, v <= 255, v == v.rounded() else {
                throw RuntimeError("label map: value \(v) at pixel (\(i % max(w, 1)), \(i / max(w, 1))) is not a class index in 0...255")
            }
            labels[i] = UInt8(v)
        }
        self.init(width: w, height: h, labels: labels)
    }

    public subscript(x: Int, y: Int) -> UInt8 { labels[y * width + x] }

    func validate(_ name: String) throws {
        guard width > 0, height > 0, labels.count == width * height else {
            throw RuntimeError(file: name, "invalid label map: \(width)x\(height) with \(labels.count) labels")
        }
    }
}

public enum LabelPNG {
    /// The PASCAL VOC colormap: 256 RGB triples (768 bytes); entry i spreads the bits of i
    /// over the high bits of R, G, B in turn (0 black, 1 (128, 0, 0), ..., 255 (224, 224, 192)).
    public static let vocColormap: [UInt8] = {
        var map: [UInt8] = []
        map.reserveCapacity(768)
        for i in 0..<256 {
            var r = 0, g = 0, b = 0, c = i
            for j in 0..<8 {
                r |= (c & 1) << (7 - j)
                g |= ((c >> 1) & 1) << (7 - j)
                b |= ((c >> 2) & 1) << (7 - j)
                c >>= 3
            }
            map += [UInt8(r), UInt8(g), UInt8(b)]
        }
        return map
    }()

    /// Writes `labels` as an 8-bit palette PNG with `colormap` (RGB triples, 1...256 entries;
    /// every label must have an entry), atomically.
    public static func write(_ labels: LabelMap, to path: String, colormap: [UInt8] = vocColormap) throws {
        try labels.validate(path)
        let entries = colormap.count / 3
        guard colormap.count % 3 == 0, (1...256).contains(entries) else {
            throw RuntimeError(file: path, "colormap must hold 1 to 256 RGB triples, got \(colormap.count) bytes")
        }
        if let bad = labels.labels.first(where: { Int($0) >= entries }) {
            throw RuntimeError(file: path, "label \(bad) has no entry in the \(entries)-colour colormap")
        }
        let png = try labels.labels.withUnsafeBytes { px in
            try colormap.withUnsafeBytes { cm in
                try Images.encodePNG(width: labels.width, height: labels.height,
                                     format: PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_COLORMAP,
                                     pixels: px.baseAddress!, colormap: cm.baseAddress!,
                                     colormapEntries: entries, name: path)
            }
        }
        try AtomicFile.write(png, to: path)
    }

    /// Reads a label PNG: a palette PNG gives its palette indices (the colours are ignored), an
    /// 8-bit (or 1/2/4-bit) grayscale PNG its gray values. Colour and 16-bit images are refused.
    public static func read(path: String) throws -> LabelMap {
        let file = try FileContents.read(path)
        return try withExtendedLifetime(file) { try decode(file.buffer, path: path) }
    }

    /// Decodes label PNG bytes; `path` is used in error messages.
    public static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> LabelMap {
        guard Images.detectFormat(bytes) == .png else {
            throw RuntimeError(file: path, "label maps must be PNG files (palette or grayscale)")
        }
        // IHDR: signature (8), length (4), "IHDR" (4), width, height, bit depth, colour type.
        guard bytes.count >= 33, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw RuntimeError(file: path, "corrupt PNG: no IHDR chunk")
        }
        let bitDepth = Int(bytes[24]), colorType = Int(bytes[25])
        let png = try Images.beginPNG(bytes, name: path)
        defer { withExtendedLifetime(png) {} }  // png.image must outlive every libpng call
        let image = png.image
        let w = png.width, h = png.height
        var labels = [UInt8](repeating: 0, count: w * h)
        var scaleDown = 1
        switch colorType {
        case 3:  // palette: keep indices; ask for an RGBA colormap so tRNS needs no compositing
            image.pointee.format = png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA | PNG_FORMAT_FLAG_COLORMAP)
            var colormap = [UInt8](repeating: 0, count: 256 * 4)
            let ok = labels.withUnsafeMutableBytes { px in
                colormap.withUnsafeMutableBytes { cm in
                    png_image_finish_read(image, nil, px.baseAddress, png_int_32(w), cm.baseAddress)
                }
            }
            guard ok != 0 else { throw RuntimeError(file: path, "corrupt PNG: \(png.message)") }
        case 0 where bitDepth <= 8:  // gray
            image.pointee.format = 0  // PNG_FORMAT_GRAY
            let ok = labels.withUnsafeMutableBytes { px in
                png_image_finish_read(image, nil, px.baseAddress, png_int_32(w), nil)
            }
            guard ok != 0 else { throw RuntimeError(file: path, "corrupt PNG: \(png.message)") }
            scaleDown = 255 / ((1 << bitDepth) - 1)  // 1/2/4-bit gray is expanded to 0...255
        default:
            let kind = [0: "16-bit grayscale", 2: "RGB", 4: "grayscale+alpha", 6: "RGBA"][colorType] ?? "colour type \(colorType)"
            throw RuntimeError(file: path, "label PNG is \(kind) (bit depth \(bitDepth)); expected an 8-bit palette or grayscale PNG of class indices")
        }
        if scaleDown > 1 {
            for i in labels.indices { labels[i] /= UInt8(scaleDown) }
        }
        return LabelMap(width: w, height: h, labels: labels)
    }

    /// `image` with each pixel's label colour blended over it: `(1 - alpha) * pixel + alpha * colour`.
    public static func overlay(_ image: RGBImage, _ labels: LabelMap, alpha: Double = 0.5,
                               colormap: [UInt8] = vocColormap) throws -> RGBImage {
        try image.validate("<image>")
        try labels.validate("<labels>")
        guard image.width == labels.width, image.height == labels.height else {
            throw RuntimeError("overlay: image is \(image.width)x\(image.height) but labels are \(labels.width)x\(labels.height)")
        }
        guard alpha >= 0, alpha <= 1 else { throw RuntimeError("overlay: alpha \(alpha) is not in [0, 1]") }
        let entries = colormap.count / 3
        var out = image
        for i in 0..<(image.width * image.height) {
            let l = Int(labels.labels[i])
            guard l < entries else { continue }  // no colour: leave the pixel alone
            for k in 0..<3 {
                let v = (1 - alpha) * Double(image.pixels[3 * i + k]) + alpha * Double(colormap[3 * l + k])
                out.pixels[3 * i + k] = UInt8(min(255, max(0, v.rounded())))
            }
        }
        return out
    }

    /// Writes the overlay of `labels` on `image` as an RGB PNG, atomically.
    public static func writeOverlay(_ image: RGBImage, _ labels: LabelMap, to path: String, alpha: Double = 0.5,
                                    colormap: [UInt8] = vocColormap) throws {
        let o: RGBImage
        do {
            o = try overlay(image, labels, alpha: alpha, colormap: colormap)
        } catch var e as RuntimeError {
            e.file = path
            throw e
        }
        try Images.writePNG(o, to: path)
    }
}
