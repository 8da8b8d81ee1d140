// `fcngc bench` on a small network whose 3x3 convs are dilated and run on Winograd: every conv
// is timed with its own geometry (a dilated conv once ran with dilation 1 and crashed); and on a
// bottleneck network, whose fused residual convs are timed with their add.

import XCTest

final class BenchCLITests: XCTestCase {
    func testBenchTimesDilatedWinogradConvs() throws {
        let dir = try tempDir()
        let path = try spec(dir, "dilated.yaml", """
            name: dilated
            input: {channels: 3}
            graph:
              - {conv: stem, out: 16, kernel: 3, pad: 1}
              - {relu: stem_relu}
              - {conv: d2, out: 16, kernel: 3, pad: 2, dilation: 2}
              - {relu: d2_relu}
              - {conv: d3, out: 16, kernel: 3, pad: 3, dilation: 3}
              - {conv: score, out: 3, kernel: 1}
            output: score
            """)
        let r = try fcngc("bench", path, "--input", "23x19", "--threads", "2", "--repeat", "1", "--reference", "64",
                          "--no-network", "--conv-algorithm", "winograd")
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(rows.contains { $0.contains(" d2 ") && $0.contains("d2x2 winograd-f4x3") }, r.stdout)
        XCTAssertTrue(rows.contains { $0.contains(" d3 ") && $0.contains("d3x3 winograd-f4x3") }, r.stdout)
        XCTAssertTrue(r.stdout.contains("convs: "), r.stdout)
    }

    func testBenchTimesFusedResidualConvsWithTheirAdd() throws {
        // The bottleneck fixture's fused residuals (the fixture says which sums fuse): 1x1 convs, a
        // strided and a dilated im2col conv, a shortcut read through a crop window.
        let fixture = CLITests.root.appendingPathComponent("Tests/FCNRuntimeTests/Fixtures/bottleneck.yaml").path
        let r = try fcngc("bench", fixture, "--input", "24x20", "--threads", "2", "--repeat", "1", "--reference", "64", "--no-network")
        XCTAssertEqual(r.status, 0, r.stderr)
        let fused = r.stdout.split(separator: "\n").filter { $0.contains(" +add ") }
        XCTAssertEqual(fused.map { $0.split(separator: " ", omittingEmptySubsequences: true)[1] },
                       ["a_down", "b_conv3", "c_conv", "e_side", "g_conv2"], r.stdout)
    }
}
