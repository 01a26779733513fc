import Foundation
import TallyDevices
import Yams

/// A service configuration file that cannot be used, naming the file, line, column and field.
///
/// `description` reads like a compiler diagnostic:
/// `/etc/tally/tally.yaml:14:9: stations[1].devices[0]: zebra-ds2208:S1 is already bound to door-1 (line 9)`.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration file.
    public var file: String
    /// 1-based line, when the error has a place in the file.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// The field as a dotted path (`server.port`, `stations[0].devices[1].profile`), when it concerns one.
    public var field: String?
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int? = nil, column: Int? = nil, field: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    init(_ error: ProfileError) {
        self.init(file: error.file, line: error.line, column: error.column, field: error.field, message: error.message)
    }

    /// `file:line:column: field: message`.
    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return "\(location): \(field.map { "\($0): " } ?? "")\(message)"
    }
}

/// What `tally serve` runs: where the log and profiles are, where the API listens, who may use it, and
/// which device serves which station.
///
/// The file is YAML (`/etc/tally/tally.yaml` once installed; `config/tally.yaml` in the checkout is a
/// commented sample). Every key is optional:
///
/// ```yaml
/// database: /var/lib/tally/tally.sqlite
/// profiles: /etc/tally/hardware-profiles
/// server: {host: 127.0.0.1, port: 8080}
/// users:
///   - {name: dana, role: supervisor, token-sha256: "<64 hex digits>"}
/// stations:
///   - name: door-1
///     devices:
///       - zebra-ds2208:S21EP0123            # by identity (tally devices)
///       - {port: /dev/ttyS0, profile: mettler-toledo-ind570, identity: floor-scale-1}
/// unbound-devices: ignore                  # or the station that devices no station lists serve
/// ```
///
/// Unknown keys, repeated keys, a device bound to two stations and a port listed twice are errors
/// that name the line.
public struct ServiceConfiguration: Sendable, Hashable {
    /// A device a station lists.
    public enum DeviceEntry: Sendable, Hashable {
        /// A discovered device (USB scanner, or scale behind a USB-serial adapter) by its identity.
        case identity(String)
        /// A scale on a fixed serial port, read with `profile`; its events carry `identity`.
        case port(path: String, profile: String, identity: String)

        /// The identity the device's events carry.
        public var identity: String {
            switch self {
            case .identity(let identity), .port(_, _, let identity): identity
            }
        }
    }

    /// A station (dock door, scale station) and the devices that serve it.
    public struct Station: Sendable, Hashable {
        /// The station name events carry.
        public var name: String
        /// Its devices, in file order.
        public var devices: [DeviceEntry]
        /// The line each device is written on (same order), for later errors.
        public var deviceLines: [Int]

        /// Creates a station.
        public init(name: String, devices: [DeviceEntry], deviceLines: [Int] = []) {
            self.name = name
            self.devices = devices
            self.deviceLines = deviceLines.count == devices.count ? deviceLines : Array(repeating: 0, count: devices.count)
        }
    }

    /// What to do with a device that no station lists.
    public enum UnboundDevices: Sendable, Hashable {
        /// Leave it alone (it is listed as unbound, with a warning).
        case ignore
        /// Read it for this station (with a warning).
        case station(String)
    }

    /// An API user, with the SHA-256 (hex) of its token.
    public struct ConfiguredUser: Sendable, Hashable {
        /// The user.
        public var user: User
        /// Lowercase hex SHA-256 of the token.
        public var tokenSHA256: String

        /// Creates an entry.
        public init(user: User, tokenSHA256: String) {
            self.user = user
            self.tokenSHA256 = tokenSHA256
        }
    }

    /// The file this was read from (nil for the built-in default).
    public var file: String?
    /// The custody log, when the file names one.
    public var database: String?
    /// The hardware profile directory, when the file names one.
    public var profiles: String?
    /// The address the API binds.
    public var host: String
    /// The port the API listens on.
    public var port: Int
    /// The API users.
    public var users: [ConfiguredUser]
    /// The stations, in file order.
    public var stations: [Station]
    /// Where devices no station lists go.
    public var unboundDevices: UnboundDevices

    /// The default: loopback on 8080, no users, no stations, unbound devices ignored.
    public init(
        file: String? = nil, database: String? = nil, profiles: String? = nil, host: String = "127.0.0.1", port: Int = 8080,
        users: [ConfiguredUser] = [], stations: [Station] = [], unboundDevices: UnboundDevices = .ignore
    ) {
        self.file = file
        self.database = database
        self.profiles = profiles
        self.host = host
        self.port = port
        self.users = users
        self.stations = stations
        self.unboundDevices = unboundDevices
    }

