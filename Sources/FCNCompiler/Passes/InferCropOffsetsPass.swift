// Derives every crop offset from exact coordinate maps (Caffe's coord_map, with rationals).
//
// Algorithm. Each node gets the affine map (per axis) from network-input coordinates to its
// own: conv/pool compose `x/s + (p - (k_ext-1)/2)/s`, deconv `s*x + (k_ext-1)/2 - p`,
// element-wise layers pass the map through. For `crop X like R`, the map taking X's
// coordinates to R's is  M_R ∘ M_X⁻¹ = (a, b). Then:
//   a != 1          -> scale-mismatch (X and R are at different strides)
//   b not integer   -> crop-offset-fraction (the grids are misaligned by a half pixel, say)
//   b > 0           -> crop-offset-negative (R starts before X: nothing to crop)
//   otherwise the offset is -b, and the crop's own map is M_R.
// Both axes are checked, and each failing axis is reported with its own strides and offsets.
// A sum's inputs must have equal maps; a different `a` is a scale mismatch, a different
// `b` a misalignment. Head-generated crops report a stride mismatch on the step's
// `upsample:` with the stride that would fit. `CropExplanation` records the chains.

import FCNPlan
import FCNSpec

public final class InferCropOffsetsPass {
    public let diagnostics: Diagnostics
    var reportedHeadStride = false
    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    public static func layerMap(_ n: Node) -> CoordMap? {
        let p = n.params
        func axis(_ i: Int) -> AxisMap {
            switch n.op.definition.coord {
            case .convLike: return .conv(kernel: p.kernel[i], stride: p.stride[i], pad: p.pad[i], dilation: p.dilation[i])
            case .deconvLike: return .deconv(kernel: p.kernel[i], stride: p.stride[i], pad: p.pad[i], dilation: p.dilation[i])
            case .crop: return .crop(offset: n.cropOffset?[i] ?? 0)
            case .elementwise, .source, .resample: return .identity
            }
        }
        return CoordMap(h: axis(0), w: axis(1))
    }

    public func run(_ g: inout Graph) {
        reportedHeadStride = false
        for id in g.nodes.indices {
            var n = g[id]
            switch n.op.definition.coord {
            case .source:
                n.map = .identity
            case .crop:
                let x = n.inputs[0], r = n.like ?? 0
                guard let mx = g[x].map, let mr = g[r].map else { break }
                guard let rel = composed(mr, mx.inverse, n) else { break }
                if let offsets = check(n, rel, g) {
                    n.cropOffset = offsets
                    n.map = mr
                }
            case .resample:
                // On the grid of the layer it is resampled to (see ResizeOp).
                n.map = g[n.like ?? 0].map
            case .elementwise where n.inputs.count > 1:
                // A sum: its inputs must line up. An input whose crop failed has no map: leave the
                // sum (and all after it) unmapped rather than report follow-on errors against a
                // path that is already wrong.
                guard n.inputs.allSatisfy({ g[$0].map != nil }) else { break }
                n.map = g[n.inputs[0]].map
                for j in n.inputs.dropFirst() { checkSum(n, n.inputs[0], j, g) }
            case .elementwise, .convLike, .deconvLike:
                guard let m = g[n.inputs[0]].map, let own = Self.layerMap(n) else { break }
                n.map = composed(own, m, n)
            }
            g[id] = n
        }
    }

    /// Numerators and denominators of every derived map stay within this bound (real
    /// networks need a few thousand), so later exact arithmetic on maps and strides
    /// (crop checks, receptive fields, explanations) cannot overflow.
    public static let mapLimit = 1 << 30

    /// `f ∘ g` per axis, computed in 128-bit integers; nil (with a size-overflow error at `n`)
    /// when the result does not fit `mapLimit`. `f.after(g)` would trap on overflow instead.
    func composed(_ f: CoordMap, _ g: CoordMap, _ n: Node) -> CoordMap? {
        if let h = Self.checkedAfter(f.h, g.h), let w = Self.checkedAfter(f.w, g.w) { return CoordMap(h: h, w: w) }
        diagnostics.error(.sizeOverflow,
            "the coordinate map of '\(n.name)' is too large to represent exactly (its strides, kernels and pads multiply beyond \(Self.mapLimit))",
            at: n.location)
        return nil
    }

