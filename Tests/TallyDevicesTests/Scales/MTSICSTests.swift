import TallyCore
import XCTest
@testable import TallyDevices

/// `text` + CR LF as a frame at `offset`.
private func frame(_ text: String, at offset: Int = 0) -> ScaleFrame {
    ScaleFrame(bytes: Array(text.utf8) + [0x0D, 0x0A], offset: offset)
}

private func division(_ text: String) -> Division { Division(parsing: text)! }

final class MTSICSTests: XCTestCase {
    func testNameAndCommands() {
        XCTAssertEqual(MTSICS.name, "mt-sics")
        XCTAssertEqual(MTSICS().name, "mt-sics")
        XCTAssertEqual(MTSICS.sendStableWeight, Array("S\r\n".utf8))
        XCTAssertEqual(MTSICS.sendWeightImmediately, Array("SI\r\n".utf8))
        XCTAssertEqual(MTSICS.sendWeightImmediatelyAndRepeat, Array("SIR\r\n".utf8))
        XCTAssertEqual(MTSICS.zero, Array("Z\r\n".utf8))
        XCTAssertEqual(MTSICS.tare, Array("T\r\n".utf8))
        XCTAssertEqual(MTSICS.queryTare, Array("TA\r\n".utf8))
        XCTAssertEqual(MTSICS.clearTare, Array("TAC\r\n".utf8))
        XCTAssertEqual(MTSICS.presetTare(Weight(divisions: 125, division: division("0.1"), unit: .kilogram)), Array("TA 12.5 kg\r\n".utf8))
        let driver = MTSICS()
        XCTAssertEqual(driver.pollCommand, MTSICS.sendWeightImmediately)
        XCTAssertEqual(driver.startContinuousCommand, MTSICS.sendWeightImmediatelyAndRepeat)
        XCTAssertEqual(driver.stopContinuousCommand, MTSICS.sendWeightImmediately)
    }

    /// The parse table: frame text → (status, stable, weight divisions, division, unit).
    func testWeightReplies() throws {
        let table: [(String, ScaleReading.Status, Bool, Int64?, String?, WeightUnit?)] = [
            ("S S     412.5 kg", .ok, true, 4125, "0.1", .kilogram),
            ("S S      412.5 kg", .ok, true, 4125, "0.1", .kilogram),
            ("S D     412.3 kg", .motion, false, 4123, "0.1", .kilogram),
            ("S S    -12.35 g", .ok, true, -1235, "0.01", .gram),
            ("S S -     12.35 g", .ok, true, -1235, "0.01", .gram),
            ("S S     905.5 lb", .ok, true, 9055, "0.1", .pound),
            ("S S       1200 kg", .ok, true, 1200, "1", .kilogram),
            ("S S    100.000 g", .ok, true, 100_000, "0.001", .gram),
            ("S D      0.000 kg", .motion, false, 0, "0.001", .kilogram),
            ("S S      2.125 t", .ok, true, 2125, "0.001", .tonne),
            ("S +", .overload, false, nil, nil, nil),
            ("S -", .underload, false, nil, nil, nil),
            ("S I", .error, false, nil, nil, nil),
            ("ES", .error, false, nil, nil, nil),
            ("ET", .error, false, nil, nil, nil),
            ("EL", .error, false, nil, nil, nil),
        ]
        for (text, status, stable, divisions, d, unit) in table {
            var driver = MTSICS()
            let input = frame(text, at: 42)
            let reading = try driver.parse(input)
            XCTAssertEqual(reading.protocolName, "mt-sics", text)
            XCTAssertEqual(reading.kind, .gross, text)
            XCTAssertEqual(reading.status, status, text)
            XCTAssertEqual(reading.stable, stable, text)
            XCTAssertEqual(reading.raw, input.bytes, "raw frame kept: \(text)")
            XCTAssertNil(reading.tare, text)
            if let divisions, let d, let unit {
                XCTAssertEqual(reading.weight, Weight(divisions: divisions, division: division(d), unit: unit), text)
            } else {
                XCTAssertNil(reading.weight, text)
            }
            XCTAssertEqual(reading.isCapturable, status == .ok && stable, text)
        }
    }

    func testDisplayedDigitsAreKept() throws {
        var driver = MTSICS()
        let reading = try driver.parse(frame("S S     412.50 kg"))
        XCTAssertEqual(reading.weight?.description, "412.50 kg")
        XCTAssertEqual(reading.weight?.divisions, 41250)
    }

    func testProfileDivision() throws {
        var driver = MTSICS(options: ScaleDriverOptions(division: division("0.5")))
        XCTAssertEqual(try driver.parse(frame("S S     412.5 kg")).weight, Weight(divisions: 825, division: division("0.5"), unit: .kilogram))
        XCTAssertEqual(try driver.parse(frame("S S       412 kg")).weight, Weight(divisions: 824, division: division("0.5"), unit: .kilogram))
        XCTAssertThrowsError(try driver.parse(frame("S S     412.3 kg", at: 7))) { error in
            guard let error = error as? FrameError, case .badWeight = error.reason else { return XCTFail("\(error)") }
            XCTAssertEqual(error.offset, 7)
        }
        var twenty = MTSICS(options: ScaleDriverOptions(division: division("20")))
        XCTAssertEqual(try twenty.parse(frame("S S      12340 lb")).weight, Weight(divisions: 617, division: division("20"), unit: .pound))
    }

