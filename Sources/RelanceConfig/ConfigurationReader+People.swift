import Foundation
import RelanceCore

/// `[people]`: who owns the tasks relance sets (the credit controller by default, a customer's
/// `owner` for theirs) and how long a task holds the steps after it.
extension ConfigurationReader {
    mutating func people() -> PeopleSettings {
        let section = table(root, "people", required: false) ?? .table([])
        allowOnly(section, "people", ["controller", "task_grace_days", "promise_grace_days"])
        var settings = PeopleSettings(controller: string(section, "people.controller", required: false), taskGraceDays: 3)
        if let days = integer(section, "people.task_grace_days") {
            if (0...30).contains(days) { settings.taskGraceDays = days } else { problem("people.task_grace_days", "must be between 0 and 30") }
        }
        if let days = integer(section, "people.promise_grace_days") {
            if (0...30).contains(days) { settings.promiseGraceDays = days } else { problem("people.promise_grace_days", "must be between 0 and 30") }
        }
        return settings
    }
}
