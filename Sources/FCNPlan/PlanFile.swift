// A plan as a file: the JSON `fcngc compile --emit json` writes and `fcngc run plan.json`
// reads. Reading checks the format name and version and then every invariant the runtime
// relies on (VerifyPlan), so a hand-edited or damaged plan is refused with a message, never run.

import Foundation

public struct PlanFileError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let message: String
    public var description: String { "\(file): \(message)" }
}

public enum PlanFile {
    public static func encode(_ plan: Plan) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try enc.encode(plan) + Data("\n".utf8)
    }

    /// Decodes and verifies a plan; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws -> Plan {
        struct Header: Decodable { var format: String?; var version: Int? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw PlanFileError(file: file, message: "not a JSON object (a plan is what `fcngc compile --emit json` writes)")
        }
        guard header.format == "fcngc-plan" else {
            throw PlanFileError(file: file, message: "not an fcngc plan (its \"format\" is \(header.format.map { "'\($0)'" } ?? "missing"), expected 'fcngc-plan')")
        }
        guard header.version == Plan.formatVersion else {
            throw PlanFileError(file: file, message: "plan format version \(header.version.map(String.init) ?? "missing"); this fcngc reads version \(Plan.formatVersion): compile the spec again")
        }
        let plan: Plan
        do {
            plan = try JSONDecoder().decode(Plan.self, from: data)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw PlanFileError(file: file, message: "missing key '\(key.stringValue)' at \(path(ctx))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw PlanFileError(file: file, message: "wrong type at \(path(ctx)): \(ctx.debugDescription)")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw PlanFileError(file: file, message: "null value at \(path(ctx))")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw PlanFileError(file: file, message: "bad value at \(path(ctx)): \(ctx.debugDescription)")
        }
        let problems = VerifyPlan.problems(plan, forRunning: true)
        guard problems.isEmpty else {
            throw PlanFileError(file: file, message: "invalid plan: " + problems.prefix(5).joined(separator: "; ")
                                + (problems.count > 5 ? " (and \(problems.count - 5) more)" : ""))
        }
        return plan
    }

    static func path(_ ctx: DecodingError.Context) -> String {
        let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        return p.isEmpty ? "the top level" : String(p.drop { $0 == "." })
    }
}
