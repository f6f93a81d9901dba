import Foundation
import RelanceCore

/// `[people]`: who owns the tasks relance sets (the credit controller by default, a customer's
/// `owner` for theirs) and how long a task holds the steps after it.
extension ConfigurationReader {
    mutating func people() -> PeopleSettings {
        let section = table(root, "people", required: false) ?? .table([])
        allowOnly(section, "people", ["controller", "task_grace_days", "promise_grace_days", "plan_grace_days", "plan_reminder_days", "digest_time"])
        var settings = PeopleSettings(controller: string(section, "people.controller", required: false), taskGraceDays: 3)
        if let days = integer(section, "people.task_grace_days") {
            if (0...30).contains(days) { settings.taskGraceDays = days } else { problem("people.task_grace_days", "must be between 0 and 30") }
        }
        if let days = integer(section, "people.promise_grace_days") {
            if (0...30).contains(days) { settings.promiseGraceDays = days } else { problem("people.promise_grace_days", "must be between 0 and 30") }
        }
        if let days = integer(section, "people.plan_grace_days") {
            if (0...30).contains(days) { settings.planGraceDays = days } else { problem("people.plan_grace_days", "must be between 0 and 30") }
        }
        if let days = integer(section, "people.plan_reminder_days") {
            if (0...30).contains(days) { settings.planReminderDays = days } else { problem("people.plan_reminder_days", "must be between 0 and 30") }
        }
        if let text = string(section, "people.digest_time", required: false) {
            if let time = WallClockTime(text) { settings.digestTime = time } else { problem("people.digest_time", "\"\(text)\" is not a time HH:MM (24-hour)") }
        }
        if settings.digestTime != nil, let controller = settings.controller, (try? EmailAddress(controller)) == nil {
            problem("people.controller", "the daily digest goes to the controller by e-mail: \"\(controller)\" is not an address")
        }
        return settings
    }
}
