// swift-tools-version:6.1
import PackageDescription

// Release builds target x86-64-v3 so SIMD addProduct becomes a real FMA.
let fastFlags: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-march=x86-64-v3", "-Ounchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "fcngc",
    products: [
        .executable(name: "fcngc", targets: ["fcngc"]),
        .library(name: "FCNCompiler", targets: ["FCNCompiler"]),
        .library(name: "FCNPlan", targets: ["FCNPlan"]),
        .library(name: "FCNRuntime", targets: ["FCNRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // No traits: with its default two, SwiftPM passes their -D flags in a varying order,
        // so `swift build --build-tests` and `swift test` rebuilt SwiftProtobuf in turn.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0", traits: []),
    ],
    targets: [
        // C libraries from Debian, each behind a small system-library target.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", providers: [.apt(["libjpeg62-turbo-dev"])]),
        // Our own register-blocked GEMM (AVX-512 / AVX2 micro-kernels chosen at run time, portable
        // fallback), in C with intrinsics; compiled without -march (target attributes per kernel).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))]),

        // YAML -> spec values that remember their source locations.
        .target(name: "FCNSpec", dependencies: ["CYAML"]),
        // The execution plan as a value (Codable, versioned) and its invariants: what the compiler
        // produces and the runtime runs. Depends on nothing.
        .target(name: "FCNPlan"),
        // Op registry, graph IR, passes (shapes, coordinate maps, crops, fusion, memory), lowering to a Plan.
        .target(name: "FCNCompiler", dependencies: ["FCNSpec", "FCNPlan"]),
        // Tensors, kernels, interpreter, weights and images. Reads a Plan, never YAML or the compiler.
        .target(name: "FCNRuntime", dependencies: ["FCNPlan", "COpenBLAS", "CKernels", "CPNG", "CJPEG"],
                swiftSettings: fastFlags),
        // Naive, obviously-correct reference kernels: the definition fast kernels are checked against.
        .target(name: "FCNTestSupport", dependencies: ["FCNRuntime", "FCNCompiler"]),
        // ONNX export (protobuf code generated from our own subset of onnx.proto).
        .target(name: "FCNONNX", dependencies: [
            "FCNCompiler", "FCNRuntime", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["Proto/onnx-subset.proto"]),
        // Caffe import: prototxt + caffemodel -> spec + safetensors (code generated from our own
        // subset of caffe.proto), every written crop offset audited against the derived one.
        .target(name: "FCNCaffe", dependencies: [
            "FCNCompiler", "FCNPlan", "FCNRuntime", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["Proto/caffe-subset.proto"]),
        // Thin CLI, one file per subcommand. `verify`'s Python side ships as a resource (a
        // bundle beside the binary), so a copied or installed fcngc finds it.
        .executableTarget(name: "fcngc", dependencies: [
            "FCNCompiler", "FCNRuntime", "FCNONNX", "FCNCaffe", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], resources: [.copy("Resources/onnx_verify.py")], swiftSettings: fastFlags),

        // Fuzzing (Docs/Robustness.md): C-callable entries over every reader, and the libFuzzer
        // driver (a C main that replays files in an ordinary build; Scripts/fuzz.sh builds it
        // with -sanitize=fuzzer,address).
        .target(name: "FCNFuzzEntries", dependencies: ["FCNRuntime", "FCNCompiler"]),
        .executableTarget(name: "fcngc-fuzz-driver", dependencies: ["FCNFuzzEntries"], path: "Fuzz/Driver"),

        .testTarget(name: "FCNSpecTests", dependencies: ["FCNSpec", "FCNCompiler"], exclude: ["Fixtures"]),
        .testTarget(name: "FCNPlanTests", dependencies: ["FCNPlan"]),
        .testTarget(name: "FCNCompilerTests", dependencies: ["FCNCompiler"], exclude: ["Fixtures", "Golden"]),
        .testTarget(name: "FCNRuntimeTests", dependencies: ["FCNRuntime", "FCNTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FCNCLITests", dependencies: ["fcngc", "FCNRuntime"]),
        .testTarget(name: "FCNONNXTests", dependencies: ["FCNONNX", "FCNTestSupport"]),
        .testTarget(name: "FCNCaffeTests", dependencies: ["FCNCaffe", "FCNTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FuzzReplayTests", dependencies: ["FCNFuzzEntries", "FCNPlan"]),
    ],
    swiftLanguageModes: [.v5]
)
