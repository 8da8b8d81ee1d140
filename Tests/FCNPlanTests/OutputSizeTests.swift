import XCTest
@testable import FCNPlan

final class OutputSizeTests: XCTestCase {
    func testCaffeRules() throws {
        // FCN-8s at 500: conv1_1 pad 100 -> 698; pool1 k2 s2 ceil -> 349; upscore8 k16 s8 on 70 -> 568.
        XCTAssertEqual(try OutputSize.conv(500, kernel: 3, stride: 1, pad: 100, dilation: 1).get(), 698)
        XCTAssertEqual(try OutputSize.pool(697, kernel: 2, stride: 2, pad: 0, rounding: .ceil).get(), 349)
        XCTAssertEqual(try OutputSize.pool(697, kernel: 2, stride: 2, pad: 0, rounding: .floor).get(), 348)
        XCTAssertEqual(try OutputSize.deconv(70, kernel: 16, stride: 8, pad: 0, dilation: 1).get(), 568)
        // Caffe drops a last window that would start in the right padding.
        XCTAssertEqual(try OutputSize.pool(3, kernel: 2, stride: 2, pad: 1, rounding: .ceil).get(), 2)
        XCTAssertEqual(OutputSize.conv(2, kernel: 7, stride: 1, pad: 0, dilation: 1), .failure(.kernelTooLarge(paddedInput: 2, extent: 7)))
        XCTAssertEqual(OutputSize.conv(OutputSize.maxSize + 1, kernel: 1, stride: 1, pad: 0, dilation: 1), .failure(.overflow))
    }
}
