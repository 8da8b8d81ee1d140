// A 2x2, stride-2 max pooling fused into a Winograd F(m,3) convolution (m even, undilated):
// every pooling window lies inside one m x m output tile, so the output transform pools each
// tile's outputs (after bias and ReLU) and writes only the pooled plane; the conv's own output
// is never stored. A window that reaches past the conv's output (ceil rounding on an odd size)
// takes the maximum of the outputs inside it.

/// The pooled output of a conv with a fused 2x2 stride-2 max pool: its height and width
/// (ceil or floor of the conv's output size / 2, as the pool's rounding says).
public struct WinogradPool: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public init(height: Int, width: Int) { self.height = height; self.width = width }
}
