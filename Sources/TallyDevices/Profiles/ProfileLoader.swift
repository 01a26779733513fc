import Foundation
import TallyCore
import Yams

/// A hardware profile that could not be loaded, naming the file, the line and column, and the field.
///
/// `description` reads like a compiler diagnostic: `hardware-profiles/x.yaml:7:8: match.vid: must be
/// four hex digits, like 05e0 (found "5e0")`.
public struct ProfileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The file or directory could not be read (or is not named `*.yaml`).
        case unreadable
        /// The file is not well-formed YAML.
        case syntax
        /// A required field is absent or empty.
        case missingField = "missing-field"
        /// A field the schema does not know (often a typo).
        case unknownField = "unknown-field"
        /// A field appears twice in one mapping.
        case duplicateField = "duplicate-field"
        /// A field has a value outside what the schema allows.
        case invalidValue = "invalid-value"
        /// Fields contradict each other (a scale with a scanner section, a HID scanner with serial settings).
        case inconsistent
        /// Two profile files have the same id.
        case duplicateID = "duplicate-id"
    }

    /// What went wrong.
    public var kind: Kind
    /// The profile file (or directory) as it was given to the loader.
    public var file: String
    /// 1-based line in `file`, when the error has a place in it.
    public var line: Int?
    /// 1-based column (in Unicode scalars), when known.
    public var column: Int?
    /// The field as a dotted path (`match.vid`, `scale.stability.ms`, `source[0].title`), when the error
    /// concerns one field.
    public var field: String?
    /// A human-readable explanation.
    public var message: String

    /// Creates an error.
    public init(kind: Kind, file: String, line: Int? = nil, column: Int? = nil, field: String? = nil, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `file:line:column: field: message`, like a compiler diagnostic.
    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        let subject = field.map { "\($0): " } ?? ""
        return "\(location): \(subject)\(message)"
    }
}

/// The outcome of checking a set of profile directories: what loaded, and every error found.
public struct ProfileValidation: Sendable {
    /// The profiles that loaded, sorted by id (duplicates left out).
    public var profiles: [HardwareProfile]
    /// Every error, in file order.
    public var errors: [ProfileError]
    /// The `*.yaml` files that were read.
    public var files: [String]

    /// True when every file loaded and no id repeats.
    public var isValid: Bool { errors.isEmpty }
}

/// Loads and validates hardware profiles (`*.yaml`) with Yams.
///
/// Every field is checked: its type, its range, and its consistency with `kind` and `transport`. Unknown
/// fields are rejected so that a typo never silently falls back to a default. Errors are
/// ``ProfileError``s that name the file, line and field.
public enum ProfileLoader {
    /// Parses one profile from YAML text.
    ///
    /// - Parameters:
    ///   - yaml: the file's contents.
    ///   - file: the file's path, for error messages; its stem is the profile id unless `id` is given.
    ///   - id: the profile id, when it is not `file`'s stem.
    /// - Throws: ``ProfileError`` for the first problem found.
    public static func parse(yaml: String, file: String, id: String? = nil) throws(ProfileError) -> HardwareProfile {
        let stem = id ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return try ProfileParser(file: file).parse(yaml: yaml, id: stem)
    }