    /// The station a device identity is bound to: the one that lists it, else the unbound-device
    /// station, else nil (the device is not read).
    public func station(for identity: String) -> String? {
        for station in stations where station.devices.contains(where: { $0.identity == identity }) { return station.name }
        if case .station(let name) = unboundDevices { return name }
        return nil
    }

    /// Whether a station lists the identity (as opposed to it falling to `unbound-devices`).
    public func lists(_ identity: String) -> Bool {
        stations.contains { $0.devices.contains { $0.identity == identity } }
    }

    /// The scales on fixed ports, with their stations.
    public var fixedPortScales: [(station: String, path: String, profile: String, identity: String)] {
        stations.flatMap { station in
            station.devices.compactMap { entry in
                guard case .port(let path, let profile, let identity) = entry else { return nil }
                return (station.name, path, profile, identity)
            }
        }
    }

    /// Checks the fixed-port entries against the loaded profiles: each must name a scale profile.
    public func check(profiles loaded: [HardwareProfile]) throws(ConfigurationError) {
        let byID = Dictionary(loaded.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (stationIndex, station) in stations.enumerated() {
            for (index, entry) in station.devices.enumerated() {
                guard case .port(_, let profileID, _) = entry else { continue }
                let field = "stations[\(stationIndex)].devices[\(index)].profile"
                let line = station.deviceLines[index] == 0 ? nil : station.deviceLines[index]
                guard let profile = byID[profileID] else {
                    let known = loaded.filter { $0.kind == .scale }.map(\.id).joined(separator: ", ")
                    throw ConfigurationError(file: file ?? "configuration", line: line, field: field,
                                             message: "no hardware profile \"\(profileID)\" (scale profiles: \(known))")
                }
                guard profile.kind == .scale, profile.transport == .serial else {
                    throw ConfigurationError(file: file ?? "configuration", line: line, field: field,
                                             message: "profile \(profileID) is a \(profile.kind.rawValue) on \(profile.transport.rawValue); a port entry needs a serial scale profile")
                }
            }
        }
    }

    // MARK: - Locating and loading

    /// The environment variable that names the configuration file.
    public static let environmentVariable = "TALLY_CONFIG"
    /// The installed configuration file.
    public static let installedPath = "/etc/tally/tally.yaml"

    /// The file to use: `explicit`, else `$TALLY_CONFIG`, else `/etc/tally/tally.yaml` when it exists,
    /// else nil (run with the defaults).
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit { return explicit }
        if let named = environment[environmentVariable], !named.isEmpty { return named }
        return FileManager.default.fileExists(atPath: installedPath) ? installedPath : nil
    }

    /// Reads and checks a configuration file.
    public static func load(file path: String) throws(ConfigurationError) -> ServiceConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, message: "cannot read the configuration file")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigurationError(file: path, message: "the configuration file is not valid UTF-8")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses configuration YAML; errors name `file`.
    public static func parse(yaml: String, file: String) throws(ConfigurationError) -> ServiceConfiguration {
        do {
            return try ConfigurationParser(reader: ProfileParser(file: file)).parse(yaml: yaml)
        } catch {
            throw ConfigurationError(error)
        }
    }
}

/// Reads the configuration document with the profile loader's checked field readers.
private struct ConfigurationParser {
    let reader: ProfileParser

    func parse(yaml: String) throws(ProfileError) -> ServiceConfiguration {
        var configuration = ServiceConfiguration(file: reader.file)
        let root = try reader.compose(yaml: yaml)
        let fields = try reader.fields(root, path: "", allowed: ["database", "profiles", "server", "users", "stations", "unbound-devices"])
        configuration.database = try reader.string(fields, "database", required: false)?.value
        configuration.profiles = try reader.string(fields, "profiles", required: false)?.value
        if let server = reader.present(fields, "server") {
            let serverFields = try reader.fields(server, path: "server", allowed: ["host", "port"])
            if let host = try reader.string(serverFields, "host", required: false)?.value { configuration.host = host }
            if let port = try reader.integer(serverFields, "port", range: 0...65535) { configuration.port = port }
        }
        if let users = reader.present(fields, "users") { configuration.users = try parseUsers(users) }
        if let stations = reader.present(fields, "stations") { configuration.stations = try parseStations(stations) }
        if let unbound = try reader.string(fields, "unbound-devices", required: false) {
            configuration.unboundDevices = unbound.value == "ignore" ? .ignore : .station(unbound.value)
        }
        return configuration
    }

