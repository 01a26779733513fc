import ArgumentParser

/// The `tally` command: chain-of-custody for IT-asset loading docks.
@main
struct Tally: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Chain-of-custody for IT-asset loading docks: scanners, scales, manifests, alerts.",
        discussion: """
            State is kept in one SQLite file: --db PATH, else $TALLY_STATE/tally.sqlite, else \
            /var/lib/tally/tally.sqlite when installed, else ./tally-state/tally.sqlite.
            """,
        subcommands: [
            DemoCommand.self, ManifestCommand.self, LoadCommand.self, AlertsCommand.self, AckCommand.self, ResolveCommand.self,
            LogCommand.self, ReplayCommand.self, IngestCommand.self, ReportCommand.self, ServeCommand.self, ConsoleCommand.self,
            DecodeCommand.self, DevicesCommand.self, ListenCommand.self, ScaleCommand.self, ProfilesCommand.self,
            UdevRulesCommand.self, TokenCommand.self, BenchCommand.self,
        ]
    )
}

/// The `--db` option shared by every command that opens the custody database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file.", valueName: "path"))
    var db: String?
}
