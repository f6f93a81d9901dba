import ArgumentParser
import Foundation
import RelanceCore
import RelanceDaemon
import RelanceMail
import RelanceTransport

/// `relance send-test --to ADDRESS`: one test message through the configured transport, and the server's answer.
struct SendTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-test", abstract: "Send one test message through the configured transport and print the server's answer.")

    @Option(help: "Recipient of the test message.") var to: String
    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = try options.load()
        let recipient: EmailAddress
        do { recipient = try EmailAddress(to) } catch { throw ValidationError("--to: \(error)") }
        let transport: any MailTransport
        do { transport = try DaemonContext.makeTransport(configuration) } catch {
            Console.error("relance: \(error)")
            throw ExitCode(1)
        }
        let now = SystemClock().now()
        let zone = configuration.company.timeZone
        let id = "<relance.test.\(MessageID.fnv1a(ZonedDateTime.iso8601(now, in: zone) + to))@\(configuration.company.email.domain)>"
        let text = [
            "Date: \(MessageComposer.rfc5322Date(now, in: zone))",
            "From: \(HeaderEncoding.mailbox(name: configuration.company.name, address: configuration.company.email.value))",
            "To: \(recipient.value)",
            "Subject: relance test message",
            "Message-ID: \(id)",
            "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "This is a test message from relance, sent with relance send-test.",
            "",
        ].joined(separator: "\r\n")
        let outcome = transport.send(OutgoingMessage(messageID: id, envelopeFrom: configuration.company.email.value,
                                                     recipients: [recipient.value], data: Array(text.utf8)))
        switch outcome {
        case .delivered(let reply): Console.out("delivered: \(reply)")
        case .deferred(let reason): Console.out("deferred (would be retried): \(reason)"); throw ExitCode(1)
        case .failed(let reason): Console.out("failed: \(reason)"); throw ExitCode(1)
        case .uncertain(let reason): Console.out("uncertain: \(reason)"); throw ExitCode(1)
        }
    }
}
