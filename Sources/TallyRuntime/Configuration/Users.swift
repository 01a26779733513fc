import Foundation

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
