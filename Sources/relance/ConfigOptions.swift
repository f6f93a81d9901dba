import ArgumentParser
import Foundation
import RelanceConfig

/// The `--config FILE` option every command takes.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $RELANCE_CONFIG, else /etc/relance/relance.toml).")
    var config: String?

    var path: String { config ?? ConfigurationLoader.defaultPath(environment: ProcessInfo.processInfo.environment) }

    /// Loads the configuration or exits 1 after printing every problem.
    func load() throws -> RelanceConfiguration {
        do {
            return try ConfigurationLoader.load(file: path)
        } catch {
            Console.error("relance: invalid configuration\n\(error.description)")
            throw ExitCode(1)
        }
    }
}

/// Writes to standard output and standard error.
enum Console {
    static func out(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
