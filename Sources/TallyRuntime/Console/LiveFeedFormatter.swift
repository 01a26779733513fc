import Foundation
import TallyCore

/// Turns recorded events and their alerts into the lines the live terminal feed prints.
///
/// With `colour` on, severities and effects are coloured with ANSI escapes; off, the text is plain
/// (for pipes, files and tests).
public struct LiveFeedFormatter: Sendable {
    public let colour: Bool

    /// Creates a formatter.
    public init(colour: Bool) { self.colour = colour }

    private func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    /// `HH:MM:SS.mmm` of the event time (UTC).
    private func clock(_ date: Date) -> String {
        let text = UTCTimestamp.format(date)   // 2026-11-29T05:31:02.120Z
        let start = text.index(text.startIndex, offsetBy: 11)
        return String(text[start..<text.index(before: text.endIndex)])
    }

    /// Shows control characters (GS as `<GS>`) so a scan's raw text is readable.
    public static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x1D: out += "<GS>"
            case 0x1E: out += "<RS>"
            case 0x04: out += "<EOT>"
            case 0..<0x20, 0x7F: out += String(format: "<%02X>", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A command the core refused.
    public func refusal(_ text: String) -> String { paint("!! \(text)", "31") }

    /// A line of narration (the demo's story between events).
    public func narration(_ text: String) -> String { paint("== \(text)", "1;35") }

    /// The lines for one recorded event: the event, then one line per alert.
    public func lines(for recorded: RecordedOutcome) -> [String] {
        let event = recorded.event.event
        let head = "\(clock(event.at)) #\(String(recorded.event.seq).padding(toLength: 4, withPad: " ", startingAt: 0))"
        let station = (event.payload.station ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0)
        var what: String
        switch event.payload {
        case .assign(_, let load, let user):
            what = "assign  load \(load)" + (user.map { " by \($0)" } ?? "")
        case .scan(_, _, let data):
            what = "scan    \(Self.visible(data))"
        case .weight(_, _, let reading):
            what = "weight  \(reading.weight?.description ?? "-") \(reading.stable ? "stable" : "unstable") [\(Self.visible(String(decoding: reading.raw, as: UTF8.self)))]"
        case .seal(let order):
            what = "seal    load \(order.load) with seal \(order.seal)" + (order.user.map { " by \($0)" } ?? "")
                + (order.override.map { ", override: \($0)" } ?? "")
        case .transfer(let transfer):
            what = "custody load \(transfer.load) from \(transfer.from) to \(transfer.to)" + (transfer.place.map { " at \($0)" } ?? "")
        case .acknowledge(let alert, let user, let note):
            what = "ack     alert #\(alert) by \(user)" + (note.map { ": \($0)" } ?? "")
        case .resolve(let alert, let user, let reason, let note):
            what = "resolve alert #\(alert) by \(user) (\(reason.rawValue))" + (note.map { ": \($0)" } ?? "")
        case .deviceDisconnected(_, let device, let reason):
            what = "device  \(device) disconnected: \(reason)"
        }
        let effect: String? = switch recorded.outcome.effect {
        case .assigned(let station, let load): paint("→ \(station) is loading \(load)", "36")
        case .palletCurrent(_, let pallet, let load): paint("→ pallet \(pallet) current (load \(load))", "36")
        case .assetAccepted(let serial, let pallet, _): paint("✓ \(serial) accepted" + (pallet.map { " on \($0)" } ?? ""), "32")
        case .doubleRead(let subject): paint("· double read of \(subject), ignored", "2")
        case .weightCaptured(let pallet, let weight, let expected, let within):
            switch within {
            case true?: paint("✓ pallet \(pallet) \(weight) (expected \(expected!))", "32")
            case false?: paint("✗ pallet \(pallet) \(weight) (expected \(expected!))", "31")
            case nil: paint("✓ pallet \(pallet) \(weight)", "32")
            }
        case .sealed(let load, let seal): paint("✓ load \(load) sealed (\(seal))", "32;1")
        case .transferred(let load, _, let to): paint("✓ custody of \(load) passed to \(to)", "32")
        case .acknowledged(let alert): paint("· alert #\(alert) acknowledged", "36")
        case .resolved(let alert, let reason): paint("✓ alert #\(alert) resolved (\(reason.rawValue))", "32")
        case .recorded: nil
        }
        var lines = ["\(head) \(station) \(what)" + (effect.map { "  \($0)" } ?? "")]
        for alert in recorded.outcome.alerts {
            let tag = "ALERT #\(alert.id) \(alert.code.rawValue) [\(alert.severity.rawValue)]"
            let coloured = paint(tag, alert.severity == .critical ? "31;1" : alert.severity == .warning ? "33;1" : "34")
            lines.append("      \(coloured) \(alert.subject): \(alert.message)")
        }
        return lines
    }

    /// The reconciliation summary printed at the end of a load.
    public func summary(_ reconciliation: Reconciliation, alerts: [Alert]) -> [String] {
        var lines: [String] = []
        let sealText = reconciliation.seal.map { "sealed with \($0.seal)" } ?? "not sealed"
        lines.append(paint("Reconciliation of load \(reconciliation.load) (\(sealText))", "1"))
        lines.append("  assets: \(reconciliation.expected) expected, \(reconciliation.scanned) scanned, "
                     + "\(reconciliation.missing) missing, \(reconciliation.unexpected.count) unexpected")
        for pallet in reconciliation.pallets {
            var line = "  pallet \(pallet.pallet): \(pallet.scanned)/\(pallet.expected) scanned"
            if !pallet.missing.isEmpty { line += ", missing " + pallet.missing.joined(separator: " ") }
            if !pallet.misplaced.isEmpty { line += ", on another pallet " + pallet.misplaced.joined(separator: " ") }
            if !pallet.foreign.isEmpty { line += ", carries " + pallet.foreign.joined(separator: " ") + " of another pallet" }
            if !pallet.unexpected.isEmpty { line += ", unexpected " + pallet.unexpected.joined(separator: " ") }
            lines.append(line)
            let expected = pallet.expectedWeight.map { "\($0) \(pallet.tolerance?.description ?? "")" } ?? "no expected weight"
            let measured = pallet.measuredWeight?.description ?? "not weighed"
            let verdict = switch pallet.withinTolerance {
            case true?: paint("within tolerance", "32")
            case false?: paint("OUT OF TOLERANCE", "31;1")
            case nil: pallet.measuredWeight == nil ? paint("NOT WEIGHED", "33;1") : "no tolerance"
            }
            lines.append("    weight: measured \(measured), expected \(expected): \(verdict)")
        }
        var counts: [AlertCode: Int] = [:]
        for alert in alerts where alert.load == reconciliation.load || alert.load == nil { counts[alert.code, default: 0] += 1 }
        let list = AlertCode.allCases.compactMap { code in counts[code].map { "\(code.rawValue) ×\($0)" } }
        lines.append("  alerts: " + (list.isEmpty ? "none" : list.joined(separator: ", ")))
        return lines
    }
}
