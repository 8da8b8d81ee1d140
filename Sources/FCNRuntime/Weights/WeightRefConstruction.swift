// WeightRef (FCNCompiler) has no public memberwise initializer; build one through its public
// Codable conformance so callers outside FCNCompiler (tests, the CLI) can make tables.

import Foundation
import FCNCompiler

extension WeightRef {
    private struct Wire: Encodable { var name: String; var shape: [Int] }

    /// A weight table entry `name` of `shape`.
    public static func make(_ name: String, _ shape: [Int]) -> WeightRef {
        // Encoding two plain fields and decoding them back cannot fail.
        let data = (try? JSONEncoder().encode(Wire(name: name, shape: shape))) ?? Data()
        if let r = try? JSONDecoder().decode(WeightRef.self, from: data) { return r }
        fatalError("WeightRef is no longer decodable from {name, shape}")
    }
}
