import ArgumentParser
import RelanceConfig
import RelanceDaemon

/// `relance metrics [--textfile DIR]`: the Prometheus metrics, printed or
/// written as `DIR/relance.prom` for node_exporter's textfile collector
/// (from a timer, when the daemon's own `paths.metrics_dir` is not used).
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Print Prometheus metrics, or write them to DIR/relance.prom.")

    @Option(help: "Write relance.prom into this folder (atomically) instead of printing.") var textfile: String?
    @OptionGroup var options: ConfigOptions
    @OptionGroup var clock: HiddenClockOption

    func run() throws {
        let configuration = try options.load()
        let text: String
        if let shared = configuration.store {
            // A PostgreSQL store: the instances' own counters (the invoices' metrics need the store port, not built yet).
            text = InstancesView.prometheus(try SharedStoreAccess.instances(of: try SharedStoreAccess.open(shared)))
        } else {
            text = try MetricsSnapshot.collect(try clock.readOnlyContext(for: configuration)).prometheusText
        }
        guard let textfile else { return Console.out(text, terminator: "") }
        do {
            try MetricsTextfile.write(text: text, directory: textfile)
        } catch {
            Console.error("relance: \(error)")
            throw ExitCode(1)
        }
    }
}
