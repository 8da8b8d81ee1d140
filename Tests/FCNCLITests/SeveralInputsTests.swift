// Several inputs and outputs from the command line: `--tensor NAME=x.npy` per input, `--output
// NAME` choosing what `--scores` writes, every wrong call refused by name before anything is
// written, the spec's mistakes located; and `fcngc verify` (ONNX Runtime, every input fed,
// every layer and both outputs compared) on the multi-io fixture at two sizes, one odd.

import Foundation
import XCTest

final class SeveralInputsTests: XCTestCase {
    static let fixture = CLITests.root.appendingPathComponent("Tests/FCNRuntimeTests/Fixtures/multi-io.yaml").path

    /// float32 NPY (version 1.0) of shape `shape` filled with `value`.
    func npy(_ dir: URL, _ name: String, _ shape: [Int], _ value: Float) throws -> String {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", ")),), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data += Data(header.utf8)
        var v = value
        for _ in 0..<shape.reduce(1, *) { data += Data(bytes: &v, count: 4) }
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    func testNamedTensorsAndChosenOutput() throws {
        let d = try tempDir()
        let c = try npy(d, "c.npy", [1, 3, 10, 12], 0.5), h = try npy(d, "h.npy", [1, 3, 10, 12], -0.25)
        let dep = try npy(d, "d.npy", [1, 1, 10, 12], 2)
        let sem = d.appendingPathComponent("sem.npy").path, geo = d.appendingPathComponent("geo.npy").path
        let base = ["run", Self.fixture, "--init", "random:4", "--quiet"]
        var r = try CLIProcess.run(base + ["--tensor", "depth=\(dep)", "--tensor", "color=\(c)", "--tensor", "hha=\(h)", "--scores", sem])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try CLIProcess.run(base + ["--tensor", "color=\(c)", "--tensor", "hha=\(h)", "--tensor", "depth=\(dep)", "--scores", geo, "--output", "geo"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // The primary output has 4 channels, `geo` 2: the header of each file says so.
        let semHeader = String(decoding: try Data(contentsOf: URL(fileURLWithPath: sem)).prefix(80), as: UTF8.self)
        let geoHeader = String(decoding: try Data(contentsOf: URL(fileURLWithPath: geo)).prefix(80), as: UTF8.self)
        XCTAssertTrue(semHeader.contains("(1, 4, 10, 12)"), semHeader)
        XCTAssertTrue(geoHeader.contains("(1, 2, 10, 12)"), geoHeader)
    }

    func testWrongCallsAreRefusedByNameAndWriteNothing() throws {
        let d = try tempDir()
        let c = try npy(d, "c.npy", [1, 3, 10, 12], 0.5), h = try npy(d, "h.npy", [1, 3, 10, 12], 0.5)
        let dep = try npy(d, "d.npy", [1, 1, 10, 12], 2), tall = try npy(d, "t.npy", [1, 1, 11, 12], 2)
        let out = d.appendingPathComponent("out.npy").path
        let base = ["run", Self.fixture, "--init", "random:4", "--quiet", "--scores", out]
        let cases: [([String], String)] = [
            (["--tensor", "color=\(c)", "--tensor", "hha=\(h)"], "no --image or --tensor for input 'depth' (the model's inputs are color, hha, depth)"),
            (["--tensor", c], "the model has 3 inputs (color, hha, depth): name the one this is, e.g. --tensor color="),
            (["--tensor", "color=\(c)", "--tensor", "hha=\(h)", "--tensor", "dept=\(dep)"], "--tensor names input 'dept', but the model's inputs are color, hha, depth; did you mean 'depth'?"),
            (["--tensor", "color=\(c)", "--tensor", "color=\(h)", "--tensor", "depth=\(dep)"], "input 'color' is given twice"),
            (["--tensor", "color=\(c)", "--tensor", "hha=\(h)", "--tensor", "depth=\(tall)"], "is 11x12, but \(c) is 10x12: every input of one run has one size"),
            (["--tensor", "color=\(c)", "--tensor", "hha=\(h)", "--tensor", "depth=\(c)"], "input tensor has 3 channels (shape [1, 3, 10, 12]); the model takes 1"),
            (["--tensor", "color=\(c)", "--tensor", "hha=\(h)", "--tensor", "depth=\(dep)", "--output", "gel"], "the model's outputs are sem, geo; did you mean 'geo'?"),
        ]
        for (args, message) in cases {
            let r = try CLIProcess.run(base + args)
            XCTAssertEqual(r.status, 1, args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written for \(args)")
        }
    }

    func testSpecMistakesAboutInputsAndOutputsAreLocated() throws {
        let d = try tempDir()
        let cases: [(String, String)] = [
            ("name: m\ninput: {channels: 3}\ninputs: {a: {channels: 1}}\ngraph:\n  - {conv: c, out: 2, kernel: 1}\n",
             "m.yaml:3:1: error: the model has both 'input' and 'inputs'; write one"),
            ("name: m\ninputs: {a: {channels: 1}, b: {channels: 2}}\ngraph:\n  - {conv: a, out: 2, kernel: 1}\n",
             "m.yaml:4:12: error: 'a' is a network input; choose another layer name"),
            ("name: m\ninputs: {a: {channels: 1}}\ngraph:\n  - {conv: c, out: 2, kernel: 1}\noutputs: [c, a]\n",
             "m.yaml:5:14: error: 'a' is a network input; an output must be a layer"),
            ("name: m\ninputs: {a: {channels: 1}}\ngraph:\n  - {conv: c, out: 2, kernel: 1}\noutputs: [c, d]\n",
             "m.yaml:5:14: error: the model's output names unknown layer 'd'"),
            ("name: m\ninputs: {a: {channels: 1}}\ngraph:\n  - {conv: c, out: 2, kernel: 1}\noutputs: [c, c]\n",
             "m.yaml:5:14: error: 'c' is listed twice in 'outputs'"),
            ("name: m\ninputs: {a: {channels: 1, std: [0]}}\ngraph:\n  - {conv: c, out: 2, kernel: 1}\n",
             "m.yaml:2:27: error: 'std' in input 'a' must be positive, found 0.0"),
            ("name: m\ninputs: {a: {channels: 2}}\nbackbone: {file: b.yaml, input: x}\n",
             "m.yaml:3:33: error: backbone 'b' reads unknown input 'x'"),
            ("name: m\ninputs: {a: {channels: 1}, b: {channels: 1}}\ngraph:\n  - {conv: c, out: 2, kernel: 1}\n",
             "m.yaml:2:28: warning: input 'b' is on no path to the outputs"),
        ]
        _ = try spec(d, "b.yaml", "layers:\n  - {conv: c1, out: 2, kernel: 1}\n")
        for (text, message) in cases {
            let path = try spec(d, "m.yaml", text)
            let r = try CLIProcess.run(binary: try CLIProcess.binary(), ["compile", path, "--input", "8"], in: d)
            XCTAssertTrue(r.stderr.contains(message), "\(text)\n\(r.stderr)")
        }
    }

    func testSeveralInputsAndOutputsAgreeWithONNXRuntime() throws {
        let venv = CLITests.root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: venv) else {
            return XCTFail("the ONNX Runtime cross-check needs .venv: run bash Scripts/setup.sh")
        }
        let r = try fcngc("verify", Self.fixture, "--init", "random:5", "--input", "20x30", "--input", "13x17")
        let out = r.stdout + r.stderr
        XCTAssertEqual(r.status, 0, out)
        XCTAssertTrue(out.contains("outputs sem [1, 4, 13, 17], geo [1, 2, 13, 17]"), out)
        XCTAssertTrue(out.contains("  geo: max|diff|"), "the second output is compared: \(out)")
        XCTAssertTrue(out.contains("  hha.score: max|diff|"), "the second stream is compared: \(out)")
        XCTAssertTrue(out.contains("verify: OK at 2 of 2 sizes"), out)
    }
}
