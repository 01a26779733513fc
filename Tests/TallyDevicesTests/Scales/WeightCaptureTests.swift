import TallyCore
import XCTest
@testable import TallyDevices

private let tenth = Division(multiplier: 1, exponent: -1)!

/// A reading of `value` kg in 0.1 kg divisions (`value` written like the display: "412.5").
private func reading(
    _ value: String?, stable: Bool = true, status: ScaleReading.Status = .ok, kind: ScaleReading.Kind = .gross,
    tare: String? = nil
) -> ScaleReading {
    ScaleReading(
        protocolName: "test", kind: kind,
        weight: value.map { Weight(displayed: $0, unit: .kilogram, division: tenth)! },
        tare: tare.map { Weight(displayed: $0, unit: .kilogram, division: tenth)! },
        stable: stable, status: status, raw: Array((value ?? status.rawValue).utf8)
    )
}

private func moving(_ value: String) -> ScaleReading { reading(value, stable: false, status: .motion) }

/// Feeds readings one per 100 ms and returns the indices that were offered.
private func offered(_ capture: inout WeightCapture, _ readings: [ScaleReading], startingAt start: Int64 = 0) -> [Int] {
    var result: [Int] = []
    for (index, reading) in readings.enumerated() {
        if case .capture(let offered) = capture.offer(reading, atMilliseconds: start + Int64(index) * 100) {
            XCTAssertEqual(offered, reading, "an offered reading is never altered")
            result.append(index)
        }
    }
    return result
}

final class WeightCaptureTests: XCTestCase {
    func testOneCapturePerPlacement() {
        var capture = WeightCapture()
        let sequence = [
            reading("0.0"),                  // 0 empty
            moving("200.0"), moving("410.0"),
            reading("412.5"),                // 3 capture
            reading("412.5"), reading("412.6"), reading("412.5"),
            moving("413.0"), reading("412.5"), // wobble, same value: same placement
            moving("300.0"), reading("450.0"), // 10 something added: capture
            moving("100.0"), reading("0.3"),   // empty (within 10 d)
            moving("380.0"), reading("412.5"), // 14 new placement of the same weight: capture
        ]
        XCTAssertEqual(offered(&capture, sequence), [3, 10, 14])
    }

    func testDifferentStableValueWithoutMotionIsAChange() {
        var capture = WeightCapture()
        XCTAssertEqual(offered(&capture, [reading("412.5"), reading("412.6"), reading("412.8"), reading("412.9")]), [0, 2])
    }

    func testLoadAlreadyOnThePlatformAtStartIsCaptured() {
        var capture = WeightCapture()
        XCTAssertEqual(capture.offer(reading("412.5"), atMilliseconds: 0), .capture(reading("412.5")))
        XCTAssertEqual(capture.offer(reading("412.5"), atMilliseconds: 100), WeightCapture.Decision.none)
    }

    func testZeroBandInDivisions() {
        var capture = WeightCapture(configuration: .init(zeroBandDivisions: 10))
        XCTAssertEqual(offered(&capture, [reading("1.0"), reading("-1.0"), reading("-5.0"), reading("1.1")]), [3])
        var noBand = WeightCapture(configuration: .init(zeroBandDivisions: 0))
        XCTAssertEqual(offered(&noBand, [reading("0.0"), reading("0.1")]), [1])
    }

    func testMotionAndErrorsAreNeverOffered() {
        var capture = WeightCapture()
        let sequence = [
            moving("412.5"), reading("412.5", stable: false, status: .ok), reading(nil, stable: false, status: .error),
            reading("412.5", stable: true, status: .error), reading("12.0", kind: .tare),
        ]
        XCTAssertEqual(offered(&capture, sequence), [])
        XCTAssertEqual(capture.offer(reading("412.5"), atMilliseconds: 1000), .capture(reading("412.5")))
    }

    func testOverloadAndUnderloadAreOfferedOncePerEpisodeForRejection() {
        var capture = WeightCapture()
        let overload = reading(nil, stable: false, status: .overload)
        let underload = reading(nil, stable: false, status: .underload)
        let sequence = [
            moving("900.0"), overload, overload, // 1 offered
            moving("800.0"), reading("800.0"),   // 4 back in range: a change
            underload, underload,                // 5 offered
            reading("0.0"), overload,            // 8 offered again after the platform emptied
        ]
        XCTAssertEqual(offered(&capture, sequence), [1, 4, 5, 8])
        var fresh = WeightCapture()
        guard case .capture(let offered) = fresh.offer(overload, atMilliseconds: 0) else { return XCTFail("overload not offered") }
        XCTAssertFalse(offered.isCapturable)
        XCTAssertEqual(offered.rejectionReason, "overload")
        let overloadWithWeight = reading("999.9", stable: true, status: .overload)
        guard case .capture(let heavy) = WeightCapture().offeringOnce(overloadWithWeight) else { return XCTFail() }
        XCTAssertEqual(heavy.rejectionReason, "overload")
    }

