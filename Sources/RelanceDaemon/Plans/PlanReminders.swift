import Foundation
import RelanceConfig
import RelanceCore
import RelanceStore

/// The rows a running payment plan puts in the store: its schedule, sent once when agreed, and
/// each unpaid instalment's reminders (`InstallmentRule`, pure), which replace the policy's
/// steps while the plan runs.
enum PlanReminders {
    /// The schedule's step name (one per plan).
    static func scheduleStep(_ planID: Int64) -> String { "plan-\(planID)" }

    static func installmentStep(_ planID: Int64, part: Int, moment: InstallmentRule.Reminder.Moment) -> String {
        "plan-\(planID)-\(part)-\(moment.rawValue)"
    }

    /// What the plan has received and where each part stands today.
    static func standings(_ plan: PlanRecord, invoice: Invoice, payments: [Payment], today: LocalDate) -> [InstallmentStanding] {
        InstallmentRule.standings(plan.parts, received: InstallmentRule.received(total: plan.total, invoice: invoice, payments: payments, on: today))
    }

    /// The instalment reminders to plan now, each on its sending day (a weekend or holiday moves it on).
    static func planned(_ plan: PlanRecord, invoice: Invoice, payments: [Payment], configuration: RelanceConfiguration,
                        at now: Date) -> [PlannedReminder] {
        let calendar = configuration.calendar
        let parts = standings(plan, invoice: invoice, payments: payments, today: calendar.localDate(of: now))
        return InstallmentRule.reminders(parts, daysBefore: configuration.people.planReminderDays, agreedOn: plan.agreedOn).map { reminder in
            let day = calendar.sendingDay(onOrAfter: reminder.date)
            let left = parts.first { $0.installment.number == reminder.part }?.left ?? plan.total
            return PlannedReminder(step: installmentStep(plan.id, part: reminder.part, moment: reminder.moment), kind: .installment,
                                   localDate: day, sendAt: calendar.slot(on: day), amount: left, arrangedID: plan.id, part: reminder.part)
        }
    }
}
