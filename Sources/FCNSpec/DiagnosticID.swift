// The stable ids of every diagnostic fcngc can emit. Ids never change meaning once
// released: scripts and tests match on them. Docs/Diagnostics.md lists them with examples.

public enum DiagnosticID: String, Codable, Sendable, CaseIterable {
    // Reading files and YAML
    case fileNotFound = "file-not-found"
    case yamlSyntax = "yaml-syntax"
    case aliasBudget = "alias-budget"
    case duplicateKey = "duplicate-key"
    case extendsCycle = "extends-cycle"
    case extendsTooDeep = "extends-too-deep"
    case specTooLarge = "spec-too-large"
    // Spec structure
    case unknownKey = "unknown-key"
    case wrongType = "wrong-type"
    case missingKey = "missing-key"
    case badValue = "bad-value"
    case unknownOp = "unknown-op"
    case duplicateLayer = "duplicate-layer"
    case unknownLayer = "unknown-layer"
    case cycle = "cycle"
    // Blocks (templates)
    case unknownBlock = "unknown-block"
    case unknownBlockParam = "unknown-block-param"
    case unknownParamReference = "unknown-param-reference"
    case badRepeat = "bad-repeat"
    case whenNotBoolean = "when-not-boolean"
    case blockRecursion = "block-recursion"
    case tooManyLayers = "too-many-layers"
    // Shapes
    case badKernel = "bad-kernel"
    case kernelTooLarge = "kernel-too-large"
    case channelMismatch = "channel-mismatch"
    case sizeMismatch = "size-mismatch"
    case groupMismatch = "group-mismatch"
    case sizeOverflow = "size-overflow"
    case inputTooSmall = "input-too-small"
    // Crops and strides
    case cropOffsetFraction = "crop-offset-fraction"
    case cropOffsetNegative = "crop-offset-negative"
    case cropTooSmall = "crop-too-small"
    case scaleMismatch = "scale-mismatch"
    case notConnected = "not-connected"
    case strideMismatch = "stride-mismatch"
    // Warnings
    case unusedLayer = "unused-layer"
    case suspiciousValue = "suspicious-value"
    case learnedUpsampler = "learned-upsampler"
}
