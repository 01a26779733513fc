import TallyCore

/// Decides, from a stream of readings, when a weight is offered for capture. Pure logic: no I/O, no
/// clock (the caller passes each reading's arrival time in milliseconds).
///
/// ## The rule
/// Readings are classified:
/// - **ignored**: tare reports (kind ``ScaleReading/Kind/tare``) and readings with status
///   ``ScaleReading/Status/error`` (busy, syntax errors): they change nothing;
/// - **moving**: not stable (status ok or motion): they restart the stability window and nothing else;
/// - **abnormal**: status overload, underload or zero error (stable or not);
/// - **empty**: stable, status ok, gross weight at or below the zero band (gross ≤ `zeroBandDivisions`
///   divisions, so every negative weight too): the platform is clear, the next load is a new placement;
/// - **load**: stable, status ok, gross weight above the zero band.
///
/// A load or abnormal reading is *settled* when the optional software ``StabilityWindow`` agrees (the
/// last `readings` readings, this one included, are all loads within ±1 division of it, or all the
/// same abnormal status, and span at least `milliseconds`); without a window it is settled at once.
/// A settled reading is offered, ``Decision/capture(_:)``, when it differs from the last offer:
/// - a load, when nothing was offered since the platform was last empty (or since start), or the
///   last offer was abnormal, or the gross weight differs from the last offered load by more than
///   `sameLoadToleranceDivisions` divisions (something was added or taken off);
/// - an abnormal reading, when the last offer was not the same abnormal status.
///
/// So there is one capture per placement: a load that wobbles (motion) and settles on the same value
/// is not offered again; it is offered again only after the platform empties or its weight changes.
/// Abnormal readings are offered once per episode so that the validation core rejects them
/// (``ScaleReading/rejectionReason``) and raises an alert; an offered reading is never altered, so an
/// overload stays an overload. The first load seen after start is offered (a pallet already on the
/// platform when the service starts is captured, not missed).
///
/// Gross weight: the reading's weight for kind gross; net plus the reading's tare for kind net when
/// both are in the same unit; otherwise the net weight itself.
///
/// ``captureNow()`` serves an operator's explicit capture request: it offers the latest reading as
/// is, stable or not, for the core to accept or reject.
public struct WeightCapture: Sendable {
    /// The optional software stability window.
    public struct StabilityWindow: Sendable, Hashable, Codable {
        /// How many consecutive agreeing readings are needed (at least 1).
        public var readings: Int
        /// How long they must span, first to last, in milliseconds (at least 0).
        public var milliseconds: Int64

        /// Creates a window of `readings` readings over at least `milliseconds` ms.
        public init(readings: Int, milliseconds: Int64) {
            self.readings = max(1, readings)
            self.milliseconds = max(0, milliseconds)
        }
    }

    /// The tunable parts of the rule.
    public struct Configuration: Sendable, Hashable, Codable {
        /// The zero band, in divisions of each reading: gross weights at or below it mean "empty".
        public var zeroBandDivisions: Int64
        /// How far (in divisions) a settled load may differ from the last offered one and still be
        /// the same placement.
        public var sameLoadToleranceDivisions: Int64
        /// The software stability window, or nil to trust the indicator's stable flag alone.
        public var stabilityWindow: StabilityWindow?

        /// Creates a configuration (defaults: zero band 10 d, same-load tolerance 1 d, no window).
        public init(zeroBandDivisions: Int64 = 10, sameLoadToleranceDivisions: Int64 = 1, stabilityWindow: StabilityWindow? = nil) {
            self.zeroBandDivisions = max(0, zeroBandDivisions)
            self.sameLoadToleranceDivisions = max(0, sameLoadToleranceDivisions)
            self.stabilityWindow = stabilityWindow
        }
    }

    /// What to do with a reading.
    public enum Decision: Sendable, Hashable {
        /// Offer this reading for capture (the validation core still accepts or rejects it).
        case capture(ScaleReading)
        /// Nothing to capture.
        case none
    }

    /// What was last offered.
    private enum Offer: Sendable, Hashable {
        case load(gross: ExactDecimal, unit: WeightUnit)
        case abnormal(ScaleReading.Status)
    }

    /// A reading as the stability window remembers it.
    private enum Sample: Sendable, Hashable {
        case load(value: ExactDecimal, division: ExactDecimal, unit: WeightUnit)
        case abnormal(ScaleReading.Status)
    }

    /// The most readings the window remembers (a window needing more is never satisfied).
    public static let windowCapacity = 256

    /// The configuration in force.
    public let configuration: Configuration
    private var lastOffer: Offer?
    private var recent: [(sample: Sample, at: Int64)] = []
    private var latest: ScaleReading?
    private var latestSettled = false

