// Where `fcngc verify` finds its Python side, onnx_verify.py. It ships as a SwiftPM resource
// of this executable (`resources: [.copy("Resources/onnx_verify.py")]` in Package.swift):
// SwiftPM puts it in a bundle directory beside the binary, and this looks there, from the
// binary's own location (symlinks resolved), never from the source tree it was built in.
// SwiftPM's generated `Bundle.module` is not used: it stops the process with a fatal error
// when the bundle is missing (a copied binary without it would crash) and falls back to the
// absolute path of the build directory.

import Foundation
import FCNRuntime

enum VerifierScript {
    static let bundleName = "fcngc_fcngc.resources"
    static let fileName = "onnx_verify.py"

    /// The directory holding the running executable.
    static var executableDirectory: URL {
        let exe = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return exe.resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The script's path, or a RuntimeError saying where it was looked for.
    static func path() throws -> String {
        let script = executableDirectory.appendingPathComponent(bundleName).appendingPathComponent(fileName).path
        guard FileManager.default.fileExists(atPath: script) else {
            throw RuntimeError(file: script, "not found: the verifier script ships in the '\(bundleName)' directory beside the fcngc binary; copy or install it together with the binary")
        }
        return script
    }
}
