import Foundation
import RelanceCore

/// `[review]`: messages held for a person before they go (safe mode).
extension ConfigurationReader {
    /// `enabled = true`, `kinds = ["formal-notice"]` (only those; default every kind), `on_timeout = "wait" | "send"`.
    mutating func review() -> ReviewSettings {
        let section = table(root, "review", required: false) ?? .table([])
        allowOnly(section, "review", ["enabled", "kinds", "on_timeout"])
        var settings = ReviewSettings(enabled: bool(section, "review.enabled") ?? false, kinds: nil, sendOnTimeout: false)
        if let names = strings(section, "review.kinds") {
            var kinds = Set<StepKind>()
            for (index, name) in names.enumerated() {
                if let kind = StepKind(rawValue: name) { kinds.insert(kind) } else { problem("review.kinds[\(index)]", "\"\(name)\" is not a step kind") }
            }
            settings.kinds = kinds
        }
        if let timeout = string(section, "review.on_timeout", required: false) {
            switch timeout {
            case "wait": settings.sendOnTimeout = false
            case "send": settings.sendOnTimeout = true
            default: problem("review.on_timeout", "\"\(timeout)\" is not \"wait\" or \"send\"")
            }
        }
        return settings
    }
}
