import ArgumentParser
import Foundation
import RelanceCore
import RelanceDaemon
import RelanceFormats

/// `relance tasks [--due] [--owner O] [--json]`: the calls relance asks a person to make, each with
/// its call script and the customer's history.
struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tasks", abstract: "List the open tasks (calls to make), with what to say.")

    @Flag(help: "Only the tasks due today or before.") var due = false
    @Option(help: "Only this owner's tasks.") var owner: String?
    @Flag(help: "JSON output.") var json = false
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        // On a shared store: the customers with an open task, copied locally (SharedLocalCopy).
        let tasks = try clock.reading(configuration, purpose: "tasks", selection: .customersWithOpenTasks) { context in
            try TaskActions(context: context).list(dueOnly: due, owner: owner)
        }
        if json {
            Console.out(JSONWriter.serialize(.object([("tasks", .array(tasks.map { item in
                var fields: [(String, JSONValue)] = [
                    ("id", .number(String(item.task.id))), ("invoice", .string(item.task.invoiceID)), ("step", .string(item.task.step)),
                    ("kind", .string(item.task.kind.rawValue)), ("purpose", .string(item.task.purpose.rawValue)),
                    ("due", .string(item.task.due.iso)), ("graceUntil", .string(item.task.graceUntil.iso)),
                    ("customer", .string(item.customer.name)), ("amountDue", .string(item.balance.decimalString)),
                    ("currency", .string(item.balance.currency.code)), ("daysLate", .number(String(item.daysLate))),
                    ("attempts", .number(String(item.task.attempts))),
                    ("script", .array(item.script.map { .string($0) })), ("history", .array(item.history.map { .string($0) })),
                ]
                if let owner = item.task.owner { fields.append(("owner", .string(owner))) }
                if let detail = item.task.detail { fields.append(("detail", .string(detail))) }
                return .object(fields)
            }))]), pretty: true))
            return
        }
        if tasks.isEmpty { Console.out("no open task"); return }
        for item in tasks {
            Console.out("task \(item.task.id)  due \(item.task.due.iso)  \(item.task.invoiceID)  \(item.customer.name)  "
                        + "\(item.balance) due  owner \(item.task.owner ?? "-")")
            for line in item.script { Console.out("  \(line)") }
            for line in item.history { Console.out("  · \(line)") }
        }
    }
}

/// `relance task done ID --outcome paid|promise|dispute|no-answer|wrong-contact|other [--date D] [--note TEXT] [--confirm]`.
struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "task", abstract: "Record a task's outcome.", subcommands: [TaskDoneCommand.self])
}

struct TaskDoneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "done", abstract: "Record what the call found out: the outcome moves the chase (a promise pauses it, a dispute stops it…).")

    @Argument(help: "Task number (relance tasks).") var id: Int64
    @Option(help: "paid, promise, dispute, no-answer, wrong-contact or other.") var outcome: String
    @Option(help: "The date the customer gave (a promise), YYYY-MM-DD.") var date: String?
    @Option(help: "What was said, for the send log.") var note: String?
    @Flag(help: "Write the customer what was agreed (a promise, a payment they say they made, a dispute noted) at the next send slot.")
    var confirm = false
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func validate() throws {
        guard TaskOutcome(rawValue: outcome) != nil else {
            throw ValidationError("--outcome must be one of \(TaskOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let note, note.unicodeScalars.contains(where: { $0.value < 0x20 }) { throw ValidationError("--note must be one line") }
    }

    func run() throws {
        let configuration = try options.load()
        let day = try DateArgument.parse(date, option: "date")
        guard let outcome = TaskOutcome(rawValue: outcome) else { throw ExitCode(2) }
        let id = id, note = note, confirm = confirm
        guard let shared = configuration.store else {
            let context = try clock.context(for: configuration)
            try ActionRunner.perform { try TaskActions(context: context).done(taskID: id, outcome: outcome, date: day, note: note, confirm: confirm) }
            return
        }
        // On a shared store: the task's customer copied, the same action run on the copy, what it
        // changed written back under guards (SharedInvoiceAction).
        guard let invoice = try SharedStoreAccess.invoice(ofTask: id, in: try SharedStoreAccess.open(shared)) else {
            Console.error("relance: no task \(id)")
            throw ExitCode(1)
        }
        let wallClock = try ClockOption.clock(clock.now, zone: configuration.company.timeZone)
        try ActionRunner.perform {
            try SharedStoreAccess.changing(shared, .customerOf(invoiceID: invoice), configuration: configuration, clock: wallClock) {
                try TaskActions(context: $0).done(taskID: id, outcome: outcome, date: day, note: note, confirm: confirm)
            }
        }
    }
}
