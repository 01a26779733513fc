import Foundation
import TallyRuntime
import TallyStore

/// The users the server knows, found by token. Tokens are kept only as SHA-256 hashes (hex).
///
/// Users come from the service configuration (``ServiceConfiguration/users``), or are added with a
/// plain token for one run.
public struct UserDirectory: Sendable {
    private var byHash: [String: User] = [:]

    /// An empty directory (every request with a token gets 401).
    public init() {}

    /// The users, each with the SHA-256 hex of its token.
    public init(hashedUsers: [(user: User, tokenSHA256: String)]) {
        for entry in hashedUsers { byHash[entry.tokenSHA256.lowercased()] = entry.user }
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
