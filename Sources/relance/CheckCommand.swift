import ArgumentParser
import RelanceConfig

/// `relance check`: validates the configuration and lists every problem with its line.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate the configuration file; exit 0 when valid, 1 otherwise.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = try options.load()
        let policies = configuration.policies.map { "\($0.name) (\($0.steps.count) steps)" }.joined(separator: ", ")
        Console.out("\(options.path): ok; policies: \(policies)")
    }
}
