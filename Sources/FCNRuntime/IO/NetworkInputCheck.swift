// A tensor read from a file to be fed to a network: checked, with the file named, before
// any compilation at its size (a zero or absurd size would otherwise be blamed on the spec).

public enum NetworkInputCheck {
    /// Largest H or W accepted (the CLI's --input takes the same bound).
    public static let maxSide = 1_000_000

    /// The tensor is N,C,H,W with every dimension at least 1 and H, W at most `maxSide`.
    public static func check(_ t: Tensor, file: String) throws {
        guard t.rank == 4 else {
            throw RuntimeError(file: file, "input tensor must have 4 dimensions (N, C, H, W); it has \(t.rank): shape \(t.shape)")
        }
        let names = ["batch (N)", "channels (C)", "height (H)", "width (W)"]
        for (i, d) in t.shape.enumerated() where d < 1 {
            throw RuntimeError(file: file, "input tensor has \(d) \(names[i]) in shape \(t.shape); every dimension must be at least 1")
        }
        guard t.h <= maxSide, t.w <= maxSide else {
            throw RuntimeError(file: file, "input tensor of \(t.h)x\(t.w) is larger than \(maxSide) in height or width")
        }
    }

    /// The tensor's channel count is the model's.
    public static func check(_ t: Tensor, file: String, modelChannels: Int) throws {
        guard t.c == modelChannels else {
            throw RuntimeError(file: file, "input tensor has \(t.c) channels (shape \(t.shape)); the model takes \(modelChannels)")
        }
    }
}
