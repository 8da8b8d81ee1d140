// `fcngc run --image DIR` over images of several sizes, one of which the model cannot take:
// the run goes on, names the bad image and why, writes every good one, and exits 1 at the end
// with a count on stderr (off a terminal too).

import Foundation
import XCTest
import FCNRuntime

final class RunDirectoryTests: XCTestCase {
    /// A floor-rounded pool, upsampled and cropped like the input: at an odd size the upsampled
    /// map is a pixel short of the input, so the crop does not compile (crop-too-small).
    static let evenOnly = """
        name: even-only
        input: {channels: 3}
        graph:
          - {conv: conv1, out: 4, kernel: 3, pad: 1}
          - {pool: pool1, kernel: 2, stride: 2, rounding: floor}
          - {deconv: up, stride: 2, kernel: 2}
          - {crop: out, like: input}
        """


    func image(_ w: Int, _ h: Int) -> RGBImage {
        RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { UInt8(($0 * 11) % 256) })
    }

    func testDirectoryRunGoesOnPastAnImageWhoseSizeDoesNotCompile() throws {
        let dir = try tempDir()
        let spec = dir.appendingPathComponent("even-only.yaml")
        try Self.evenOnly.write(to: spec, atomically: true, encoding: .utf8)
        let images = dir.appendingPathComponent("images"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try Images.writePNG(image(10, 8), to: images.appendingPathComponent("a.png").path)
        try Images.writePNG(image(9, 9), to: images.appendingPathComponent("b.png").path)
        try Images.writePNG(image(6, 12), to: images.appendingPathComponent("c.png").path)
        try Data("not an image".utf8).write(to: images.appendingPathComponent("d.png"))

        let r = try CLIProcess.run(["run", spec.path, "--init", "random:1", "--image", images.path, "-o", out.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        // Each bad image is named with its reason; the size's compile errors are printed too.
        XCTAssertTrue(r.stderr.contains("error: \(images.path)/b.png: the model does not compile at this image's size, 9x9"), r.stderr)
        XCTAssertTrue(r.stderr.contains("[crop-too-small]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("error: \(images.path)/d.png: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("2 of 4 images failed"), r.stderr)
        // The good ones, before and after the bad ones, are written at their own sizes.
        for (name, w, h) in [("a", 10, 8), ("c", 6, 12)] {
            let labels = try LabelPNG.read(path: out.appendingPathComponent("\(name).png").path)
            XCTAssertEqual([labels.width, labels.height], [w, h], name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), ["a.png", "c.png"])
    }

    /// All images good: exit 0, and every output written.
    func testDirectoryRunOfGoodImagesSucceeds() throws {
        let dir = try tempDir()
        let spec = dir.appendingPathComponent("even-only.yaml")
        try Self.evenOnly.write(to: spec, atomically: true, encoding: .utf8)
        let images = dir.appendingPathComponent("images"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try Images.writePNG(image(10, 8), to: images.appendingPathComponent("a.png").path)
        try Images.writePNG(image(4, 6), to: images.appendingPathComponent("b.png").path)
        let r = try CLIProcess.run(["run", spec.path, "--init", "random:1", "--image", images.path, "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), ["a.png", "b.png"])
    }
}