    /// Loads one profile file.
    ///
    /// - Throws: ``ProfileError`` when the file cannot be read or is not a valid profile.
    public static func load(file url: URL) throws(ProfileError) -> HardwareProfile {
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProfileError(kind: .unreadable, file: path, message: "cannot read the file")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ProfileError(kind: .unreadable, file: path, message: "the file is not valid UTF-8")
        }
        return try parse(yaml: text, file: path)
    }

    /// Loads every `*.yaml` file in `directory` and its subdirectories.
    ///
    /// - Returns: the profiles sorted by id.
    /// - Throws: the first ``ProfileError`` (use ``validate(directories:)`` to see them all).
    public static func load(directory: URL) throws(ProfileError) -> [HardwareProfile] {
        try load(directories: [directory])
    }

    /// Loads every `*.yaml` file in each directory (and subdirectories), rejecting duplicate ids across all of them.
    ///
    /// - Returns: the profiles sorted by id.
    /// - Throws: the first ``ProfileError`` found.
    public static func load(directories: [URL]) throws(ProfileError) -> [HardwareProfile] {
        let validation = validate(directories: directories)
        if let first = validation.errors.first { throw first }
        return validation.profiles
    }

    /// Checks every profile file in the directories and reports all profiles and all errors.
    ///
    /// Files are read in path order; when two files share an id, the first one read is kept and the
    /// second is reported as ``ProfileError/Kind/duplicateID``.
    public static func validate(directories: [URL]) -> ProfileValidation {
        var result = ProfileValidation(profiles: [], errors: [], files: [])
        var firstFile: [String: String] = [:]
        for directory in directories {
            let files: [URL]
            do throws(ProfileError) {
                files = try profileFiles(in: directory)
            } catch {
                result.errors.append(error)
                continue
            }
            for url in files {
                result.files.append(url.path)
                if url.pathExtension == "yml" {
                    result.errors.append(ProfileError(
                        kind: .unreadable, file: url.path, message: "profile files must be named *.yaml (this one is not loaded)"))
                    continue
                }
                do throws(ProfileError) {
                    let profile = try load(file: url)
                    if let first = firstFile[profile.id] {
                        result.errors.append(ProfileError(
                            kind: .duplicateID, file: url.path, line: 1, field: "id",
                            message: "duplicate profile id \"\(profile.id)\", first defined in \(first)"))
                        continue
                    }
                    firstFile[profile.id] = url.path
                    result.profiles.append(profile)
                } catch {
                    result.errors.append(error)
                }
            }
        }
        result.profiles.sort { $0.id < $1.id }
        return result
    }

    /// The `*.yaml` (and misnamed `*.yml`) files under `directory`, hidden entries skipped, sorted by path.
    static func profileFiles(in directory: URL) throws(ProfileError) -> [URL] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ProfileError(kind: .unreadable, file: directory.path, message: "no such profile directory")
        }
        guard let enumerator = manager.enumerator(
            at: directory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]
        ) else {
            throw ProfileError(kind: .unreadable, file: directory.path, message: "cannot list the profile directory")
        }
        var files: [URL] = []
        for case let url as URL in enumerator where ["yaml", "yml"].contains(url.pathExtension) {
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }
}

// MARK: - Locating the profile directory

/// Where the hardware profiles come from when nothing is configured.
///
/// In order: an explicit directory (a `--profiles` option), `$TALLY_PROFILES`, the installed
/// `/etc/tally/hardware-profiles` when it exists, and finally a checkout's `hardware-profiles/`, found by
/// walking up from the current directory and then from the executable's own path.
public struct ProfileLocator: Sendable {
    /// Why a directory was chosen.
    public enum Origin: String, Sendable, Hashable, Codable {
        /// Given on the command line or in configuration.
        case explicit
        /// From `$TALLY_PROFILES`.
        case environment
        /// The installed `/etc/tally/hardware-profiles`.
        case installed
        /// A source checkout's `hardware-profiles/`.
        case checkout
    }

    /// A chosen profile directory.
    public struct Location: Sendable, Hashable {
        /// The directory.
        public var directory: URL
        /// Why it was chosen.
        public var origin: Origin
    }

    /// The environment variable that names the profile directory.
    public static let environmentVariable = "TALLY_PROFILES"
    /// Where `make install` puts the profiles.
    public static let defaultInstalledDirectory = "/etc/tally/hardware-profiles"
    /// The profile directory's name in a checkout.
    public static let checkoutDirectoryName = "hardware-profiles"

    /// The environment to read `$TALLY_PROFILES` from.
    public var environment: [String: String]
    /// The directory to start the upward search from.
    public var currentDirectory: String
    /// The running executable, for the second upward search.
    public var executablePath: String?
    /// The installed location (injectable for tests).
    public var installedDirectory: String