    /// Creates the capture logic in its initial state (nothing offered yet).
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Feeds the next reading, received at `milliseconds` (any monotonic origin), and decides.
    public mutating func offer(_ reading: ScaleReading, atMilliseconds milliseconds: Int64) -> Decision {
        if reading.kind == .tare || reading.status == .error { return .none }
        latest = reading
        latestSettled = false

        switch reading.status {
        case .overload, .underload, .zeroError:
            guard settle(.abnormal(reading.status), at: milliseconds) else { return .none }
            latestSettled = true
            if lastOffer == .abnormal(reading.status) { return .none }
            lastOffer = .abnormal(reading.status)
            return .capture(reading)
        case .ok, .motion, .error:
            break
        }

        guard reading.stable, reading.status == .ok, let weight = reading.weight else {
            recent.removeAll(keepingCapacity: true)
            return .none
        }
        let gross = Self.grossValue(of: reading, weight: weight)
        let division = weight.division.value
        let band = ExactDecimal(significand: configuration.zeroBandDivisions, scale: 0).multiplied(by: division)
        if let band, gross <= band {
            recent.removeAll(keepingCapacity: true)
            lastOffer = nil
            latestSettled = true
            return .none
        }
        guard settle(.load(value: weight.value, division: division, unit: weight.unit), at: milliseconds) else { return .none }
        latestSettled = true
        if case .load(let last, let unit)? = lastOffer, unit == weight.unit,
           let difference = gross.subtracting(last)?.magnitude,
           let tolerance = ExactDecimal(significand: configuration.sameLoadToleranceDivisions, scale: 0).multiplied(by: division),
           difference <= tolerance {
            return .none
        }
        lastOffer = .load(gross: gross, unit: weight.unit)
        return .capture(reading)
    }

    /// The operator's explicit capture: the latest reading offered as is (tare reports and error
    /// readings excepted), with its stable flag cleared when the software window has not settled it.
    /// `.none` before any reading. Does not change the automatic rule's state.
    public func captureNow() -> Decision {
        guard var reading = latest else { return .none }
        if configuration.stabilityWindow != nil && !latestSettled { reading.stable = false }
        return .capture(reading)
    }

    /// Forgets everything, as after a restart.
    public mutating func reset() {
        lastOffer = nil
        recent.removeAll()
        latest = nil
        latestSettled = false
    }

    /// Gross = net + tare for a net reading with a tare in the same unit; the weight otherwise.
    static func grossValue(of reading: ScaleReading, weight: Weight) -> ExactDecimal {
        if reading.kind == .net, let tare = reading.tare, tare.unit == weight.unit,
           let gross = weight.value.adding(tare.value) {
            return gross
        }
        return weight.value
    }

    /// Records `sample` and reports whether the stability window (if any) is satisfied.
    private mutating func settle(_ sample: Sample, at milliseconds: Int64) -> Bool {
        guard let window = configuration.stabilityWindow else { return true }
        if recent.count == Self.windowCapacity { recent.removeFirst() }
        recent.append((sample, milliseconds))
        var count = 0
        var earliest = milliseconds
        for entry in recent.reversed() {
            guard Self.agree(entry.sample, with: sample) else { break }
            count += 1
            earliest = entry.at
            if count >= window.readings && milliseconds - earliest >= window.milliseconds { return true }
        }
        return false
    }

    /// Same abnormal status, or loads in the same unit within one division of `current`.
    private static func agree(_ sample: Sample, with current: Sample) -> Bool {
        switch (sample, current) {
        case (.abnormal(let a), .abnormal(let b)):
            return a == b
        case (.load(let value, _, let unit), .load(let currentValue, let division, let currentUnit)):
            guard unit == currentUnit, let difference = value.subtracting(currentValue) else { return false }
            return difference.magnitude <= division
        default:
            return false
        }
    }
}

extension WeightCapture.Configuration {
    /// The capture rule for a profile's scale: its software stability window (`stability.readings`
    /// readings within ±1 division spanning at least `stability.ms`), applied after the indicator's own
    /// stable flag, with the default zero band and same-load tolerance unless given.
    public init(profile scale: HardwareProfile.ScaleOptions, zeroBandDivisions: Int64 = 10, sameLoadToleranceDivisions: Int64 = 1) {
        self.init(
            zeroBandDivisions: zeroBandDivisions, sameLoadToleranceDivisions: sameLoadToleranceDivisions,
            stabilityWindow: WeightCapture.StabilityWindow(profile: scale.stability))
    }
}

extension WeightCapture.StabilityWindow {
    /// The window a profile's `scale.stability` describes.
    public init(profile window: HardwareProfile.StabilityWindow) {
        self.init(readings: window.readings, milliseconds: Int64(window.milliseconds))
    }
}
