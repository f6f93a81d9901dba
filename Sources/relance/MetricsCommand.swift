import ArgumentParser
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
        let context = try clock.readOnlyContext(for: try options.load())
        let snapshot = try MetricsSnapshot.collect(context)
        guard let textfile else {
            Console.out(snapshot.prometheusText, terminator: "")
            return
        }
        do {
            try MetricsTextfile.write(snapshot, directory: textfile)
        } catch {
            Console.error("relance: \(error)")
            throw ExitCode(1)
        }
    }
}