    func testZeroErrorIsOfferedForRejection() {
        var capture = WeightCapture()
        let notZeroed = reading("412.5", stable: true, status: .zeroError)
        XCTAssertEqual(capture.offer(notZeroed, atMilliseconds: 0), .capture(notZeroed))
        XCTAssertEqual(capture.offer(notZeroed, atMilliseconds: 100), WeightCapture.Decision.none)
    }

    func testNetReadingsUseGrossForTheZeroBand() {
        var capture = WeightCapture(configuration: .init(zeroBandDivisions: 10))
        // Net 0.5 kg on a 400 kg tare: gross 400.5 kg is a load.
        let net = reading("0.5", kind: .net, tare: "400.0")
        XCTAssertEqual(capture.offer(net, atMilliseconds: 0), .capture(net))
        // Net -400.0 kg with the 400 kg tare: gross 0, the platform is empty.
        XCTAssertEqual(capture.offer(reading("-400.0", kind: .net, tare: "400.0"), atMilliseconds: 100), WeightCapture.Decision.none)
        XCTAssertEqual(capture.offer(net, atMilliseconds: 200), .capture(net))
    }

    func testSoftwareStabilityWindow() {
        let window = WeightCapture.StabilityWindow(readings: 3, milliseconds: 250)
        var capture = WeightCapture(configuration: .init(stabilityWindow: window))
        // 100 ms apart: three agreeing readings span only 200 ms; the fourth makes 300 ms.
        XCTAssertEqual(offered(&capture, [reading("412.5"), reading("412.6"), reading("412.5"), reading("412.5")]), [3])
        // Every reading of the run must be within one division of the newest one.
        var spread = WeightCapture(configuration: .init(stabilityWindow: window))
        XCTAssertEqual(offered(&spread, [reading("412.5"), reading("412.6"), reading("412.5"), reading("412.4"), reading("412.4")]), [])

        var jumpy = WeightCapture(configuration: .init(stabilityWindow: window))
        // A 2-division jump restarts the run; motion clears it.
        let sequence = [
            reading("412.5"), reading("412.5"), reading("412.7"), reading("412.7"), moving("412.7"),
            reading("412.7"), reading("412.7"), reading("412.7"), reading("412.7"),
        ]
        XCTAssertEqual(offered(&jumpy, sequence), [8])

        var fast = WeightCapture(configuration: .init(stabilityWindow: window))
        var decisions: [WeightCapture.Decision] = []
        for (index, time) in [0, 10, 20, 30, 40, 260].enumerated() {
            decisions.append(fast.offer(reading("412.5"), atMilliseconds: Int64(time)))
            if index < 5 { XCTAssertEqual(decisions.last, WeightCapture.Decision.none, "readings within \(time) ms") }
        }
        XCTAssertEqual(decisions.last, .capture(reading("412.5")))
    }

    func testCaptureNowOffersTheLatestReadingForTheCoreToJudge() {
        var capture = WeightCapture(configuration: .init(stabilityWindow: .init(readings: 2, milliseconds: 0)))
        XCTAssertEqual(capture.captureNow(), WeightCapture.Decision.none)
        _ = capture.offer(moving("300.0"), atMilliseconds: 0)
        guard case .capture(let unstable) = capture.captureNow() else { return XCTFail() }
        XCTAssertEqual(unstable.rejectionReason, "unstable (motion)")
        _ = capture.offer(reading("412.5"), atMilliseconds: 100)
        guard case .capture(let notYet) = capture.captureNow() else { return XCTFail() }
        XCTAssertFalse(notYet.stable, "the indicator says stable but the software window has not settled it")
        _ = capture.offer(reading("412.5"), atMilliseconds: 200)
        XCTAssertEqual(capture.captureNow(), .capture(reading("412.5")))
        capture.reset()
        XCTAssertEqual(capture.captureNow(), WeightCapture.Decision.none)
    }
}

private extension WeightCapture {
    /// The decision for a single reading on a fresh state.
    func offeringOnce(_ reading: ScaleReading) -> Decision {
        var copy = self
        return copy.offer(reading, atMilliseconds: 0)
    }
}
