import ArgumentParser
import Foundation
import RelanceDaemon
import RelanceFormats
import RelanceMail

/// `relance review [--json]`: the messages `[review]` holds for a person.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "review", abstract: "List the messages held for review.")

    @Flag(help: "JSON output.") var json = false
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        // On a shared store: the customers with a held message, copied locally (SharedLocalCopy).
        let held = try clock.reading(configuration, purpose: "review", selection: .customersWithHeldReminders) { try ReviewActions(context: $0).list() }
        if json {
            Console.out(JSONWriter.serialize(.object([("held", .array(held.map { item in
                .object([("id", .number(String(item.reminder.id))), ("invoice", .string(item.reminder.invoiceID)), ("step", .string(item.reminder.step)),
                         ("kind", .string(item.reminder.kind.rawValue)), ("date", .string(item.reminder.localDate.iso)),
                         ("customer", .string(item.customer)), ("amountDue", item.amount.map { .string($0.decimalString) } ?? .null),
                         ("heldByPerson", .bool(item.heldByPerson))])
            }))]), pretty: true))
            return
        }
        if held.isEmpty { Console.out("nothing held"); return }
        for item in held {
            Console.out("\(item.reminder.id)  \(item.reminder.localDate.iso)  \(item.reminder.invoiceID)  \(item.reminder.step)  \(item.customer)  "
                        + "\(item.amount.map { "\($0)" } ?? "")\(item.heldByPerson ? "  (held by a person)" : "")")
        }
        Console.out("relance show ID; relance approve ID… | --all; relance hold ID [--until D]")
    }
}

/// `relance show ID [--eml FILE]`: a held message exactly as it would go.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a held message as it would go: headers, text, attachments.")

    @Argument(help: "The held message's number (relance review).") var id: Int64
    @Option(help: "Write the whole message (RFC 5322, CRLF) to this file.") var eml: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let id = id
        let message = try ActionRunner.refusing {
            guard let shared = configuration.store else { return try ReviewActions(context: try clock.context(for: configuration)).show(id) }
            // On a shared store: decided on a local copy of the customers with a held message, as it
            // would go, its invoice's document read from the store.
            return try SharedStoreAccess.withStore(shared) { store in
                try clock.reading(configuration, purpose: "show", selection: .customersWithHeldReminders) {
                    try ReviewActions(context: $0).show(id, attachmentsFrom: store)
                }
            }
        }
        if let eml {
            try Data(message.data).write(to: URL(fileURLWithPath: eml), options: .atomic)
            Console.out(eml)
            return
        }
        Console.out(MessageSummary.text(message))
    }
}

/// `relance approve ID… | --all`.
struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve held messages: they go at the next send slot.")

    @Argument(help: "Held messages' numbers.") var ids: [Int64] = []
    @Flag(help: "Every held message.") var all = false
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func validate() throws {
        guard all != !ids.isEmpty else { throw ValidationError("name the messages, or --all") }
    }

    func run() throws {
        let configuration = try options.load()
        let chosen = all ? nil : ids
        try ActionRunner.perform(copying: .heldReminders(ids: chosen), configuration: configuration, clock: clock) { try ReviewActions(context: $0).approve(chosen) }
    }
}

/// `relance hold ID [--until D]`.
struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hold", abstract: "Keep a held message from going, for good or until a date.")

    @Argument(help: "The held message's number.") var id: Int64
    @Option(help: "Review it again on this date, YYYY-MM-DD.") var until: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let day = try DateArgument.parse(until, option: "until"), id = id
        try ActionRunner.perform(copying: .heldReminders(ids: [id]), configuration: configuration, clock: clock) { try ReviewActions(context: $0).hold(id, until: day) }
    }
}

/// A message for a person's eyes: its headers, its text part decoded, its attachments' names.
enum MessageSummary {
    static func text(_ message: OutgoingMessage) -> String {
        let raw = String(decoding: message.data, as: UTF8.self)
        let headerEnd = raw.range(of: "\r\n\r\n")?.lowerBound ?? raw.endIndex
        var out = String(raw[..<headerEnd]).replacingOccurrences(of: "\r\n", with: "\n") + "\n\n"
        if let parsed = try? MIMEParser.parse(message.data) {
            out += parsed.bodyText
            let names = parsed.root.allParts.compactMap { part in part.parameters["name"] ?? part.parameters["filename"] }
            if !names.isEmpty { out += "\n\nattachments: " + names.joined(separator: ", ") }
        }
        return out
    }
}
