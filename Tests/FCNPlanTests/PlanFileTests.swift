// A saved plan is read back exactly, and a damaged, outdated or hostile one is refused with a
// message naming the file and what is wrong, before anything could run it.

import Foundation
import XCTest
@testable import FCNPlan

final class PlanFileTests: XCTestCase {
    /// A two-step plan: 3x8x8 input, conv 3x3 pad 1 to 4 channels, then ReLU, slots planned.
    static func tinyPlan() -> Plan {
        var conv = StepAttributes()
        conv.geometry = Geometry(kernel: [3, 3], stride: [1, 1], pad: [1, 1])
        conv.group = 1
        let steps = [
            Step(kind: .conv, inputs: [StepInput(value: 0, slot: 0, shape: [3, 8, 8])], value: 1, slot: 1, shape: [4, 8, 8],
                 attributes: conv, weights: [WeightRef(layer: "c1", .weight, shape: [4, 3, 3, 3]), WeightRef(layer: "c1", .bias, shape: [4])],
                 macs: 4 * 64 * 27, scratchBytes: 27 * 8 * 8 * 4, sources: [SourceRef(name: "c1", op: "conv", location: "m.yaml:1:1")]),
            Step(kind: .relu, inputs: [StepInput(value: 1, slot: 1, shape: [4, 8, 8])], value: 2, slot: 1, shape: [4, 8, 8],
                 attributes: StepAttributes(), weights: [], macs: 0, inPlace: true, sources: [SourceRef(name: "r1", op: "relu", location: "m.yaml:2:1")]),
        ]
        return Plan(model: "tiny", inputs: [PlanInput(name: "input", value: 0, shape: [3, 8, 8], slot: 0, preprocessing: .init(order: "rgb", mean: [], scale: 1))],
                    outputs: [PlanOutput(name: "r1", value: 2, shape: [4, 8, 8])], layers: [], steps: steps,
                    slots: [Slot(id: 0, offset: 0, bytes: 768), Slot(id: 1, offset: 768, bytes: 1024)],
                    memory: MemoryReport(arenaBytes: 1792, peakLiveBytes: 1792, noReuseBytes: 2816, scratchBytes: 27 * 64 * 4, weightBytes: 448),
                    totals: .init(params: 112, macs: 6912, graphMacs: 6912))
    }

    func decode(_ plan: Plan) throws -> Plan { try PlanFile.decode(try PlanFile.encode(plan), file: "p.json") }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    func testRoundTripIsExact() throws {
        let plan = Self.tinyPlan()
        XCTAssertEqual(VerifyPlan.problems(plan, forRunning: true), [])
        let data = try PlanFile.encode(plan)
        XCTAssertEqual(try PlanFile.encode(try PlanFile.decode(data, file: "p.json")), data)
    }

    func testRefusesOtherFilesAndVersions() {
        XCTAssertTrue(message { _ = try PlanFile.decode(Data("[1, 2]".utf8), file: "p.json") }.hasPrefix("p.json: not a JSON object"))
        XCTAssertTrue(message { _ = try PlanFile.decode(Data("{\"format\": \"onnx\"}".utf8), file: "p.json") }.contains("not an fcngc plan"))
        XCTAssertTrue(message { _ = try PlanFile.decode(Data("{\"format\": \"fcngc-plan\", \"version\": 1}".utf8), file: "p.json") }
            .contains("plan format version 1; this fcngc reads version 5"))
        XCTAssertTrue(message { _ = try PlanFile.decode(Data("{\"format\": \"fcngc-plan\", \"version\": 2}".utf8), file: "p.json") }
            .contains("plan format version 2; this fcngc reads version 5"))
        XCTAssertTrue(message { _ = try PlanFile.decode(Data("{\"format\": \"fcngc-plan\", \"version\": 3}".utf8), file: "p.json") }
            .contains("plan format version 3; this fcngc reads version 5"))
        XCTAssertTrue(message { _ = try PlanFile.decode(Data("{\"format\": \"fcngc-plan\", \"version\": 4}".utf8), file: "p.json") }
            .contains("plan format version 4; this fcngc reads version 5"))
        XCTAssertTrue(message { _ = try PlanFile.decode(Data("{\"format\": \"fcngc-plan\", \"version\": 5}".utf8), file: "p.json") }
            .contains("missing key"))
    }

    func testRefusesStepsTheKernelsCouldNotRunSafely() {
        var noGeometry = Self.tinyPlan()
        noGeometry.steps[0].attributes.geometry = nil
        XCTAssertTrue(message { _ = try decode(noGeometry) }.contains("needs kernel, stride, pad and dilation"))

        var wrongSize = Self.tinyPlan()
        wrongSize.steps[0].attributes.geometry?.pad = [0, 0]
        XCTAssertTrue(message { _ = try decode(wrongSize) }.contains("writes [4, 8, 8], but its [3, 8, 8] input gives [4, 6, 6]"))

        var badWeights = Self.tinyPlan()
        badWeights.steps[0].weights[0].shape = [4, 3, 5, 5]
        XCTAssertTrue(message { _ = try decode(badWeights) }.contains("its geometry needs [4, 3, 3, 3]"))

        var outsideArena = Self.tinyPlan()
        outsideArena.slots[1].offset = 1 << 20
        XCTAssertTrue(message { _ = try decode(outsideArena) }.contains("lies outside"))

        var badWindow = Self.tinyPlan()
        badWindow.steps[1].inputs[0].window = Window(y: 6, x: 0, h: 8, w: 8)
        XCTAssertTrue(message { _ = try decode(badWindow) }.contains("outside its [4, 8, 8] input"))

        var hugeShape = Self.tinyPlan()
        hugeShape.steps[1].shape = [1 << 40, 1 << 40, 4]
        XCTAssertTrue(message { _ = try decode(hugeShape) }.contains("has shape"))

        var outputNeverWritten = Self.tinyPlan()
        outputNeverWritten.outputs.append(PlanOutput(name: "ghost", value: 7, shape: [4, 8, 8]))
        XCTAssertTrue(message { _ = try decode(outputNeverWritten) }.contains("the output 'ghost' (v7) is never written"))

        var inputsOfTwoSizes = Self.tinyPlan()
        inputsOfTwoSizes.inputs.append(PlanInput(name: "depth", value: 1, shape: [1, 8, 9], slot: 0, preprocessing: .init(order: "rgb", mean: [], scale: 1)))
        XCTAssertTrue(message { _ = try decode(inputsOfTwoSizes) }.contains("inputs differ in size"))

        var tooLittleScratch = Self.tinyPlan()
        tooLittleScratch.memory?.scratchBytes = 16
        XCTAssertTrue(message { _ = try decode(tooLittleScratch) }.contains("needs more scratch"))
    }
}
