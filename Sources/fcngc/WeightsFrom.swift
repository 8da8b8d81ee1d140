// `fcngc weights NEW.yaml --from OLD.safetensors -o NEW.safetensors [--init random:S]`: the new
// variant's weights started from an old one's (see WeightTransfer), and a report of where
// every tensor came from. Same-named tensors of the same shape are copied, new skip score
// layers zeroed, so the new net starts out computing the old one's scores up to the
// difference between the two upsampling ladders (exactly, where the ladders agree).

import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

enum WeightsFrom {
    static func run(runner: ModelRunner, plan: Plan, from old: String, to output: String, seed: UInt64) throws -> String {
        let graph = try runner.compilation(nil).graph
        let file = try SafetensorsFile(path: old)
        let transfer = try WeightTransfer(plan: plan, zeroLayers: Set(graph.sumOnlyConvolutions), from: file, seed: seed)
        try transfer.store.write(to: output)
        return report(transfer, old: old, output: output, seed: seed)
    }

    static func report(_ t: WeightTransfer, old: String, output: String, seed: UInt64) -> String {
        func params(_ o: WeightTransfer.Origin) -> Int {
            t.entries.filter { $0.origin == o }.reduce(0) { $0 + $1.shape.reduce(1, *) }
        }
        var out = "\(output): \(t.entries.count) tensors from \(old)\n"
        let lines: [(WeightTransfer.Origin, String)] = [
            (.copied, "same layer and shape in the old file"),
            (.zeroed, "new layers that only feed a sum, which passes the old path through unchanged"),
            (.initialised, "learned upsamplers, started as their spec's init says"),
            (.random, "He-initialised (seed \(seed)): the old file lacks them or has another shape; training must learn them"),
        ]
        for (origin, what) in lines where t.count(origin) > 0 {
            let head = "\(origin.rawValue):".padding(toLength: 13, withPad: " ", startingAt: 0)
            out += "  \(head)\(t.count(origin)) tensors, \(Format.grouped(params(origin))) parameters: \(what)\n"
        }
        var table = TextTable(["tensor", "shape", "from", "note"])
        for e in t.entries where e.origin != .copied {
            table.add([e.name, e.shape.map(String.init).joined(separator: "x"), e.origin.rawValue, e.note])
        }
        for u in t.unused { table.add([u.name, "", "unused", u.reason]) }
        if !table.rows.isEmpty { out += "\n" + table.render() + "\n" }
        return out
    }
}
