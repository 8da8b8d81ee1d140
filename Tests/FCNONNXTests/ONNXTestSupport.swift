// Shared helpers for the ONNX tests: compiling shipped or inline models, cheap weights,
// reading the exported graph back, and running the Python checks when the venv exists.

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime
import FCNONNX
import FCNTestSupport

enum ONNXFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var python: String { root.appendingPathComponent(".venv/bin/python").path }
    static var verifyScript: String { root.appendingPathComponent("Sources/fcngc/Resources/onnx_verify.py").path }

    static func compile(_ model: String, input: Pair = Pair(500)) throws -> Compilation {
        try compile(path: root.appendingPathComponent("Models/\(model).yaml").path, input: input)
    }

    static func compile(path: String, input: Pair) throws -> Compilation {
        let d = Diagnostics()
        var options = CompileOptions(input: input)
        options.sizeLimit = 128
        guard let c = Pipeline.compile(path, options: options, diagnostics: d) else {
            throw NSError(domain: "compile", code: 1, userInfo: [NSLocalizedDescriptionKey: DiagnosticPrinter(colour: false).render(d.all)])
        }
        return c
    }

    static func compile(yaml: String, input: Pair) throws -> Compilation {
        let dir = try temporaryDirectory("spec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("model.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try compile(path: file.path, input: input)
    }

    static func temporaryDirectory(_ tag: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-onnx-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every weight tensor the graph reads from a weights file (what LowerToSteps lists).
    static func weightTable(_ c: Compilation) -> [(name: String, shape: [Int])] {
        c.graph.nodes.flatMap { n -> [(name: String, shape: [Int])] in
            guard n.op != .input else { return [] }
            return LowerToSteps.weights(n, inChannels: c.shapes[n.inputs[0]].c).map { ($0.name, $0.shape) }
        }
    }

    /// Deterministic weights, He-scaled, cheap even for 134M parameters: a block of 4099
    /// seeded random values repeated (fine for checking and running; not for statistics).
    static func weights(_ c: Compilation, seed: UInt64 = 1, zeros: Bool = false) -> ONNXWeightDictionary {
        var rng = SplitMix64(seed: seed)
        let block = (0..<4099).map { _ in Float.random(in: -1...1, using: &rng) }
        var out: [String: ONNXWeight] = [:]
        for (name, shape) in weightTable(c) {
            let count = shape.reduce(1, *)
            if zeros { out[name] = ONNXWeight(shape: shape, values: [Float](repeating: 0, count: count)); continue }
            let fanIn = shape.count == 4 ? shape.dropFirst().reduce(1, *) : 1
            let scale: Float = name.hasSuffix(".bias") ? 0.05 : Float((3.0 / Double(max(fanIn, 1))).squareRoot())
            let offset = Int(rng.next() % 4099)
            var v = [Float](repeating: 0, count: count)
            for i in 0..<count { v[i] = block[(i + offset) % 4099] * scale }
            out[name] = ONNXWeight(shape: shape, values: v)
        }
        return ONNXWeightDictionary(out)
    }

    /// Runs `python args...`, returning (exit code, combined output).
    @discardableResult
    static func runPython(_ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = args
        p.currentDirectoryURL = root
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func requirePython() throws {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            // Fails, never skips: the set-up (bash Scripts/setup.sh) makes .venv.
            XCTFail("no .venv/bin/python: run bash Scripts/setup.sh")
            throw NSError(domain: "fcngc-tests", code: 1, userInfo: [NSLocalizedDescriptionKey: "no .venv/bin/python"])
        }
    }
}

/// Read-back helpers over an exported graph.
struct ExportedGraph {
    let model: Onnx_ModelProto
    var graph: Onnx_GraphProto { model.graph }

    func node(_ name: String) -> Onnx_NodeProto? { graph.node.first { $0.name == name } }
    func producer(of value: String) -> Onnx_NodeProto? { graph.node.first { $0.output.contains(value) } }
    func ints(_ node: Onnx_NodeProto, _ attr: String) -> [Int]? { node.attribute(attr).map { $0.ints.map { Int($0) } } }
    func int(_ node: Onnx_NodeProto, _ attr: String) -> Int? { node.attribute(attr).map { Int($0.i) } }
    /// The int64 values of the Constant producing `value`.
    func constant(_ value: String) -> [Int]? {
        guard let n = producer(of: value), n.opType == "Constant", let t = n.attribute("value")?.t else { return nil }
        return t.int64Values
    }
    var initializers: [String: [Int]] {
        Dictionary(uniqueKeysWithValues: graph.initializer.map { ($0.name, $0.dims.map { Int($0) }) })
    }
}

/// Minimal .npy writer ('<f4', C order, format 1.0) for the Python checks.
enum NPYFile {
    static func write(_ t: NaiveTensor, to url: URL) throws {
        let shape = t.shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)\(t.shape.count == 1 ? "," : "")), }"
        let total = (10 + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: total - 10 - header.utf8.count - 1) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let n = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url, options: .atomic)
    }
}
