import ArgumentParser
import Foundation
import TallyCore
import TallyDevices

/// `tally decode [--profile NAME] [--json] [DATA | -]`: what the normalizer reads in a scan.
struct DecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode scans: AIM identifier, GS1 AIs, Digital Link, ISO/IEC 15434, manufacturer serial labels.",
        discussion: """
            DATA is one scan; with - (or no DATA) one scan is read per line from standard input. A literal GS \
            byte and the escape \\x1d both stand for GS (FNC1). --profile NAME reads the scanner's prefix, \
            suffix, FNC1 substitute and AIM setting from that hardware profile. With --json one object is \
            printed per scan. Exit status 0 when every scan was valid, 65 otherwise. See docs/barcodes.md.
            """)

    @Option(name: .long, help: ArgumentHelp("Read the scanner options from this hardware profile.", valueName: "name"))
    var profile: String?

    @Flag(name: .long, help: "Print one JSON object per scan.")
    var json = false

    @Argument(help: ArgumentHelp("The scan, or - to read one scan per line from standard input.", valueName: "data"))
    var data: String?

    func run() async throws {
        let normalizer = ScanNormalizer(options: try options())
        var allValid = true
        func decode(_ text: String) {
            let scan = normalizer.normalize(Self.unescape(text))
            allValid = allValid && scan.isValid
            let output = json ? Self.json(scan) + "\n" : Self.text(scan)
            FileHandle.standardOutput.write(Data(output.utf8))
        }
        if let data, data != "-" {
            decode(data)
        } else {
            while let line = readLine(strippingNewline: true) {
                if line.isEmpty { continue }
                decode(line)
            }
        }
        if !allValid { throw ExitCode(65) }
    }

    /// The scanner options from `--profile`, or the factory defaults.
    func options() throws -> ScanProfileOptions {
        guard let profile else { return .factoryDefaults }
        func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("tally decode: \(message)\n".utf8))
            return ExitCode.failure
        }
        guard let location = ProfileLocator().locate() else {
            throw fail("no hardware profile directory found: set \(ProfileLocator.environmentVariable), install to \(ProfileLocator.defaultInstalledDirectory), or run inside a Tally checkout")
        }
        let validation = ProfileLoader.validate(directories: [location.directory])
        guard let found = validation.profiles.first(where: { $0.id == profile }) else {
            let problems = validation.errors.map { "\n  \($0.description)" }.joined()
            throw fail("no profile '\(profile)' in \(location.directory.path) (profiles: \(validation.profiles.map(\.id).joined(separator: ", ")))\(problems)")
        }
        guard let scanner = found.scanner else {
            throw fail("profile '\(profile)' is a \(found.kind.rawValue), not a scanner")
        }
        return Self.options(for: scanner)
    }

    /// Maps a hardware profile's scanner settings to the normalizer's options. A profile saying that AIM
    /// identifiers are sent makes them required; one saying they are not leaves them recognized when present.
    static func options(for scanner: HardwareProfile.ScannerOptions) -> ScanProfileOptions {
        ScanProfileOptions(
            prefix: scanner.prefix, suffix: scanner.suffix,
            fnc1Substitutes: scanner.fnc1Substitute.map { [$0] } ?? [],
            aimIdentifiers: scanner.aimIdentifiers ? .required : .auto)
    }

    /// Replaces the escape `\x1d` (either case) with a GS byte.
    static func unescape(_ text: String) -> String {
        guard text.contains("\\x") else { return text }
        return text.replacingOccurrences(of: "\\x1d", with: "\u{1D}").replacingOccurrences(of: "\\x1D", with: "\u{1D}")
    }

    // MARK: - Output

    static func json(_ scan: NormalizedScan) -> String {
        var ais = scan.elements.map { "{\"ai\":\(quote($0.ai)),\"value\":\(quote($0.value))}" }
        ais += scan.dataIdentifiers.map { "{\"ai\":\(quote($0.identifier)),\"value\":\(quote($0.value))}" }
        let weight = scan.weight.map { "{\"value\":\($0.value.description),\"unit\":\(quote($0.unit.rawValue))}" } ?? "null"
        let errors = scan.errors.map { "{\"code\":\(quote($0.code.rawValue)),\"message\":\(quote($0.message)),\"position\":\($0.position)}" }
        let fields: [(String, String)] = [
            ("raw", quote(scan.raw)),
            ("symbology", optional(scan.symbology?.symbology)),
            ("aim", optional(scan.aim)),
            ("kind", quote(scan.kind.rawValue)),
            ("valid", scan.isValid ? "true" : "false"),
            ("ais", "[" + ais.joined(separator: ",") + "]"),
            ("serial", optional(scan.serial)),
            ("gtin", optional(scan.gtin)),
            ("sscc", optional(scan.sscc)),
            ("assetTag", optional(scan.assetTag)),
            ("weight", weight),
            ("errors", "[" + errors.joined(separator: ",") + "]"),
        ]
        return "{" + fields.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func optional(_ text: String?) -> String { text.map(quote) ?? "null" }

    static func quote(_ text: String) -> String {
        jsonQuoted(text)
    }

    /// The scan for a terminal: control characters shown as `\xNN`.
    static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func text(_ scan: NormalizedScan) -> String {
        var lines = [visible(scan.raw)]
        func row(_ label: String, _ value: String) { lines.append("  " + label.padding(toLength: 11, withPad: " ", startingAt: 0) + " " + value) }
        row("valid", scan.isValid ? "yes" : "no")
        if let symbology = scan.symbology {
            let type = symbology.scanDataType.map { ", UnifiedPOS ScanDataType \($0)" } ?? ""
            row("symbology", "\(symbology.symbology) (\(symbology.identifier)\(type))")
        }
        row("kind", scan.kind.rawValue)
        for element in scan.elements {
            let title = element.definition?.title ?? ""
            row("(\(element.ai))", title.isEmpty ? visible(element.value) : pad(visible(element.value), 20) + " " + title)
        }
        for element in scan.dataIdentifiers {
            row(element.identifier, element.name.map { pad(visible(element.value), 20) + " " + $0 } ?? visible(element.value))
        }
        if let label = scan.label {
            row("label", label.convention.rawValue + (label.machineTypeModel.map { ", machine type/model \($0)" } ?? ""))
        }
        if let serial = scan.serial { row("serial", visible(serial)) }
        if let gtin = scan.gtin { row("gtin", gtin) }
        if let sscc = scan.sscc { row("sscc", sscc) }
        if let tag = scan.assetTag { row("asset tag", visible(tag)) }
        if let weight = scan.weight { row("weight", "\(weight.value) \(weight.unit.rawValue) \(weight.isGross ? "gross" : "net") (\(weight.ai))") }
        row("match key", scan.matchKey.map(visible) ?? "none")
        for error in scan.errors {
            row("error", "\(error.code.rawValue) at character \(error.position): \(error.message)")
        }
        if scan.isValid, case .unreadable(let reason, _) = scan.content { row("note", reason) }
        return lines.joined(separator: "\n") + "\n"
    }
}
