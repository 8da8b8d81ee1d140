import XCTest
import Foundation
import CPNG
@testable import FCNRuntime
import FCNPlan

final class ImageTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try IOTestFiles.makeScratchDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func gradient(_ w: Int, _ h: Int) -> RGBImage {
        var img = RGBImage(width: w, height: h)
        for y in 0..<h { for x in 0..<w {
            let i = (y * w + x) * 3
            img.pixels[i] = UInt8((x * 37) & 255); img.pixels[i + 1] = UInt8((y * 53) & 255); img.pixels[i + 2] = UInt8((x * y) & 255)
        } }
        return img
    }

    // MARK: PNG

    func testPNGRoundTrip() throws {
        let img = gradient(7, 5)
        let p = "\(dir)/g.png"
        try Images.writePNG(img, to: p)
        XCTAssertEqual(IOTestFiles.listing(dir), ["g.png"])
        XCTAssertEqual(try Images.read(path: p), img)
        // The format comes from the content, not the name.
        let q = "\(dir)/actually-a-png.jpg"
        try FileManager.default.copyItem(atPath: p, toPath: q)
        XCTAssertEqual(try Images.read(path: q), img)
    }

    func testCorruptPNGIsRefused() throws {
        let p = "\(dir)/g.png"
        try Images.writePNG(gradient(16, 16), to: p)
        let good = try IOTestFiles.read(p)
        func check(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) {
            let q = "\(dir)/bad-\(line).png"
            XCTAssertNoThrow(try IOTestFiles.write(bytes, q))
            assertRuntimeError([q] + fragments, line: line) { try Images.read(path: q) }
        }
        check(Array(good.prefix(good.count / 2)), ["PNG"])
        check(Array(good.prefix(20)), ["corrupt or unsupported PNG"])
        var badCRC = good; badCRC[29] ^= 0xFF  // IHDR CRC
        check(badCRC, ["PNG"])
        var badData = good; for i in 45..<min(good.count - 12, 80) { badData[i] ^= 0x5A }
        check(badData, ["PNG"])
        check([], ["empty file"])
        check(Array("hello, world".utf8), ["not a PNG or JPEG"])
    }

    // MARK: JPEG

    func assertClose(_ a: (UInt8, UInt8, UInt8), _ b: (Int, Int, Int), _ tol: Int = 8, line: UInt = #line) {
        XCTAssertLessThanOrEqual(abs(Int(a.0) - b.0), tol, "\(a) vs \(b)", line: line)
        XCTAssertLessThanOrEqual(abs(Int(a.1) - b.1), tol, "\(a) vs \(b)", line: line)
        XCTAssertLessThanOrEqual(abs(Int(a.2) - b.2), tol, "\(a) vs \(b)", line: line)
    }

    func testJPEGFixtures() throws {
        for name in ["two-colours-16x8.jpg", "two-colours-16x8-progressive.jpg"] {
            let img = try Images.read(path: IOTestFiles.fixture(name))
            XCTAssertEqual(img.width, 16)
            XCTAssertEqual(img.height, 8)
            XCTAssertEqual(img.pixels.count, 16 * 8 * 3)
            assertClose(img.rgb(x: 1, y: 3), (240, 16, 16))
            assertClose(img.rgb(x: 14, y: 6), (16, 32, 224))
        }
        let gray = try Images.read(path: IOTestFiles.fixture("gray-16x8.jpg"))
        let (r, g, b) = gray.rgb(x: 2, y: 2)
        XCTAssertEqual(r, g); XCTAssertEqual(g, b)
        // CMYK: decoded or refused with a message, never a crash.
        do {
            let c = try Images.read(path: IOTestFiles.fixture("cmyk-16x8.jpg"))
            XCTAssertEqual(c.width, 16)
        } catch let e as RuntimeError {
            XCTAssertTrue(e.message.contains("cmyk-16x8.jpg"), e.message)
        }
    }

    func jpegBytes(_ name: String = "two-colours-16x8.jpg") throws -> [UInt8] {
        try IOTestFiles.read(IOTestFiles.fixture(name))
    }

    func marker(_ bytes: [UInt8], _ m: UInt8) -> Int? {
        (0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == m }
    }

    func checkJPEG(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) {
        let q = "\(dir)/bad-\(line).jpg"
        XCTAssertNoThrow(try IOTestFiles.write(bytes, q))
        assertRuntimeError([q] + fragments, line: line) { try Images.read(path: q) }
    }

    func testCorruptJPEGIsRefused() throws {
        let good = try jpegBytes()
        let sof = try XCTUnwrap(marker(good, 0xC0))
        let sos = try XCTUnwrap(marker(good, 0xDA))
        let dht = try XCTUnwrap(marker(good, 0xC4))

        // libjpeg's fatal errors (error_exit) come back as errors.
        var precision = good; precision[sof + 4] = 9
        checkJPEG(precision, ["corrupt or unsupported JPEG", "precision 9"])
        var huffman = good; for i in 0..<16 { huffman[dht + 5 + i] = 0xFF }
        checkJPEG(huffman, ["JPEG"])
        var components = good; components[sof + 9] = 0
        checkJPEG(components, ["JPEG"])
        // Truncated entropy data: libjpeg would fill with grey; we refuse.
        checkJPEG(Array(good.prefix(sos + (good.count - sos) / 2)), ["corrupt JPEG data", "Premature end"])
        // Structural checks before libjpeg.
        checkJPEG(Array(good.prefix(sos - 3)), ["truncated"])
        checkJPEG([0xFF, 0xD8, 0xFF], ["JPEG"])
        checkJPEG([0xFF, 0xD8, 0xFF, 0xD9, 0, 0], ["EOI before any image data"])
        var length = good; length[sof + 2] = 0xFF
        checkJPEG(length, ["past the end"])
    }

    /// Many damaged files in a row: each is decoded or refused; the process survives, and the
    /// decoder still works afterwards.
    func testDamagedJPEGsNeverCrash() throws {
        let good = try jpegBytes("two-colours-16x8-progressive.jpg") + []
        var rng = WeightRNG(seed: 11)
        var refused = 0
        for round in 0..<150 {
            var b = good
            for _ in 0..<(1 + round % 4) {
                let i = 2 + Int(rng.next() % UInt64(b.count - 2))
                b[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            if round % 5 == 0 { b = Array(b.prefix(2 + Int(rng.next() % UInt64(b.count - 2)))) }
            do {
                let img = try b.withUnsafeBytes { try Images.decode($0, name: "fuzz-\(round)") }
                XCTAssertEqual(img.pixels.count, img.width * img.height * 3)
            } catch let e as RuntimeError {
                XCTAssertTrue(e.message.hasPrefix("fuzz-\(round)"), e.message)
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, 10)
        XCTAssertEqual(try Images.read(path: IOTestFiles.fixture("two-colours-16x8.jpg")).width, 16)
    }

    /// Damaged RGB PNGs and damaged label-map PNGs: each is decoded (to a consistent image)
    /// or refused with a RuntimeError naming the file; the process survives, and both
    /// readers still work afterwards.
    func testDamagedPNGsNeverCrash() throws {
        let p = "\(dir)/g.png", l = "\(dir)/labels.png"
        try Images.writePNG(gradient(9, 9), to: p)
        try LabelPNG.write(LabelMap(width: 9, height: 7, labels: (0..<63).map { UInt8($0 % 21) }), to: l)
        let goodImage = try IOTestFiles.read(p), goodLabels = try IOTestFiles.read(l)
        var rng = WeightRNG(seed: 12)
        func damaged(_ good: [UInt8], _ round: Int) -> [UInt8] {
            var b = good
            let i = 8 + Int(rng.next() % UInt64(b.count - 8))
            b[i] = UInt8(truncatingIfNeeded: rng.next())
            if round % 4 == 0 { b = Array(b.prefix(8 + Int(rng.next() % UInt64(b.count - 8)))) }
            return b
        }
        var refusedImages = 0, refusedLabels = 0
        for round in 0..<100 {
            let b = damaged(goodImage, round)
            do {
                let img = try b.withUnsafeBytes { try Images.decode($0, name: "fuzz-\(round)") }
                XCTAssertEqual(img.pixels.count, img.width * img.height * 3)
            } catch let e as RuntimeError {
                XCTAssertTrue(e.message.hasPrefix("fuzz-\(round): "), e.message)
                refusedImages += 1
            }
            let q = "\(dir)/l-\(round).png"
            try IOTestFiles.write(damaged(goodLabels, round), q)
            do {
                let map = try LabelPNG.read(path: q)
                XCTAssertEqual(map.labels.count, map.width * map.height)
            } catch let e as RuntimeError {
                XCTAssertTrue(e.message.hasPrefix(q + ": "), e.message)
                refusedLabels += 1
            }
        }
        XCTAssertGreaterThan(refusedImages, 20)
        XCTAssertGreaterThan(refusedLabels, 20)
        XCTAssertEqual(try Images.read(path: p).width, 9)
        XCTAssertEqual(try LabelPNG.read(path: l).height, 7)
    }

    // MARK: Preprocessing

    func testPreprocess() throws {
        let img = RGBImage(width: 2, height: 1, pixels: [10, 20, 30, 40, 50, 60])
        let bgr = try Images.preprocess(img, order: "bgr", mean: [1, 2, 3], scale: 2)
        XCTAssertEqual(bgr.shape, [1, 3, 1, 2])
        let expected: [Float] = [59, 119, 38, 98, 17, 77]  // pixel * 2 - mean, B G R planes
        XCTAssertEqual(bgr.toArray(), expected)
        let rgb = try Images.preprocess(img, order: "rgb", mean: [0.5], scale: 1.0 / 255)
        XCTAssertEqual(rgb.toArray(), [10, 40, 20, 50, 30, 60].map { Float($0) * Float(1.0 / 255) - 0.5 })
        assertRuntimeError(["2 mean values"]) { try Images.preprocess(img, order: "rgb", mean: [1, 2], scale: 1) }
        assertRuntimeError(["channel order 'rbg'"]) { try Images.preprocess(img, order: "rbg", mean: [0], scale: 1) }
        assertRuntimeError(["invalid RGB image"]) {
            try Images.preprocess(RGBImage(width: 2, height: 2, pixels: [1]), order: "rgb", mean: [0], scale: 1)
        }
    }

    // MARK: Label maps

    func testVOCColormap() {
        let m = LabelPNG.vocColormap
        XCTAssertEqual(m.count, 768)
        func c(_ i: Int) -> [UInt8] { Array(m[(3 * i)..<(3 * i + 3)]) }
        XCTAssertEqual(c(0), [0, 0, 0])
        XCTAssertEqual(c(1), [128, 0, 0])
        XCTAssertEqual(c(2), [0, 128, 0])
        XCTAssertEqual(c(3), [128, 128, 0])
        XCTAssertEqual(c(15), [192, 128, 128])  // person
        XCTAssertEqual(c(20), [0, 64, 128])     // tv/monitor
        XCTAssertEqual(c(255), [224, 224, 192]) // void
    }

    func allLabels() -> LabelMap {
        LabelMap(width: 16, height: 17, labels: (0..<(16 * 17)).map { UInt8($0 % 256) })
    }

    func testPalettePNGRoundTripKeepsIndices() throws {
        let labels = allLabels()
        let p = "\(dir)/labels.png"
        try LabelPNG.write(labels, to: p)
        XCTAssertEqual(IOTestFiles.listing(dir), ["labels.png"])
        let bytes = try IOTestFiles.read(p)
        XCTAssertEqual(bytes[24], 8, "bit depth")
        XCTAssertEqual(bytes[25], 3, "colour type: palette")
        XCTAssertEqual(try LabelPNG.read(path: p), labels)
        // As an image it shows the VOC colours.
        let img = try Images.read(path: p)
        XCTAssertEqual([img.rgb(x: 15, y: 0).0, img.rgb(x: 15, y: 0).1, img.rgb(x: 15, y: 0).2], [192, 128, 128])
    }

    func testIndicesNotColoursAreRead() throws {
        // Every entry black: only the indices tell labels apart.
        let labels = allLabels()
        let p = "\(dir)/black.png"
        try LabelPNG.write(labels, to: p, colormap: [UInt8](repeating: 0, count: 768))
        XCTAssertEqual(try LabelPNG.read(path: p), labels)
        // A short palette.
        let small = LabelMap(width: 3, height: 2, labels: [0, 1, 2, 2, 1, 0])
        try LabelPNG.write(small, to: p, colormap: [0, 0, 0, 255, 255, 255, 0, 0, 0])
        XCTAssertEqual(try LabelPNG.read(path: p), small)
        assertRuntimeError([p, "label 3 has no entry in the 3-colour colormap"]) {
            try LabelPNG.write(LabelMap(width: 1, height: 1, labels: [3]), to: p, colormap: [0, 0, 0, 1, 1, 1, 2, 2, 2])
        }
        XCTAssertEqual(try LabelPNG.read(path: p), small, "failed write left the old file")
    }

    func testPalettePNGsFromOtherWriters() throws {
        // Written by PIL: 4-bit palette with a transparent entry, and 1-bit palette.
        let four = try LabelPNG.read(path: IOTestFiles.fixture("palette-4bit-trns.png"))
        let fourLabels: [UInt8] = (0..<18).map { (i: Int) -> UInt8 in UInt8((i % 6 + 2 * (i / 6)) % 5) }
        XCTAssertEqual(four, LabelMap(width: 6, height: 3, labels: fourLabels))
        let one = try LabelPNG.read(path: IOTestFiles.fixture("palette-1bit.png"))
        let oneLabels: [UInt8] = (0..<10).map { (i: Int) -> UInt8 in UInt8((i % 5 + i / 5) % 2) }
        XCTAssertEqual(one, LabelMap(width: 5, height: 2, labels: oneLabels))
    }

    func testGrayLabelPNG() throws {
        let labels = allLabels()
        let png = try labels.labels.withUnsafeBytes {
            try Images.encodePNG(width: 16, height: 17, format: 0, pixels: $0.baseAddress!, name: "gray")
        }
        let p = "\(dir)/gray.png"
        try IOTestFiles.write(png, p)
        XCTAssertEqual(try IOTestFiles.read(p)[25], 0, "colour type: gray")
        XCTAssertEqual(try LabelPNG.read(path: p), labels)
    }

    func testRGBLabelPNGAndJPEGAreRefused() throws {
        let p = "\(dir)/rgb.png"
        try Images.writePNG(gradient(4, 4), to: p)
        assertRuntimeError([p, "label PNG is RGB"]) { try LabelPNG.read(path: p) }
        let j = IOTestFiles.fixture("two-colours-16x8.jpg")
        assertRuntimeError([j, "must be PNG"]) { try LabelPNG.read(path: j) }
    }

    func testLabelsFromTensor() throws {
        let t = Tensor(shape: [1, 1, 2, 2], values: [0, 1, 255, 7])
        XCTAssertEqual(try LabelMap(indices: t), LabelMap(width: 2, height: 2, labels: [0, 1, 255, 7]))
        assertRuntimeError(["value 1.5"]) { try LabelMap(indices: Tensor(shape: [1, 1, 1, 2], values: [0, 1.5])) }
        assertRuntimeError(["value 256"]) { try LabelMap(indices: Tensor(shape: [1, 1, 1, 1], values: [256])) }
        assertRuntimeError(["shape [1, 2, 1, 1]"]) { try LabelMap(indices: Tensor(shape: [1, 2, 1, 1])) }
    }

    func testOverlay() throws {
        let img = RGBImage(width: 2, height: 1, pixels: [100, 100, 100, 255, 255, 255])
        let labels = LabelMap(width: 2, height: 1, labels: [0, 15])
        let o = try LabelPNG.overlay(img, labels)
        XCTAssertEqual(o.pixels, [50, 50, 50, 224, 192, 192])
        let p = "\(dir)/overlay.png"
        try LabelPNG.writeOverlay(img, labels, to: p)
        XCTAssertEqual(try Images.read(path: p), o)
        assertRuntimeError([p, "image is 2x1 but labels are 1x1"]) {
            try LabelPNG.writeOverlay(img, LabelMap(width: 1, height: 1, labels: [0]), to: p)
        }
        XCTAssertEqual(IOTestFiles.listing(dir), ["overlay.png"])
    }
}