    func testNetWhileATareIsKnown() throws {
        var driver = MTSICS()
        let tare = try driver.parse(frame("T S      12.0 kg"))
        XCTAssertEqual(tare.kind, .tare)
        XCTAssertEqual(tare.weight, Weight(divisions: 120, division: division("0.1"), unit: .kilogram))
        XCTAssertTrue(tare.stable)
        XCTAssertEqual(driver.activeTare, tare.weight)

        let net = try driver.parse(frame("S S     400.5 kg"))
        XCTAssertEqual(net.kind, .net)
        XCTAssertEqual(net.tare, tare.weight)
        XCTAssertEqual(net.weight?.divisions, 4005)
        XCTAssertEqual(try driver.parse(frame("S D     400.4 kg")).kind, .net)
        XCTAssertEqual(try driver.parse(frame("S +")).kind, .net)

        // Z A clears the tare.
        XCTAssertThrowsError(try driver.parse(frame("Z A", at: 3))) { error in
            XCTAssertEqual(error as? FrameError, FrameError(offset: 3, reason: .reply("Z A")))
            XCTAssertEqual((error as? FrameError)?.isFault, false)
        }
        XCTAssertNil(driver.activeTare)
        XCTAssertEqual(try driver.parse(frame("S S     412.5 kg")).kind, .gross)

        // TA A with a value sets it; TA A zero or TAC A clears it.
        XCTAssertEqual(try driver.parse(frame("TA A      5.5 kg")).kind, .tare)
        XCTAssertEqual(driver.activeTare?.divisions, 55)
        XCTAssertEqual(try driver.parse(frame("S S     100.0 kg")).kind, .net)
        XCTAssertThrowsError(try driver.parse(frame("TAC A")))
        XCTAssertNil(driver.activeTare)
        _ = try driver.parse(frame("TA A      5.5 kg"))
        _ = try driver.parse(frame("TA A      0.0 kg"))
        XCTAssertNil(driver.activeTare)
        XCTAssertEqual(try driver.parse(frame("S S     100.0 kg")).kind, .gross)
    }

    func testRepliesWithoutReadings() {
        for text in ["Z A", "Z I", "Z +", "T I", "T +", "TA I", "TAC A", "I4 A \"B207696838\"", "@ A", "SIR I", "TA A"] {
            var driver = MTSICS()
            XCTAssertThrowsError(try driver.parse(frame(text, at: 9)), text) { error in
                XCTAssertEqual(error as? FrameError, FrameError(offset: 9, reason: .reply(text)), text)
            }
        }
    }

    func testFaults() {
        let cases: [(String, FrameError.Reason)] = [
            ("S S     12.5 ct", .unknownUnit("ct")),
            ("S S     12.5 mg", .unknownUnit("mg")),
            ("S S     12.5", .malformed("weight reply without value and unit")),
            ("S S", .malformed("weight reply without value and unit")),
            ("S S  Error 1", .badWeight("\"Error\" is not a number")),
            ("S S    1.2.3 kg", .badWeight("\"1.2.3\" is not a number")),
            ("S S    1e3 kg", .badWeight("\"1e3\" is not a number")),
            ("S X     12.5 kg", .malformed("unexpected weight reply \"S X     12.5 kg\"")),
            ("S + 12", .malformed("unexpected weight reply \"S + 12\"")),
            ("hello world", .malformed("not an MT-SICS reply: \"hello world\"")),
            ("ABCDEFG A", .malformed("not an MT-SICS reply: \"ABCDEFG A\"")),
            ("Z", .malformed("not an MT-SICS reply: \"Z\"")),
            ("", .malformed("empty line")),
            ("   ", .malformed("empty line")),
        ]
        for (text, reason) in cases {
            var driver = MTSICS()
            XCTAssertThrowsError(try driver.parse(frame(text, at: 1234)), text) { error in
                XCTAssertEqual(error as? FrameError, FrameError(offset: 1234, reason: reason), text)
                XCTAssertEqual((error as? FrameError)?.isFault, true, text)
            }
        }
        var driver = MTSICS()
        XCTAssertThrowsError(try driver.parse(ScaleFrame(bytes: Array("S S 1 kg".utf8), offset: 5))) { error in
            XCTAssertEqual(error as? FrameError, FrameError(offset: 5, reason: .malformed("no CR LF terminator")))
        }
        XCTAssertThrowsError(try driver.parse(ScaleFrame(bytes: [0x53, 0x00, 0x0D, 0x0A], offset: 6))) { error in
            XCTAssertEqual(error as? FrameError, FrameError(offset: 6, reason: .malformed("non-printable byte")))
        }
    }

    func testFramerAndParserTogether() throws {
        var driver = MTSICS()
        var framer = driver.makeFramer()
        let stream = Array("S D     410.0 kg\r\n\u{0}\u{7}S S     412.5 kg\r\n".utf8)
        var readings: [(ScaleReading, Int)] = []
        var errors: [FrameError] = []
        for output in framer.append(stream) {
            switch output {
            case .frame(let frame): readings.append((try driver.parse(frame), frame.offset))
            case .discarded(let error): errors.append(error)
            }
        }
        XCTAssertEqual(readings.map(\.1), [0, 20])
        XCTAssertEqual(readings.map(\.0.status), [.motion, .ok])
        XCTAssertEqual(errors, [FrameError(offset: 18, reason: .garbage(byteCount: 2))])
        XCTAssertEqual(readings[1].0.raw, Array("S S     412.5 kg\r\n".utf8))
    }
}