    /// Creates a locator; the defaults describe the running process.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        executablePath: String? = ProfileLocator.runningExecutablePath,
        installedDirectory: String = ProfileLocator.defaultInstalledDirectory
    ) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.executablePath = executablePath
        self.installedDirectory = installedDirectory
    }

    /// The running executable's path (symlinks resolved), or nil when it cannot be told.
    public static var runningExecutablePath: String? {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return Bundle.main.executablePath ?? CommandLine.arguments.first
    }

    /// The profile directory to use, or nil when none can be found.
    ///
    /// An explicit directory or `$TALLY_PROFILES` is returned even when it does not exist, so that a
    /// misconfiguration is reported by the loader instead of silently replaced by another directory.
    public func locate(explicit: String? = nil) -> Location? {
        if let explicit, !explicit.isEmpty {
            return Location(directory: URL(fileURLWithPath: explicit, isDirectory: true), origin: .explicit)
        }
        if let fromEnvironment = environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            return Location(directory: URL(fileURLWithPath: fromEnvironment, isDirectory: true), origin: .environment)
        }
        if Self.isDirectory(installedDirectory) {
            return Location(directory: URL(fileURLWithPath: installedDirectory, isDirectory: true), origin: .installed)
        }
        if let found = Self.searchUpward(from: URL(fileURLWithPath: currentDirectory, isDirectory: true)) {
            return Location(directory: found, origin: .checkout)
        }
        if let executablePath {
            let executable = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
            if let found = Self.searchUpward(from: executable.deletingLastPathComponent()) {
                return Location(directory: found, origin: .checkout)
            }
        }
        return nil
    }

    /// The first `<ancestor>/hardware-profiles` directory, from `start` up to the root.
    static func searchUpward(from start: URL) -> URL? {
        var directory = start.standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent(checkoutDirectoryName, isDirectory: true)
            if isDirectory(candidate.path) { return candidate }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

// MARK: - The parser

/// Walks the composed YAML node tree of one file, so that every error can carry the node's line.
package struct ProfileParser {
    package let file: String

    /// A parser whose errors name `file`.
    package init(file: String) { self.file = file }

    /// The fields of one YAML mapping, checked for unknown and repeated keys.
    package struct Fields {
        /// The mapping's dotted path ("" for the document root).
        package let path: String
        /// Where the mapping starts.
        package let mark: Mark?
        /// Field name → value.
        package var values: [String: Node] = [:]
        /// Field name → where the key is written.
        package var keyMarks: [String: Mark] = [:]

        /// The dotted path of a field of this mapping.
        package func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        /// Where to report a problem with `key`: its value, else its key, else the mapping.
        package func mark(of key: String) -> Mark? { values[key]?.mark ?? keyMarks[key] ?? mark }

        /// Whether the field is present with a non-null value.
        package func has(_ key: String) -> Bool {
            guard let node = values[key] else { return false }
            return !ProfileParser.isNull(node)
        }
    }

    package func error(_ kind: ProfileError.Kind, _ field: String?, _ mark: Mark?, _ message: String) -> ProfileError {
        ProfileError(kind: kind, file: file, line: mark?.line, column: mark?.column, field: field, message: message)
    }

    // MARK: Document

    /// The document's root node, or an error naming the line of a syntax error or repeated key.
    package func compose(yaml: String) throws(ProfileError) -> Node {
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw error(.missingField, nil, nil, "the file is empty")
            }
            return node
        } catch let failure as ProfileError {
            throw failure
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            throw duplicateKeyError(duplicates.first ?? "?", firstMark: context.mark, yaml: yaml)
        } catch let failure as YamlError {
            throw syntaxError(failure)
        } catch {
            throw self.error(.syntax, nil, nil, "not valid YAML: \(error)")
        }
    }

    func parse(yaml: String, id: String) throws(ProfileError) -> HardwareProfile {
        let root = try compose(yaml: yaml)

        let fields = try self.fields(
            root, path: "",
            allowed: ["id", "name", "kind", "transport", "match", "scanner", "serial", "scale", "source"])

        let validID = id.utf8.first.map { Self.isIDStart($0) } == true && id.utf8.allSatisfy(Self.isIDByte)
        guard validID else {
            throw ProfileError(
                kind: .invalidValue, file: file, line: fields.mark?.line ?? 1, column: fields.mark?.column, field: "id",
                message: "profile id (the file stem) must be lowercase letters, digits and '-' (found \"\(id)\")")
        }
        if let written = try string(fields, "id", required: false), written.value != id {
            throw error(.invalidValue, "id", written.mark, "id \"\(written.value)\" differs from the file stem \"\(id)\"; leave it out or make them equal")
        }

        let name = try string(fields, "name", required: true)!.value
        let kind = try enumValue(fields, "kind", HardwareProfile.Kind.self, required: true)!
        let transportValue = try enumValue(fields, "transport", HardwareProfile.Transport.self, required: true)!
        let transport = transportValue.value
        guard HardwareProfile.Transport.allowed(for: kind.value).contains(transport) else {
            let allowed = HardwareProfile.Transport.allowed(for: kind.value).map(\.rawValue).joined(separator: ", ")
            throw error(.inconsistent, "transport", transportValue.mark,
                        "a \(kind.value.rawValue) cannot use transport \(transport.rawValue) (allowed: \(allowed))")
        }

        // match
        var match: HardwareProfile.Match?
        if let node = present(fields, "match") {
            match = try parseMatch(node)
        } else if transport.isUSBHID {
            throw error(.missingField, "match", fields.mark, "a \(transport.rawValue) profile needs a match section (vid, pid)")
        }

        // scanner
        var scanner: HardwareProfile.ScannerOptions?
        if let node = present(fields, "scanner") {
            guard kind.value == .scanner else {
                throw error(.inconsistent, "scanner", fields.keyMarks["scanner"], "a scale profile cannot have a scanner section")
            }
            scanner = try parseScanner(node, transport: transport)
        } else if kind.value == .scanner {
            throw error(.missingField, "scanner", fields.mark, "a scanner profile needs a scanner section")
        }

        // serial
        var serial: SerialSettings?
        if let node = present(fields, "serial") {
            guard transport == .serial else {
                throw error(.inconsistent, "serial", fields.keyMarks["serial"],
                            "transport \(transport.rawValue) has no serial line; remove the serial section")
            }
            serial = try parseSerial(node)
        } else if transport == .serial {
            throw error(.missingField, "serial", fields.mark, "a serial profile needs a serial section (baud, ...)")
        }

        // scale
        var scale: HardwareProfile.ScaleOptions?
        if let node = present(fields, "scale") {
            guard kind.value == .scale else {
                throw error(.inconsistent, "scale", fields.keyMarks["scale"], "a scanner profile cannot have a scale section")
            }
            scale = try parseScale(node)
        } else if kind.value == .scale {
            throw error(.missingField, "scale", fields.mark, "a scale profile needs a scale section")
        }

        guard let sourceNode = present(fields, "source") else {
            throw error(.missingField, "source", fields.mark, "every profile names the manual its values come from (source: - title: ..., where: ...)")
        }
        let sources = try parseSources(sourceNode)

        return HardwareProfile(
            id: id, name: name, kind: kind.value, transport: transport, match: match,
            scanner: scanner, serial: serial, scale: scale, sources: sources)
    }

    package func syntaxError(_ failure: YamlError) -> ProfileError {
        switch failure {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return error(.syntax, nil, mark, "not valid YAML: \(problem)")
        case let .reader(problem, _, _, _):
            return error(.syntax, nil, nil, "cannot read the YAML text: \(problem)")
        default:
            return error(.syntax, nil, nil, "not valid YAML: \(failure)")
        }
    }

    /// Yams rejects repeated keys while composing and reports the first occurrence. Find the repeat
    /// and the key's path by indentation (block style, the style profiles are written in); fall back
    /// to the first occurrence and the bare key name.
    package func duplicateKeyError(_ key: String, firstMark: Mark, yaml: String) -> ProfileError {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func indentation(_ line: String) -> Int { line.prefix { $0 == " " }.count }
        func keyName(_ line: String) -> String? {
            let body = line.drop { $0 == " " }
            guard !body.hasPrefix("#"), !body.hasPrefix("- "), let colon = body.firstIndex(of: ":") else { return nil }
            let name = body[..<colon]
            return name.isEmpty || name.contains(" ") ? nil : String(name)
        }
        let first = firstMark.line - 1
        guard lines.indices.contains(first), keyName(lines[first]) == key else {
            return error(.duplicateField, key, firstMark, "appears more than once in the same mapping")
        }
        let indent = indentation(lines[first])
        var path = [key]
        var level = indent
        for line in lines[..<first].reversed() where level > 0 {
            let body = line.drop { $0 == " " }
            guard !body.isEmpty, !body.hasPrefix("#"), indentation(line) < level else { continue }
            guard let name = keyName(line) else {
                path = [key] // inside a list or flow style: the bare key name is the honest answer
                break
            }
            path.insert(name, at: 0)
            level = indentation(line)
        }
        var repeatLine = firstMark.line
        for index in lines.indices.dropFirst(first + 1) {
            let line = lines[index]
            let body = line.drop { $0 == " " }
            guard !body.isEmpty, !body.hasPrefix("#") else { continue }
            if indentation(line) < indent { break }
            if indentation(line) == indent, keyName(line) == key {
                repeatLine = index + 1
                break
            }
        }
        return ProfileError(
            kind: .duplicateField, file: file, line: repeatLine, column: indent + 1, field: path.joined(separator: "."),
            message: "appears twice in the same section (first at line \(firstMark.line))")
    }

    // MARK: Sections

    func parseMatch(_ node: Node) throws(ProfileError) -> HardwareProfile.Match {
        let fields = try self.fields(node, path: "match", allowed: ["vid", "pid", "serial", "interface"])
        let vid = try usbID(fields, "vid")
        let pid = try usbID(fields, "pid")
        let serial = try string(fields, "serial", required: false)?.value
        let interface = try integer(fields, "interface", range: 0...255)
        return HardwareProfile.Match(vendorID: vid, productID: pid, serial: serial, interface: interface)
    }

    func parseScanner(_ node: Node, transport: HardwareProfile.Transport) throws(ProfileError) -> HardwareProfile.ScannerOptions {
        let fields = try self.fields(node, path: "scanner", allowed: [
            "layout", "terminator", "fnc1-substitute", "aim-identifiers", "prefix", "suffix", "inter-key-timeout-ms",
            "suppress-host-keyboard",
        ])
        var layout: HardwareProfile.LayoutName?
        if transport == .usbHIDKeyboard {
            layout = try enumValue(fields, "layout", HardwareProfile.LayoutName.self, required: true)!.value
        } else if fields.has("layout") {
            throw error(.inconsistent, "scanner.layout", fields.mark(of: "layout"),
                        "a keyboard layout applies only to transport usb-hid-keyboard (this profile is \(transport.rawValue))")
        }
        let terminator = try enumValue(fields, "terminator", HardwareProfile.Terminator.self, required: false)?.value ?? .enter

        var substitute: String?
        if let written = try string(fields, "fnc1-substitute", required: false) {
            let character = written.value
            guard character.count == 1, let first = character.unicodeScalars.first,
                  character.unicodeScalars.count == 1, first.isASCII,
                  !(first.properties.isAlphabetic || ("0"..."9").contains(first) || first == " ")
            else {
                throw error(.invalidValue, "scanner.fnc1-substitute", written.mark,
                            "must be one ASCII character that is not a letter, digit or space, such as \"~\" or \"^\" (found \"\(character)\")")
            }
            substitute = character
        }
        let aim = try boolean(fields, "aim-identifiers") ?? false
        let prefix = try string(fields, "prefix", required: false, allowEmpty: true)?.value ?? ""
        let suffix = try string(fields, "suffix", required: false, allowEmpty: true)?.value ?? ""
        for (key, value) in [("prefix", prefix), ("suffix", suffix)] where value.count > 20 {
            throw error(.invalidValue, "scanner.\(key)", fields.mark(of: key), "at most 20 characters (found \(value.count))")
        }
        let timeout = try integer(fields, "inter-key-timeout-ms", range: 1...5000)
            ?? HardwareProfile.ScannerOptions.defaultInterKeyTimeoutMilliseconds
        let suppress = try boolean(fields, "suppress-host-keyboard") ?? false
        if fields.has("suppress-host-keyboard"), transport != .usbHIDKeyboard {
            throw error(.inconsistent, "scanner.suppress-host-keyboard", fields.mark(of: "suppress-host-keyboard"),
                        "applies only to transport usb-hid-keyboard, whose scanner types into the host (this profile is \(transport.rawValue))")
        }
        return HardwareProfile.ScannerOptions(
            layout: layout, terminator: terminator, fnc1Substitute: substitute, aimIdentifiers: aim,
            prefix: prefix, suffix: suffix, interKeyTimeoutMilliseconds: timeout, suppressHostKeyboard: suppress)
    }

    func parseSerial(_ node: Node) throws(ProfileError) -> SerialSettings {
        let fields = try self.fields(node, path: "serial", allowed: ["baud", "data-bits", "parity", "stop-bits", "flow-control"])
        let rates = SerialSettings.supportedBaudRates
        let baud = try integer(fields, "baud", range: 1...Int(Int32.max), required: true)!
        guard rates.contains(baud) else {
            throw error(.invalidValue, "serial.baud", fields.mark(of: "baud"),
                        "\(baud) is not a supported rate (one of \(rates.map(String.init).joined(separator: ", ")))")
        }
        let dataBits = try integer(fields, "data-bits", range: 7...8) ?? 8
        let parity = try enumValue(fields, "parity", SerialSettings.Parity.self, required: false)?.value ?? .none
        let stopBits = try integer(fields, "stop-bits", range: 1...2) ?? 1
        let flow = try enumValue(fields, "flow-control", SerialSettings.FlowControl.self, required: false)?.value ?? .none
        do throws(SerialSettingsError) {
            return try SerialSettings(baudRate: baud, dataBits: dataBits, parity: parity, stopBits: stopBits, flowControl: flow)
        } catch {
            // Each value was range-checked above; this only fires if the port layer narrows what it accepts.
            throw self.error(.invalidValue, "serial", fields.mark, error.description)
        }
    }

    func parseScale(_ node: Node) throws(ProfileError) -> HardwareProfile.ScaleOptions {
        let fields = try self.fields(node, path: "scale", allowed: [
            "protocol", "poll-command", "poll-interval-ms", "division", "unit", "capacity", "stability",
        ])
        let scaleProtocol = try enumValue(fields, "protocol", HardwareProfile.ScaleProtocol.self, required: true)!.value
        let pollCommand = try string(fields, "poll-command", required: false)
        let pollInterval = try integer(fields, "poll-interval-ms", range: 20...60_000)
        if pollCommand != nil, pollInterval == nil {
            throw error(.missingField, "scale.poll-interval-ms", fields.mark, "a poll command needs a poll interval")
        }
        if pollCommand == nil, pollInterval != nil {
            throw error(.inconsistent, "scale.poll-interval-ms", fields.mark(of: "poll-interval-ms"), "a poll interval needs a poll command")
        }
        if let pollCommand, scaleProtocol.isContinuousOnly {
            throw error(.inconsistent, "scale.poll-command", pollCommand.mark,
                        "\(scaleProtocol.rawValue) streams readings by itself; remove the poll command")
        }

        let divisionText = try string(fields, "division", required: true)!
        guard let division = Division(parsing: divisionText.value) else {
            throw error(.invalidValue, "scale.division", divisionText.mark,
                        "must be 1, 2 or 5 × 10^n, such as 0.5, 1, 2 or 20 (found \"\(divisionText.value)\")")
        }
        let unitText = try string(fields, "unit", required: true)!
        guard let unit = WeightUnit(rawValue: unitText.value) else {
            let allowed = WeightUnit.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(.invalidValue, "scale.unit", unitText.mark, "must be one of \(allowed) (found \"\(unitText.value)\")")
        }
        let capacityText = try string(fields, "capacity", required: true)!
        guard let capacity = ExactDecimal(parsing: capacityText.value), capacity.significand > 0 else {
            throw error(.invalidValue, "scale.capacity", capacityText.mark,
                        "must be a positive decimal number (found \"\(capacityText.value)\")")
        }
        guard Weight(value: capacity, division: division, unit: unit) != nil else {
            throw error(.invalidValue, "scale.capacity", capacityText.mark,
                        "\(capacityText.value) is not a whole number of divisions of \(division)")
        }

        guard let stabilityNode = present(fields, "stability") else {
            throw error(.missingField, "scale.stability", fields.mark, "required field is missing (readings, ms)")
        }
        let stabilityFields = try self.fields(stabilityNode, path: "scale.stability", allowed: ["readings", "ms"])
        let readings = try integer(stabilityFields, "readings", range: 1...50, required: true)!
        let window = try integer(stabilityFields, "ms", range: 0...10_000, required: true)!

        return HardwareProfile.ScaleOptions(
            scaleProtocol: scaleProtocol, pollCommand: pollCommand?.value, pollIntervalMilliseconds: pollInterval,
            division: division, unit: unit, capacity: capacity,
            stability: HardwareProfile.StabilityWindow(readings: readings, milliseconds: window))
    }

    func parseSources(_ node: Node) throws(ProfileError) -> [HardwareProfile.Source] {
        guard case let .sequence(sequence) = node else {
            throw error(.invalidValue, "source", node.mark, "must be a list of sources (- title: ..., where: ...)")
        }
        guard !sequence.isEmpty else {
            throw error(.missingField, "source", node.mark, "name at least one source")
        }
        var sources: [HardwareProfile.Source] = []
        for (index, item) in sequence.enumerated() {
            let path = "source[\(index)]"
            let fields = try self.fields(item, path: path, allowed: ["title", "where", "covers", "note"])
            let title = try string(fields, "title", required: true)!.value
            let location = try string(fields, "where", required: true)!.value
            let note = try string(fields, "note", required: false)?.value
            var covers: [String] = []
            if let coversNode = present(fields, "covers") {
                guard case let .sequence(list) = coversNode else {
                    throw error(.invalidValue, "\(path).covers", coversNode.mark, "must be a list of field paths, such as [match.vid, serial.baud]")
                }
                for (position, entry) in list.enumerated() {
                    guard case let .scalar(scalar) = entry, HardwareProfile.fieldPaths.contains(scalar.string) else {
                        throw error(.invalidValue, "\(path).covers[\(position)]", entry.mark,
                                    "not a profile field path (found \(describe(entry)); e.g. match.vid, serial.baud, scale.division)")
                    }
                    covers.append(scalar.string)
                }
            }
            sources.append(HardwareProfile.Source(title: title, location: location, covers: covers, note: note))
        }
        return sources
    }

    // MARK: Field readers

    /// Checks that `node` is a mapping with plain, unique, known keys.
    package func fields(_ node: Node, path: String, allowed: [String]) throws(ProfileError) -> Fields {
        guard case let .mapping(mapping) = node else {
            throw error(.invalidValue, path.isEmpty ? nil : path, node.mark,
                        path.isEmpty ? "a profile must be a mapping of fields (name:, kind:, ...)" : "expected a mapping of fields, found \(describe(node))")
        }
        var fields = Fields(path: path, mark: mapping.mark)
        for (keyNode, value) in mapping {
            guard case let .scalar(key) = keyNode else {
                throw error(.invalidValue, path.isEmpty ? nil : path, keyNode.mark, "field names must be plain words")
            }
            let name = key.string
            if fields.values[name] != nil {
                throw error(.duplicateField, fields.path(name), key.mark, "appears twice in the same section")
            }
            guard allowed.contains(name) else {
                throw error(.unknownField, fields.path(name), key.mark,
                            "unknown field (expected one of: \(allowed.joined(separator: ", ")))")
            }
            fields.values[name] = value
            if let mark = key.mark { fields.keyMarks[name] = mark }
        }
        return fields
    }

    /// The value of `key` unless it is absent or null.
    package func present(_ fields: Fields, _ key: String) -> Node? {
        guard let node = fields.values[key], !Self.isNull(node) else { return nil }
        return node
    }

    /// A scalar value with where it is written.
    package struct Located<Value> {
        package var value: Value
        package var mark: Mark?
    }

    package func string(_ fields: Fields, _ key: String, required: Bool, allowEmpty: Bool = false) throws(ProfileError) -> Located<String>? {
        guard let node = present(fields, key) else {
            if required {
                throw error(.missingField, fields.path(key), fields.mark(of: key),
                            fields.values[key] == nil ? "required field is missing" : "required field has no value")
            }
            return nil
        }
        guard case let .scalar(scalar) = node else {
            throw error(.invalidValue, fields.path(key), node.mark, "expected a single value, found \(describe(node))")
        }
        let text = scalar.string
        if !allowEmpty, text.allSatisfy(\.isWhitespace) {
            if required { throw error(.missingField, fields.path(key), scalar.mark, "required field is empty") }
            throw error(.invalidValue, fields.path(key), scalar.mark, "must not be empty (leave the field out instead)")
        }
        return Located(value: text, mark: scalar.mark)
    }

    package func integer(_ fields: Fields, _ key: String, range: ClosedRange<Int>, required: Bool = false) throws(ProfileError) -> Int? {
        guard let text = try string(fields, key, required: required) else { return nil }
        guard let value = Int(text.value.trimmingCharacters(in: .whitespaces)) else {
            throw error(.invalidValue, fields.path(key), text.mark, "must be a whole number (found \"\(text.value)\")")
        }
        guard range.contains(value) else {
            throw error(.invalidValue, fields.path(key), text.mark,
                        "must be between \(range.lowerBound) and \(range.upperBound) (found \(value))")
        }
        return value
    }

    package func boolean(_ fields: Fields, _ key: String) throws(ProfileError) -> Bool? {
        guard let text = try string(fields, key, required: false) else { return nil }
        switch text.value {
        case "true": return true
        case "false": return false
        default:
            throw error(.invalidValue, fields.path(key), text.mark, "must be true or false (found \"\(text.value)\")")
        }
    }

    package func enumValue<E: RawRepresentable & CaseIterable>(
        _ fields: Fields, _ key: String, _ type: E.Type, required: Bool
    ) throws(ProfileError) -> Located<E>? where E.RawValue == String {
        guard let text = try string(fields, key, required: required) else { return nil }
        guard let value = E(rawValue: text.value) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(.invalidValue, fields.path(key), text.mark, "must be one of \(allowed) (found \"\(text.value)\")")
        }
        return Located(value: value, mark: text.mark)
    }

    func usbID(_ fields: Fields, _ key: String) throws(ProfileError) -> HardwareProfile.USBID {
        let text = try string(fields, key, required: true)!
        guard let id = HardwareProfile.USBID(hex: text.value) else {
            var message = "must be four hex digits, like 05e0 (found \"\(text.value)\")"
            if text.value.lowercased().hasPrefix("0x") { message += "; write it without 0x" }
            throw error(.invalidValue, fields.path(key), text.mark, message)
        }
        return id
    }

    // MARK: Helpers

    /// True for a plain `~`, `null` or empty scalar (an absent value in YAML).
    package static func isNull(_ node: Node) -> Bool {
        guard case let .scalar(scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    package func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    static func isIDStart(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func isIDByte(_ byte: UInt8) -> Bool { isIDStart(byte) || byte == UInt8(ascii: "-") }
}
