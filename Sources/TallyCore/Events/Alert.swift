import Foundation

/// The fixed alert codes. Their raw values are part of the API and the log: never rename one.
public enum AlertCode: String, Sendable, Hashable, Codable, CaseIterable {
    case unexpectedAsset = "unexpected-asset"
    case unexpectedPallet = "unexpected-pallet"
    case duplicateScan = "duplicate-scan"
    case wrongPallet = "wrong-pallet"
    case wrongLoad = "wrong-load"
    case missingAsset = "missing-asset"
    case missingWeight = "missing-weight"
    case weightOutOfTolerance = "weight-out-of-tolerance"
    case weightRejected = "weight-rejected"
    case notSanitized = "not-sanitized"
    case unreadableBarcode = "unreadable-barcode"
    case scanAfterSeal = "scan-after-seal"
    case noActiveLoad = "no-active-load"
    case deviceDisconnected = "device-disconnected"

    /// How urgent an alert of this code is.
    public var severity: AlertSeverity {
        switch self {
        case .unexpectedAsset, .wrongLoad, .missingAsset, .weightOutOfTolerance, .notSanitized, .scanAfterSeal:
            .critical
        case .unexpectedPallet, .duplicateScan, .wrongPallet, .missingWeight, .weightRejected, .unreadableBarcode,
             .noActiveLoad, .deviceDisconnected:
            .warning
        }
    }
}

/// Alert severity, lowest first.
public enum AlertSeverity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    case info, warning, critical

    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Where an alert stands: raised (open), seen by a supervisor (acknowledged), or closed with a reason (resolved).
public enum AlertState: String, Sendable, Hashable, Codable, CaseIterable {
    case open, acknowledged, resolved
}

/// Why a supervisor closed an alert. The raw values are part of the API and the log.
public enum ResolutionReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The item was scanned again correctly (e.g. a misread serial).
    case rescanned
    /// The item was taken off the truck or pallet.
    case removedFromLoad = "removed-from-load"
    /// The item was moved to its expected pallet.
    case moved
    /// The item was found and loaded.
    case found
    /// The manifest was wrong and has been corrected upstream.
    case manifestCorrected = "manifest-corrected"
    /// The pallet was weighed again.
    case reweighed
    /// Sanitization evidence was checked and is on file.
    case sanitizationVerified = "sanitization-verified"
    /// The alert was raised in error (device fault, test scan).
    case falseAlarm = "false-alarm"
    /// The supervisor accepts the exception as it stands (a note is required).
    case accepted
    /// Anything else (a note is required).
    case other

    /// True when the reason needs a note to be understood later.
    public var needsNote: Bool { self == .accepted || self == .other }
}

/// Who acted on an alert, when, and with which event.
public struct AlertAction: Sendable, Hashable, Codable {
    public var seq: Int64
    public var at: Date
    public var user: String
    public var note: String?
    /// For a resolution: why.
    public var reason: ResolutionReason?

    /// Creates an action record.
    public init(seq: Int64, at: Date, user: String, note: String?, reason: ResolutionReason? = nil) {
        self.seq = seq
        self.at = at
        self.user = user
        self.note = note
        self.reason = reason
    }
}

/// A mismatch against the manifest, raised by the validation core for one event.
public struct Alert: Sendable, Hashable, Codable {
    /// The alert's number, from 1 in the order alerts are raised (stable across replays of the log).
    public var id: Int64
    /// The sequence number of the event that raised it.
    public var seq: Int64
    public var code: AlertCode
    public var severity: AlertSeverity
    public var load: String?
    public var pallet: String?
    /// What the alert is about: a serial, a pallet label, a device.
    public var subject: String
    public var station: String?
    public var device: String?
    /// An expected serial the scan may have been meant as (look-alike or one edit away), when there is one.
    public var candidate: String?
    /// A sentence a supervisor can act on.
    public var message: String
    /// Open, acknowledged or resolved.
    public var state: AlertState
    /// Who acknowledged it, when.
    public var acknowledgement: AlertAction?
    /// Who resolved it, when and why.
    public var resolution: AlertAction?

    /// Creates an open alert; the severity follows from the code. The engine numbers it when raised.
    public init(
        id: Int64 = 0, seq: Int64, code: AlertCode, load: String?, pallet: String?, subject: String,
        station: String?, device: String?, candidate: String? = nil, message: String,
        state: AlertState = .open, acknowledgement: AlertAction? = nil, resolution: AlertAction? = nil
    ) {
        self.id = id
        self.state = state
        self.acknowledgement = acknowledgement
        self.resolution = resolution
        self.seq = seq
        self.code = code
        self.severity = code.severity
        self.load = load
        self.pallet = pallet
        self.subject = subject
        self.station = station
        self.device = device
        self.candidate = candidate
        self.message = message
    }
}
