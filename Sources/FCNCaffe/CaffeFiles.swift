// Reading Caffe's two files with swift-protobuf and the generated subset of caffe.proto:
// the prototxt (protobuf text format) and the .caffemodel (binary NetParameter). Both
// become a list of V2 layers, each with its place in the file.

import Foundation
import FCNSpec
import SwiftProtobuf

/// One layer of a net, V1 layers upgraded, with where it is written.
public struct CaffeLayer: Sendable {
    public var param: Caffe_LayerParameter
    /// The layer's `name:` in the prototxt (the file alone for a caffemodel).
    public var location: SourceLocation
    /// Where fields inside the layer block first appear (`offset`, `coeff`, ...).
    public var fieldLocations: [String: SourceLocation]

    public var name: String { param.name }
    public var type: String { param.type }

    func at(_ field: String) -> SourceLocation { fieldLocations[field] ?? location }
}

public struct CaffeNetFile: Sendable {
    public var path: String
    public var net: Caffe_NetParameter
    public var layers: [CaffeLayer]
    /// Where top-level fields are (`input`, `input_dim`).
    var topLevel: [String: SourceLocation]
    /// Every occurrence of a repeated top-level field (the `input:` of each input).
    var topLevelEach: [String: [SourceLocation]] = [:]

    public var isV1: Bool { !net.layers.isEmpty }

    /// Reads a prototxt. Unknown fields are an error, except in layers whose type fcngc cannot
    /// import anyway: then the type is what the error names (see NetImporter).
    public static func readPrototxt(_ path: String) throws -> CaffeNetFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaffeImportError(.io, "cannot read the file", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CaffeImportError(.syntax, "not UTF-8 text (is this a .caffemodel? give it with --caffemodel)", file: path)
        }
        let locator = PrototxtLocator(text: text, file: path)
        let net: Caffe_NetParameter
        var strictError: Error?
        do {
            net = try Caffe_NetParameter(textFormatString: text)
        } catch {
            // A second, lenient pass: if it succeeds, the unknown field belongs to something
            // the importer reports more precisely (a layer type it cannot import); if not,
            // the text is malformed.
            strictError = error
            var lenient = TextFormatDecodingOptions()
            lenient.ignoreUnknownFields = true
            do {
                net = try Caffe_NetParameter(textFormatString: text, options: lenient)
            } catch {
                throw CaffeImportError(.syntax, "not a Caffe prototxt: \(describe(error))", file: path)
            }
        }
        var file = CaffeNetFile(path: path, net: net, layers: [], topLevel: locator.topLevel, topLevelEach: locator.topLevelEach)
        let whole = SourceLocation(file: path, line: 1, column: 1)
        func block(_ blocks: [PrototxtLocator.Block], _ i: Int) -> PrototxtLocator.Block {
            i < blocks.count ? blocks[i] : PrototxtLocator.Block(start: whole)
        }
        for (i, l) in net.layer.enumerated() {
            let b = block(locator.layer, i)
            file.layers.append(CaffeLayer(param: l, location: b.nameLocation, fieldLocations: b.nested))
        }
        for (i, l) in net.layers.enumerated() {
            let b = block(locator.layers, i)
            file.layers.append(CaffeLayer(param: l.upgraded, location: b.nameLocation, fieldLocations: b.nested))
        }
        if let strictError {
            // Only acceptable when some layer is of a type we reject with a better message.
            guard file.layers.contains(where: { !CaffeLayerMapping.isKnownType($0.type) }) else {
                throw CaffeImportError(.syntax, "not a Caffe prototxt fcngc can read: \(describe(strictError)) (fcngc's schema is Sources/FCNCaffe/Proto/caffe-subset.proto)", file: path)
            }
        }
        return file
    }

    /// Reads a .caffemodel (binary NetParameter; V1 or V2 layers; blobs with `shape` or legacy dims).
    public static func readCaffemodel(_ path: String) throws -> CaffeNetFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaffeImportError(.io, "cannot read the file", file: path)
        }
        let net: Caffe_NetParameter
        do {
            net = try Caffe_NetParameter(serializedBytes: data)
        } catch {
            throw CaffeImportError(.badCaffemodel, "not a readable caffemodel: \(describe(error))", file: path)
        }
        let here = SourceLocation(file: path, line: 0, column: 0)
        let layers = net.layer.map { CaffeLayer(param: $0, location: here, fieldLocations: [:]) }
            + net.layers.map { CaffeLayer(param: $0.upgraded, location: here, fieldLocations: [:]) }
        if layers.isEmpty, !data.isEmpty {
            throw CaffeImportError(.badCaffemodel, "not a caffemodel: it holds no layers", file: path)
        }
        return CaffeNetFile(path: path, net: net, layers: layers, topLevel: [:])
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case let e as TextFormatDecodingError:
            switch e {
            case .malformedText: return "malformed protobuf text"
            case .malformedNumber: return "a malformed number"
            case .trailingGarbage: return "text after the end of the message"
            case .truncated: return "the text ends in the middle of a message"
            case .invalidUTF8: return "invalid UTF-8 in a string"
            case .schemaMismatch: return "a value of the wrong type for its field"
            case .missingFieldNames: return "field names missing from the generated code"
            case .unknownField: return "a field that is not in Caffe's schema"
            case .unrecognizedEnumValue: return "an enum value that is not in Caffe's schema"
            case .conflictingOneOf: return "conflicting oneof fields"
            case .internalExtensionError: return "an internal swift-protobuf error"
            case .messageDepthLimit: return "messages nested too deeply"
            }
        case let e as BinaryDecodingError:
            switch e {
            case .truncated: return "the file ends in the middle of a message (truncated?)"
            case .malformedProtobuf: return "malformed protobuf data"
            case .messageDepthLimit: return "messages nested too deeply"
            case .trailingGarbage: return "data after the end of the message"
            case .invalidUTF8: return "invalid UTF-8 in a string"
            case .missingRequiredFields: return "required fields missing"
            case .internalExtensionError: return "an internal swift-protobuf error"
            }
        default:
            return "\(error)"
        }
    }
}
