// The entry points every fuzz target calls: one C-callable function per input format, each
// taking raw bytes and running them through the same code the CLI runs on a file. They never
// trap on any input (that is the property the fuzzers check); a clean error is a pass.
//
// Called by the libFuzzer driver (Fuzz/Driver, built by Scripts/fuzz.sh with
// -sanitize=fuzzer,address) and by FuzzReplayTests, which replays the committed corpus and
// crashers on every test run. Docs/Robustness.md explains the set-up.

import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

public enum FuzzEntries {
    /// Every target, by the name Scripts/fuzz.sh and the corpus directories use.
    public static let targets: [String: (UnsafeRawBufferPointer) -> Void] = [
        "spec": spec, "safetensors": safetensors, "npy": npy, "image": image, "label": label, "plan": plan,
    ]

    /// Spec text -> YAML -> ModelSpec -> every analysis pass -> plan passes. The spec is named
    /// as if in a directory that does not exist, so `extends:` and backbone files are not read.
    public static func spec(_ bytes: UnsafeRawBufferPointer) {
        let diagnostics = Diagnostics()
        let name = "/fcngc-fuzz-nonexistent/spec.yaml"
        guard let text = String(validating: bytes, as: UTF8.self),
              let root = YAMLComposer(file: name, diagnostics: diagnostics).compose(text),
              let spec = SpecLoader(diagnostics: diagnostics, catalog: OpRegistry.catalog).readModel(root, file: name),
              !diagnostics.hasErrors else { return }
        var options = CompileOptions(input: Pair(37, 45))
        options.sizeLimit = 64   // the valid-size proof per axis: 64 sizes, not 4096 (speed)
        guard let c = Pipeline.compile(spec, options: options, diagnostics: diagnostics) else { return }
        _ = PlanPipeline.run(c)
    }

    /// Safetensors bytes: header validation, then every loadable tensor read.
    public static func safetensors(_ bytes: UnsafeRawBufferPointer) {
        guard let file = try? SafetensorsFile(bytes: Array(bytes), name: "fuzz.safetensors") else { return }
        for e in file.entries where e.dtype.isLoadable { _ = try? file.tensor(e) }
    }

    /// .npy bytes, then the checks a network input gets.
    public static func npy(_ bytes: UnsafeRawBufferPointer) {
        guard let t = try? NPY.decode(bytes, name: "fuzz.npy") else { return }
        _ = try? NetworkInputCheck.check(t, file: "fuzz.npy")
    }

    /// PNG or JPEG bytes to RGB, then preprocessing (with a pixel limit that keeps one
    /// input's memory small).
    public static func image(_ bytes: UnsafeRawBufferPointer) {
        Images.maxPixels = 1 << 20
        guard let img = try? Images.decode(bytes, name: "fuzz.img") else { return }
        _ = try? Images.preprocess(img, order: "bgr", mean: [1, 2, 3], scale: 1)
    }

    /// A saved plan (`fcngc run PLAN.json`): decoding, then the checks made before running it.
    public static func plan(_ bytes: UnsafeRawBufferPointer) {
        guard let p = try? PlanFile.decode(Data(bytes), file: "fuzz.json") else { return }
        _ = VerifyPlan.problems(p, forRunning: true)
    }

    /// Label PNG bytes to class indices.
    public static func label(_ bytes: UnsafeRawBufferPointer) {
        Images.maxPixels = 1 << 20
        _ = try? LabelPNG.decode(bytes, path: "fuzz.png")
    }
}

/// C entry: runs target `name` on `size` bytes at `data`; returns 0, or -1 for an unknown target.
@_cdecl("fcngc_fuzz_one")
public func fcngcFuzzOne(_ name: UnsafePointer<CChar>, _ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let entry = FuzzEntries.targets[String(cString: name)] else { return -1 }
    entry(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
