// The importer's errors, rendered the way the compiler's diagnostics are:
//   NET.prototxt:412:3: error: layer 'bn1' has type 'BatchNorm', which fcngc cannot import [caffe-unsupported-layer]
// Binary files (a .caffemodel) have no lines: their errors name the file and the layer/blob.
// Every message has a stable id; Docs/Importing.md lists them.

import FCNSpec

public enum CaffeDiagnosticID: String, Sendable, CaseIterable {
    /// The prototxt is not protobuf text format of Caffe's schema.
    case syntax = "caffe-syntax"
    /// A layer type fcngc has no equivalent for.
    case unsupportedLayer = "caffe-unsupported-layer"
    /// A supported layer type with a setting fcngc has no equivalent for (leaky ReLU, ...).
    case unsupportedSetting = "caffe-unsupported-setting"
    /// A bottom that no earlier layer or input produces, or a net without an input.
    case unknownBlob = "caffe-unknown-blob"
    /// A net fcngc can analyse but its spec language cannot express (inputs of different sizes).
    case notExpressible = "caffe-not-expressible"
    /// A crop offset written in the prototxt differs from the derived one.
    case offsetDisagrees = "caffe-offset-disagrees"
    /// The .caffemodel cannot be read (truncated, not a NetParameter).
    case badCaffemodel = "caffe-bad-caffemodel"
    /// A blob of the .caffemodel has the wrong shape, or a layer's blobs are missing.
    case blobMismatch = "caffe-blob-mismatch"
    /// The written spec does not compile to the prototxt's net (a bug in the importer).
    case internalMismatch = "caffe-internal"
    /// A file cannot be read or written.
    case io = "caffe-io"
}

public struct CaffeImportError: Error, Sendable, CustomStringConvertible {
    public var id: CaffeDiagnosticID
    public var message: String
    /// `path:line:col` for text files, the path alone for binary ones.
    public var place: String?
    public var notes: [String]

    public init(_ id: CaffeDiagnosticID, _ message: String, at location: SourceLocation?, notes: [String] = []) {
        self.id = id
        self.message = message
        self.place = location?.description
        self.notes = notes
    }

    public init(_ id: CaffeDiagnosticID, _ message: String, file: String?, notes: [String] = []) {
        self.id = id
        self.message = message
        self.place = file
        self.notes = notes
    }

    /// `place: error: message [id]`, then one `note:` line per note.
    public var description: String {
        let head = (place.map { "\($0): " } ?? "") + "error: \(message) [\(id.rawValue)]"
        return ([head] + notes.map { (place.map { "\($0): " } ?? "") + "note: \($0)" }).joined(separator: "\n")
    }
}

/// Errors already printed by the compiler's diagnostic printer (the compiled spec failed).
public struct CaffeCompileFailed: Error, Sendable {
    public var diagnostics: [Diagnostic]
}

/// Several errors found together (every construct the spec language cannot express).
public struct CaffeImportErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [CaffeImportError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