    static func checkedAfter(_ f: AxisMap, _ g: AxisMap) -> AxisMap? {
        typealias Q = (n: Int128, d: Int128)
        func gcd(_ a: Int128, _ b: Int128) -> Int128 { b == 0 ? a : gcd(b, a % b) }
        // Operands are below 2^62, so each product and sum fits in 128 bits before reducing.
        func reduced(_ n: Int128, _ d: Int128) -> Q? {
            let g = max(gcd(abs(n), abs(d)), 1), sign: Int128 = d < 0 ? -1 : 1
            let r = (n: sign * n / g, d: sign * d / g)
            return abs(r.n) < 1 << 62 && r.d < 1 << 62 ? r : nil
        }
        func q(_ r: Rational) -> Q { (Int128(r.num), Int128(r.den)) }
        guard let a = reduced(q(f.a).n * q(g.a).n, q(f.a).d * q(g.a).d),
              let ab = reduced(q(f.a).n * q(g.b).n, q(f.a).d * q(g.b).d),
              let b = reduced(ab.n * q(f.b).d + q(f.b).n * ab.d, ab.d * q(f.b).d) else { return nil }
        guard [a.n, a.d, b.n, b.d].allSatisfy({ abs($0) <= Int128(mapLimit) }) else { return nil }
        return AxisMap(a: Rational(Int(a.n), Int(a.d)), b: Rational(Int(b.n), Int(b.d)))
    }

    /// Offsets (y, x) for a crop whose X->R map is `rel`, or nil after reporting why not.
    /// Every failing axis is reported, each with its own strides and offsets; once, without
    /// naming an axis, when both fail with the same message.
    func check(_ n: Node, _ rel: CoordMap, _ g: Graph) -> Pair? {
        let x = g[n.inputs[0]], r = g[n.like ?? 0]
        let failing = (0..<2).filter { rel[$0].a != .one || !rel[$0].b.isInteger || rel[$0].b > .zero }
        guard !failing.isEmpty else { return Pair(-rel.h.b.num, -rel.w.b.num) }
        if let axis = failing.first(where: { rel[$0].a != .one }), let step = n.headStep,
           reportHeadStride(n, x, step, axis: axis, g) {
            return nil
        }
        // A written graph: the upsampler's stride that would fit, as for the head (square strides only).
        if failing.contains(where: { rel[$0].a != .one }), n.headStep == nil, rel.h.a == rel.w.a, reportGraphStride(n, x, r, g) {
            return nil
        }
        let plain = failing.map { cropProblem(n, x, r, rel, axis: $0, qualifier: "") }
        if plain.count == 2, plain[0] == plain[1] {
            diagnostics.add(plain[0])
        } else {
            for axis in failing { diagnostics.add(cropProblem(n, x, r, rel, axis: axis, qualifier: Self.axisNames[axis])) }
        }
        return nil
    }

    static let axisNames = ["height", "width"]

    /// Why `x` cannot be cropped like `r` on `axis` (whose X->R map is `rel[axis]`), naming
    /// the axis unless `qualifier` is empty.
    func cropProblem(_ n: Node, _ x: Node, _ r: Node, _ rel: CoordMap, axis: Int, qualifier: String) -> Diagnostic {
        let m = rel[axis], inAxis = qualifier.isEmpty ? "" : " in \(qualifier)", axisName = qualifier.isEmpty ? "" : " (\(qualifier))"
        if m.a != .one {
            let sx = x.map.map { Rational.one / $0[axis].a } ?? .one, sr = r.map.map { Rational.one / $0[axis].a } ?? .one
            return Diagnostic(.error, .scaleMismatch,
                "cannot crop '\(x.name)' (stride \(sx.description)) to '\(r.name)' (stride \(sr.description))\(inAxis): they are at different scales",
                at: n.location, notes: [.init("'\(x.name)' defined here", at: x.location), .init("'\(r.name)' defined here", at: r.location)])
        }
        if !m.b.isInteger {
            return Diagnostic(.error, .cropOffsetFraction,
                "cannot crop '\(x.name)' to '\(r.name)': offset \((-m.b).decimal)\(axisName) is not an integer",
                at: n.location, notes: chainNotes(x, r),
                fix: "the two paths' grids are misaligned by a fraction of a pixel; change a pad or kernel so (k-1)/2 - p stays integral")
        }
        return Diagnostic(.error, .cropOffsetNegative,
            "cannot crop '\(x.name)' to '\(r.name)': '\(r.name)' starts \(m.b.decimal) pixels before '\(x.name)'\(axisName) (offset \((-m.b).decimal))",
            at: n.location, notes: chainNotes(x, r), fix: "pad the reference path less, or the cropped path more (e.g. a larger pad on the first convolution)")
    }

