import ArgumentParser

/// The `relance` command line: thin commands that parse flags and call the targets.
@main
struct Relance: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relance",
        abstract: "A self-hosted payment-reminder daemon.",
        discussion: "Every command reads --config FILE (default $RELANCE_CONFIG, else /etc/relance/relance.toml).",
        version: VersionText.full,
        subcommands: [
            RunCommand.self, CheckCommand.self, PreviewCommand.self, PlanCommand.self, StatusCommand.self,
            PaidCommand.self, PauseCommand.self, ResumeCommand.self, SendTestCommand.self, InspectCommand.self, ReportCommand.self, MetricsCommand.self,
            RatesCommand.self, ResolveCommand.self, LetterCommand.self, ExportCommand.self, TasksCommand.self, TaskCommand.self, PromiseCommand.self, InstallmentsCommand.self, PaymentsCommand.self, ReviewCommand.self, ShowCommand.self, ApproveCommand.self, HoldCommand.self,
            MigrateCommand.self,
        ]
    )
}
