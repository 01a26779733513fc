import ArgumentParser
import Foundation
import TallyRuntime
import TallyServer

/// `tally token --user NAME --role ROLE`: a new API token, and the configuration entry that grants it.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make an API token for a user and print the users entry for the configuration.",
        discussion: """
            Prints a new random token (give it to the user: it is shown once and stored nowhere) and the YAML \
            entry to add under users: in the configuration (/etc/tally/tally.yaml), which holds only the token's \
            SHA-256. Restart the service after editing the configuration.
            """
    )

    @Option(help: ArgumentHelp("The user's name (recorded with every write they make).", valueName: "name"))
    var user: String

    @Option(help: ArgumentHelp("viewer, operator or supervisor.", valueName: "role"))
    var role: String

    func validate() throws {
        guard Role(rawValue: role) != nil else {
            throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")) (found \(role))")
        }
        guard !user.isEmpty, !user.contains(where: { $0.isNewline || $0 == "\"" || $0 == "\\" }) else {
            throw ValidationError("--user must be a non-empty name without quotes, backslashes or line breaks")
        }
    }

    func run() throws {
        let token = UserDirectory.makeToken()
        print("""
            token: \(token)
            # Add under users: in the configuration (only the hash is stored), then restart tally:
              - name: "\(user)"
                role: \(role)
                token-sha256: "\(UserDirectory.hash(token))"
            """)
    }
}
