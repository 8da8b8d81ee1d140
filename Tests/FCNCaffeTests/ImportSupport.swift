// Shared by the importer tests: fixture paths, scratch directories, running the importer as
// the CLI does, and tiny caffemodels written through the generated Caffe code.

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
import FCNRuntime
@testable import FCNCaffe

enum ImportSupport {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/zoo")

    static func zooFile(_ name: String) -> String { zoo.appendingPathComponent(name).path }

    /// A fresh empty directory (removed by the caller's `addTeardownBlock`).
    static func scratch(_ test: XCTestCase) throws -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("fcngc-caffe-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    static func write(_ text: String, _ dir: String, _ name: String) throws -> String {
        let p = (dir as NSString).appendingPathComponent(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Every file under `dir`, relative.
    static func files(_ dir: String) -> [String] {
        (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).sorted()
    }

    /// Runs the importer; returns the audit text and the result or the error's text.
    static func run(_ o: CaffeImportOptions) -> (audit: String, result: CaffeImportResult?, error: String?) {
        var audit = ""
        do {
            let r = try CaffeImporter.run(o) { audit += $0 }
            return (audit, r, nil)
        } catch let e as CaffeCompileFailed {
            return (audit, nil, DiagnosticPrinter(colour: false).render(e.diagnostics))
        } catch {
            return (audit, nil, "\(error)")
        }
    }

    static func blob(_ shape: [Int], _ values: [Float], legacy: Bool = false) -> Caffe_BlobProto {
        var b = Caffe_BlobProto()
        if legacy {
            let s = Array(repeating: 1, count: 4 - shape.count) + shape
            b.num = Int32(s[0]); b.channels = Int32(s[1]); b.height = Int32(s[2]); b.width = Int32(s[3])
        } else {
            b.shape.dim = shape.map { Int64($0) }
        }
        b.data = values
        return b
    }

    static func random(_ n: Int, seed: inout UInt64) -> [Float] {
        var rng = WeightRNG(seed: seed)
        seed &+= 1
        return (0..<n).map { _ in Float(rng.nextUniform() * 2 - 1) }
    }

    /// A caffemodel (V2 `layer` or V1 `layers`) holding `blobs` per layer name.
    static func caffemodel(_ blobs: [(String, [Caffe_BlobProto])], v1: Bool) throws -> Data {
        var net = Caffe_NetParameter()
        net.name = "tiny"
        for (name, bs) in blobs {
            if v1 {
                var l = Caffe_V1LayerParameter()
                l.name = name
                l.blobs = bs
                net.layers.append(l)
            } else {
                var l = Caffe_LayerParameter()
                l.name = name
                l.blobs = bs
                net.layer.append(l)
            }
        }
        return try net.serializedData()
    }

    static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}
