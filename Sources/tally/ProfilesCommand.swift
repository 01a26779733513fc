import ArgumentParser
import Foundation
import TallyDevices

/// `tally profiles list|validate`: the hardware profile library.
struct ProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "List or validate the hardware profiles (scanner and scale models).",
        discussion: """
            Profiles come from --profiles DIR, else $TALLY_PROFILES, else /etc/tally/hardware-profiles when \
            installed, else the checkout's hardware-profiles/ (searched upward from the current directory and \
            from the executable). Schema: hardware-profiles/README.md.
            """,
        subcommands: [List.self, Validate.self],
        defaultSubcommand: List.self
    )

    /// The `--profiles DIR` option shared by the profile and device commands.
    struct DirectoryOption: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("The hardware profile directory.", valueName: "dir"), completion: .directory)
        var profiles: String?

        /// The directory to use, or exit with a message saying how to name one.
        func location() throws -> ProfileLocator.Location {
            guard let location = ProfileLocator().locate(explicit: profiles) else {
                ProfilesCommand.printError("""
                    no hardware profile directory found: pass --profiles DIR, set \(ProfileLocator.environmentVariable), \
                    install to \(ProfileLocator.defaultInstalledDirectory), or run inside a Tally checkout
                    """)
                throw ExitCode.failure
            }
            return location
        }

        /// Loads every profile, or prints every error and exits with failure.
        func load() throws -> (ProfileLocator.Location, [HardwareProfile]) {
            let found = try location()
            let validation = ProfileLoader.validate(directories: [found.directory])
            guard validation.isValid else {
                for error in validation.errors { ProfilesCommand.printError(error.description) }
                throw ExitCode.failure
            }
            return (found, validation.profiles)
        }
    }

    /// `tally profiles list [--json]`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the hardware profiles.")

        @OptionGroup var directory: DirectoryOption

        @Flag(name: .long, help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            let (location, profiles) = try directory.load()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let listing = Listing(profileDirectory: location.directory.path, profiles: profiles)
                print(String(decoding: try encoder.encode(listing), as: UTF8.self))
                return
            }
            print("\(profiles.count) profile\(profiles.count == 1 ? "" : "s") in \(location.directory.path) (\(location.origin.rawValue))")
            guard !profiles.isEmpty else { return }
            var rows = [["ID", "KIND", "TRANSPORT", "MATCH", "SETTINGS", "NAME"]]
            for profile in profiles {
                let settings: String
                if let scale = profile.scale {
                    settings = "\(scale.scaleProtocol.rawValue) \(profile.serial?.description ?? "") d=\(scale.division) \(scale.unit.rawValue)"
                } else if let scanner = profile.scanner {
                    var parts = [scanner.layout?.rawValue, "term=\(scanner.terminator.rawValue)"].compactMap { $0 }
                    if let serial = profile.serial { parts.append(serial.description) }
                    if scanner.aimIdentifiers { parts.append("aim") }
                    settings = parts.joined(separator: " ")
                } else {
                    settings = profile.serial?.description ?? "-"
                }
                rows.append([profile.id, profile.kind.rawValue, profile.transport.rawValue, profile.matchSummary, settings, profile.name])
            }
            print(ProfilesCommand.table(rows), terminator: "")
        }

        /// The JSON form of the listing.
        struct Listing: Encodable {
            var profileDirectory: String
            var profiles: [HardwareProfile]
        }
    }

    /// `tally profiles validate`.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every profile file; print each error with file, line and field.")

        @OptionGroup var directory: DirectoryOption

        func run() throws {
            let location = try directory.location()
            let validation = ProfileLoader.validate(directories: [location.directory])
            for error in validation.errors { print(error.description) }
            let files = validation.files.count
            let summary = "\(files) file\(files == 1 ? "" : "s") in \(location.directory.path): "
                + "\(validation.profiles.count) valid, \(validation.errors.count) error\(validation.errors.count == 1 ? "" : "s")"
            print(summary)
            if !validation.isValid { throw ExitCode.failure }
        }
    }

    // MARK: - Output helpers (shared with DevicesCommand)

    /// Writes one line to standard error.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("tally: \(message)\n".utf8))
    }

    /// Left-aligned columns separated by two spaces; the first row is the header.
    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = Array(repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var output = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                line += index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }
            while line.last == " " { line.removeLast() }
            output += line + "\n"
        }
        return output
    }
}
