// `fcngc --version`: the tool's version and the plan format it reads and writes.

import FCNPlan

enum FCNGCVersion {
    static let tool = "0.1.0"
    static var text: String { "fcngc \(tool) (plan format \(Plan.formatName) \(Plan.formatVersion))" }
}
