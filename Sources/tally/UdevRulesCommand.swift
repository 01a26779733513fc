import ArgumentParser
import Foundation
import TallyDevices

/// `tally udev-rules [--profiles DIR] [--output FILE]`: the udev rules generated from the hardware
/// profiles (group access, `/dev/tally/` links, keyboard suppression), on standard output or in a file.
struct UdevRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udev-rules",
        abstract: "Print the udev rules generated from the hardware profiles.",
        discussion: """
            The rules give the tally group access (mode 0660) to the USB scanners and USB-serial scales the \
            profiles match, tag them with ENV{ID_TALLY_PROFILE}, link them as /dev/tally/<kind>-<identity>, and \
            keep keyboard-wedge scanners whose profile sets suppress-host-keyboard out of the host session. \
            The checkout commits the result as udev-rules/\(UdevRules.fileName) (`\(UdevRules.regenerateCommand)` \
            regenerates it); `make install` puts it in /etc/udev/rules.d/.
            """
    )

    @OptionGroup var directory: ProfilesCommand.DirectoryOption

    @Option(name: .long, help: ArgumentHelp("Write the rules to this file instead of standard output.", valueName: "file"),
            completion: .file())
    var output: String?

    func run() throws {
        let (_, profiles) = try directory.load()
        let rules = UdevRules.generate(profiles: profiles)
        guard let output, output != "-" else {
            FileHandle.standardOutput.write(Data(rules.utf8))
            return
        }
        do {
            try Data(rules.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            ProfilesCommand.printError("cannot write \(output): \(error.localizedDescription)")
            throw ExitCode.failure
        }
    }
}
