import Foundation
import TallyStore

/// What a user may do. Each role includes the ones below it.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Reads loads, alerts, reports and the live stream.
    case viewer
    /// Also posts scans, weights, assignments and device events.
    case `operator`
    /// Also acknowledges and resolves alerts, seals (with override), transfers custody and imports manifests.
    case supervisor

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A user of the API: a name (recorded as the `user` of every write) and a role.
public struct User: Sendable, Hashable, Codable {
    public var name: String
    public var role: Role

    /// Creates a user.
    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }
}

/// Why a users file cannot be used.
public struct UserDirectoryError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// The users the server knows, found by token. Tokens are kept only as SHA-256 hashes (hex).
///
/// The users file is JSON:
/// `{"users": [{"name": "dana", "role": "supervisor", "token_sha256": "<64 hex digits>"}]}`.
public struct UserDirectory: Sendable {
    private var byHash: [String: User] = [:]

    /// An empty directory (every request with a token gets 401).
    public init() {}

    /// The users, each with the SHA-256 hex of its token.
    public init(hashedUsers: [(user: User, tokenSHA256: String)]) {
        for entry in hashedUsers { byHash[entry.tokenSHA256.lowercased()] = entry.user }
    }

    /// Reads a users file (format above).
    public init(contentsOf path: String) throws(UserDirectoryError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw UserDirectoryError(description: "\(path): cannot read the users file: \(error.localizedDescription)")
        }
        struct Entry: Decodable {
            var name: String
            var role: String
            var token_sha256: String
        }
        struct File: Decodable { var users: [Entry] }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw UserDirectoryError(description: "\(path): not a users file ({\"users\": [{\"name\", \"role\", \"token_sha256\"}]}): \(error)")
        }
        for (index, entry) in file.users.enumerated() {
            guard let role = Role(rawValue: entry.role) else {
                throw UserDirectoryError(description: "\(path): user \(index + 1) (\(entry.name)): unknown role \"\(entry.role)\" (viewer, operator, supervisor)")
            }
            let hash = entry.token_sha256.lowercased()
            guard hash.count == 64, SHA256.bytes(hex: hash) != nil else {
                throw UserDirectoryError(description: "\(path): user \(index + 1) (\(entry.name)): token_sha256 must be 64 hex digits")
            }
            byHash[hash] = User(name: entry.name, role: role)
        }
    }

    /// Adds a user with a plain token (only its hash is kept).
    public mutating func add(_ user: User, token: String) {
        byHash[Self.hash(token)] = user
    }

    /// The user holding `token`, if any.
    public func user(token: String) -> User? { byHash[Self.hash(token)] }

    /// The number of users.
    public var count: Int { byHash.count }

    /// The SHA-256 hex of a token, as the users file stores it.
    public static func hash(_ token: String) -> String { SHA256.hex(SHA256.hash(Array(token.utf8))) }

    /// A new random token (32 random bytes, hex).
    public static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return SHA256.hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
