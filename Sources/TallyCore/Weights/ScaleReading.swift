/// What a scale indicator said in one frame, as the protocol drivers decode it.
///
/// A reading keeps the raw frame bytes as evidence. Only a reading that ``isCapturable`` may become a
/// recorded pallet weight; any other reading offered for capture is rejected by the validation core.
public struct ScaleReading: Sendable, Hashable, Codable {
    /// Which quantity the weight field holds.
    public enum Kind: String, Sendable, Hashable, Codable {
        case gross, net, tare
    }

    /// The indicator's state for this reading.
    public enum Status: String, Sendable, Hashable, Codable {
        /// A valid reading.
        case ok
        /// The load is moving (the indicator does not call it stable).
        case motion
        /// Above capacity.
        case overload
        /// Below zero beyond the underload limit.
        case underload
        /// The scale was not zeroed or lost its zero reference.
        case zeroError = "zero-error"
        /// The indicator reported an error or could not answer.
        case error
    }

    /// The protocol that produced the frame (`mt-sics`, `and`, ...).
    public var protocolName: String
    /// Gross, net or tare.
    public var kind: Kind
    /// The weight, when the frame carries one (an overload frame may not).
    public var weight: Weight?
    /// The tare weight, when the frame carries one.
    public var tare: Weight?
    /// The indicator's own stability flag (and any software stability window applied after it).
    public var stable: Bool
    /// Ok, motion, overload, underload or an error.
    public var status: Status
    /// The frame exactly as received, terminator included.
    public var raw: [UInt8]

    /// Creates a reading.
    public init(
        protocolName: String, kind: Kind, weight: Weight?, tare: Weight? = nil,
        stable: Bool, status: Status, raw: [UInt8]
    ) {
        self.protocolName = protocolName
        self.kind = kind
        self.weight = weight
        self.tare = tare
        self.stable = stable
        self.status = status
        self.raw = raw
    }

    /// True when this reading may be recorded as a weight: stable, status ok, with a weight.
    public var isCapturable: Bool { stable && status == .ok && weight != nil }

    /// Why this reading may not be recorded, or nil if it may.
    public var rejectionReason: String? {
        switch status {
        case .overload: return "overload"
        case .underload: return "underload"
        case .zeroError: return "zero error"
        case .motion: return "unstable (motion)"
        case .error: return "the indicator reported an error"
        case .ok: break
        }
        if weight == nil { return "the indicator reported no weight" }
        return stable ? nil : "unstable (motion)"
    }
}