    /// A head-generated crop at the wrong scale: reported at the step's `upsample:` with the
    /// factor that would fit. Only the first ladder step that is off is reported: later ones
    /// inherit its stride. False when the step has no upsampler to blame.
    func reportHeadStride(_ n: Node, _ x: Node, _ step: Int, axis: Int, _ g: Graph) -> Bool {
        guard let up = g.nodes.first(where: { $0.headStep == step && $0.op == .deconv }),
              let upIn = g[up.inputs[0]].map, let upMap = up.map else { return false }
        guard !reportedHeadStride else { return true }
        reportedHeadStride = true
        let sx = x.map.map { Rational.one / $0[axis].a } ?? .one
        let before = Rational.one / upIn[axis].a, after = Rational.one / upMap[axis].a
        let finalCrop = n.like == 0
        var tap = x
        if !finalCrop, let first = x.inputs.first {
            tap = g[first].op == .scale ? g[g[first].inputs[0]] : g[first]
        }
        let target = finalCrop ? Rational.one : sx
        let fit = before / target
        let want = fit.isInteger && fit.num >= 1 ? "write 'upsample: \(fit.num)'" : nil
        diagnostics.error(.strideMismatch,
            "after upsampling by \(up.params.stride[axis]) the path is at stride \(after.description), but \(finalCrop ? "the input is at stride 1" : "'\(tap.name)' is at stride \(target.description)")"
                + (want.map { "; \($0.replacingOccurrences(of: "write ", with: "")) would fit" } ?? ""),
            at: up.location, notes: [.init("the path before '\(up.name)' is at stride \(before.description)", at: g[up.inputs[0]].location)],
            fix: want)
        return true
    }

    func checkSum(_ n: Node, _ i: NodeID, _ j: NodeID, _ g: Graph) {
        guard let mi = g[i].map, let mj = g[j].map, mi != mj else { return }
        let a = g[i], b = g[j]
        let scaled = (0..<2).filter { mi[$0].a != mj[$0].a }
        guard scaled.isEmpty else {
            func message(_ axis: Int, _ qualifier: String) -> String {
                "sum '\(n.name)' adds '\(a.name)' (stride \((Rational.one / mi[axis].a).description)) and '\(b.name)' (stride \((Rational.one / mj[axis].a).description))\(qualifier)"
            }
            let plain = scaled.map { message($0, "") }
            let messages = plain.count == 2 && plain[0] == plain[1] ? [plain[0]] : scaled.map { message($0, " in \(Self.axisNames[$0])") }
            for text in messages {
                diagnostics.error(.scaleMismatch, text, at: n.location, notes: [.init("'\(b.name)' defined here", at: b.location)],
                                  fix: "upsample or pool one side so both are at the same stride")
            }
            return
        }
        diagnostics.error(.scaleMismatch,
            "sum '\(n.name)' adds '\(a.name)' and '\(b.name)', whose pixels are not aligned (maps \(mi) and \(mj))",
            at: n.location, notes: [.init("'\(b.name)' defined here", at: b.location)],
            fix: "crop one input like the other: {crop: NAME, from: \(b.name), like: \(a.name)}")
    }

    func chainNotes(_ x: Node, _ r: Node) -> [Diagnostic.Note] {
        [.init("'\(x.name)' maps input x to \(x.map?.description ?? "?")", at: x.location),
         .init("'\(r.name)' maps input x to \(r.map?.description ?? "?")", at: r.location)]
    }
}
