import ArgumentParser
import Foundation
import RelanceConfig
import RelanceCore
import RelanceDaemon
import RelanceMail
import RelanceTransport

/// `relance check`: validates the configuration and lists every problem with its line.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate the configuration file; exit 0 when valid, 1 otherwise.")

    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        if let transport = configuration.transport {
            let problems = DaemonContext.smtpSettings(transport, company: configuration.company.email.value).problems
            guard problems.isEmpty else {
                Console.error("relance: invalid configuration\n" + problems.map { "\(options.path): transport: \($0)" }.joined(separator: "\n"))
                throw ExitCode(1)
            }
        }
        if let replies = configuration.replies {
            let problems = IMAPSettings(url: replies.url, tls: replies.tls == "none" ? .none : .required, username: replies.username).problems
            guard problems.isEmpty else {
                Console.error("relance: invalid configuration\n" + problems.map { "\(options.path): replies: \($0)" }.joined(separator: "\n"))
                throw ExitCode(1)
            }
        }
        if let store = configuration.store { _ = try SharedStoreAccess.location(store, exitCode: 1) }
        // What `run` would trip on: secrets it cannot read, folders it cannot create.
        var runProblems: [String] = []
        if let file = configuration.store?.passwordFile, let problem = SecretSource.problem(with: file) {
            runProblems.append("store.password_file: \(problem)")
        }
        if let file = configuration.transport?.passwordFile, let problem = SecretSource.problem(with: file) {
            runProblems.append("transport.password_file: \(problem)")
        }
        if let file = configuration.replies?.passwordFile, let problem = SecretSource.problem(with: file) {
            runProblems.append("replies.password_file: \(problem)")
        }
        let paths = configuration.paths
        for (key, folder) in [("paths.inbox", paths.inbox), ("paths.state_dir", paths.stateDirectory), ("paths.payments", paths.payments),
                              ("paths.send_log", (paths.sendLog as NSString).deletingLastPathComponent)] {
            if let problem = FolderCheck.problem(folder) { runProblems.append("\(key): \(problem)") }
        }
        guard runProblems.isEmpty else {
            Console.error("relance: invalid configuration\n" + runProblems.map { "\(options.path): \($0)" }.joined(separator: "\n"))
            throw ExitCode(1)
        }
        var steps: [(name: String, kind: StepKind)] = []
        for step in configuration.policies.flatMap(\.steps) where !steps.contains(where: { $0.name == step.name && $0.kind == step.kind }) {
            steps.append((step.name, step.kind))
        }
        let templateProblems = MessageTemplates(overrideDirectory: configuration.paths.templates).check(steps: steps)
        guard templateProblems.isEmpty else {
            Console.error("relance: templates\n" + templateProblems.map { "  \($0)" }.joined(separator: "\n"))
            throw ExitCode(1)
        }
        let policies = configuration.policies.map { "\($0.name) (\($0.steps.count) steps)" }.joined(separator: ", ")
        let delivery = configuration.transport.map { "SMTP \($0.url)" } ?? "outbox \(configuration.paths.outbox)"
        Console.out("\(options.path): ok; policies: \(policies); delivery: \(delivery)"
                    + (configuration.store.map { "; store: \($0.url), shared (docs/shared-store.md)" } ?? ""))
        // Not a configuration error, but said loudly: reminders show the compensation without the interest.
        let today = configuration.calendar.localDate(of: try ClockOption.clock(clock.now, zone: configuration.company.timeZone).now())
        for gap in configuration.referenceRates.missing(series: configuration.rateSeriesInUse, on: today) {
            Console.out("warning: no \(gap.series) reference rate for the half-year starting \(gap.halfYear.iso): late-payment interest is "
                        + "not computed for it (the fixed compensation still is); run relance rates update")
        }
        // A formal notice is a letter: without the company's postal address and identifiers it has no proper letterhead.
        let notices = configuration.policies.filter { $0.steps.contains { $0.kind == .formalNotice } }.map(\.name)
        if !notices.isEmpty {
            if configuration.company.address == nil {
                Console.out("warning: policies \(notices.joined(separator: ", ")) send a formal notice, but [company] has no address "
                            + "(address, postal_code, city): the letter goes without a letterhead address")
            }
            if configuration.company.identifiers.isEmpty {
                Console.out("warning: policies \(notices.joined(separator: ", ")) send a formal notice, but [company] names no siret, vat_id or register "
                            + "for the letter's footer")
            }
        }
    }
}

/// Whether a folder exists and can be written, or could be created: checked without creating it.
enum FolderCheck {
    static func problem(_ folder: String) -> String? {
        var path = (folder as NSString).standardizingPath
        var isDirectory: ObjCBool = false
        // The nearest existing ancestor decides: it must be a writable folder.
        while !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            let parent = (path as NSString).deletingLastPathComponent
            guard parent != path, !parent.isEmpty else { return "\(folder) cannot be created" }
            path = parent
        }
        guard isDirectory.boolValue else { return "\(path) is a file, so \(folder) cannot be a folder" }
        guard access(path, W_OK) == 0 else {
            return path == (folder as NSString).standardizingPath ? "\(folder) is not writable" : "\(folder) cannot be created (\(path) is not writable)"
        }
        return nil
    }
}