    private func list(_ node: Node, _ path: String, _ example: String) throws(ProfileError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw reader.error(.invalidValue, path, node.mark, "must be a list (\(example)), found \(reader.describe(node))")
        }
        return Array(sequence)
    }

    private func parseUsers(_ node: Node) throws(ProfileError) -> [ServiceConfiguration.ConfiguredUser] {
        var users: [ServiceConfiguration.ConfiguredUser] = []
        var lineOfName: [String: Int] = [:]
        var lineOfHash: [String: Int] = [:]
        for (index, item) in try list(node, "users", "- name: dana, role: supervisor, token-sha256: ...").enumerated() {
            let path = "users[\(index)]"
            let fields = try reader.fields(item, path: path, allowed: ["name", "role", "token-sha256"])
            let name = try reader.string(fields, "name", required: true)!
            let role = try reader.enumValue(fields, "role", Role.self, required: true)!
            let hash = try reader.string(fields, "token-sha256", required: true)!
            let hex = hash.value.lowercased()
            guard hex.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw reader.error(.invalidValue, "\(path).token-sha256", hash.mark,
                                   "must be the 64 hex digits of the token's SHA-256 (printf %s \"$TOKEN\" | sha256sum), found \(hash.value.count) characters")
            }
            let line = name.mark?.line ?? 0
            if let first = lineOfName[name.value] {
                throw reader.error(.duplicateField, "\(path).name", name.mark, "user \(name.value) is already defined (line \(first))")
            }
            if let first = lineOfHash[hex] {
                throw reader.error(.duplicateField, "\(path).token-sha256", hash.mark, "the same token as the user on line \(first): every user needs their own token")
            }
            lineOfName[name.value] = line
            lineOfHash[hex] = hash.mark?.line ?? 0
            users.append(.init(user: User(name: name.value, role: role.value), tokenSHA256: hex))
        }
        return users
    }

    private func parseStations(_ node: Node) throws(ProfileError) -> [ServiceConfiguration.Station] {
        var stations: [ServiceConfiguration.Station] = []
        var stationLine: [String: Int] = [:]
        var boundAt: [String: (station: String, line: Int)] = [:]
        var portAt: [String: Int] = [:]
        for (index, item) in try list(node, "stations", "- name: door-1, devices: [...]").enumerated() {
            let path = "stations[\(index)]"
            let fields = try reader.fields(item, path: path, allowed: ["name", "devices"])
            let name = try reader.string(fields, "name", required: true)!
            if let first = stationLine[name.value] {
                throw reader.error(.duplicateField, "\(path).name", name.mark, "station \(name.value) is already defined (line \(first))")
            }
            stationLine[name.value] = name.mark?.line ?? 0
            var devices: [ServiceConfiguration.DeviceEntry] = []
            var lines: [Int] = []
            if let devicesNode = reader.present(fields, "devices") {
                for (position, entryNode) in try list(devicesNode, "\(path).devices", "- zebra-ds2208:S123, or - port: /dev/ttyS0").enumerated() {
                    let entryPath = "\(path).devices[\(position)]"
                    let entry: ServiceConfiguration.DeviceEntry
                    switch entryNode {
                    case .scalar(let scalar):
                        guard !scalar.string.allSatisfy(\.isWhitespace) else {
                            throw reader.error(.invalidValue, entryPath, scalar.mark, "empty device identity")
                        }
                        entry = .identity(scalar.string)
                    default:
                        let entryFields = try reader.fields(entryNode, path: entryPath, allowed: ["port", "profile", "identity"])
                        let port = try reader.string(entryFields, "port", required: true)!
                        let profile = try reader.string(entryFields, "profile", required: true)!
                        guard port.value.hasPrefix("/") else {
                            throw reader.error(.invalidValue, "\(entryPath).port", port.mark, "must be an absolute device path such as /dev/ttyS0 (found \"\(port.value)\")")
                        }
                        if let first = portAt[port.value] {
                            throw reader.error(.duplicateField, "\(entryPath).port", port.mark, "\(port.value) is already listed (line \(first)): one port, one scale")
                        }
                        portAt[port.value] = port.mark?.line ?? 0
                        let identity = try reader.string(entryFields, "identity", required: false)?.value
                            ?? "\(profile.value)@\(port.value.split(separator: "/").last.map(String.init) ?? port.value)"
                        entry = .port(path: port.value, profile: profile.value, identity: identity)
                    }
                    let line = entryNode.mark?.line ?? 0
                    if let first = boundAt[entry.identity] {
                        throw reader.error(.duplicateField, entryPath, entryNode.mark,
                                           "\(entry.identity) is already bound to \(first.station) (line \(first.line)): a device serves one station")
                    }
                    boundAt[entry.identity] = (name.value, line)
                    devices.append(entry)
                    lines.append(line)
                }
            }
            stations.append(.init(name: name.value, devices: devices, deviceLines: lines))
        }
        return stations
    }
}
