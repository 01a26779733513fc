import Foundation
import XCTest
@testable import TallyDevices

final class SerialSettingsTests: XCTestCase {
    func testValidSettingsAndDescription() throws {
        let settings = try SerialSettings(baudRate: 2400, dataBits: 7, parity: .even, stopBits: 1)
        XCTAssertEqual(settings.description, "2400 7E1")
        XCTAssertEqual(SerialSettings.default8N1.description, "9600 8N1")
        let flow = try SerialSettings(baudRate: 115200, dataBits: 8, parity: .odd, stopBits: 2, flowControl: .rtscts)
        XCTAssertEqual(flow.description, "115200 8O2 rtscts")
    }

    func testInvalidValuesThrowTypedErrors() {
        XCTAssertThrowsError(try SerialSettings(baudRate: 300)) { error in
            XCTAssertEqual(error as? SerialSettingsError, .unsupportedBaudRate(300))
        }
        XCTAssertThrowsError(try SerialSettings(baudRate: 230400)) { error in
            XCTAssertEqual(error as? SerialSettingsError, .unsupportedBaudRate(230400))
        }
        XCTAssertThrowsError(try SerialSettings(dataBits: 6)) { error in
            XCTAssertEqual(error as? SerialSettingsError, .unsupportedDataBits(6))
        }
        XCTAssertThrowsError(try SerialSettings(stopBits: 3)) { error in
            XCTAssertEqual(error as? SerialSettingsError, .unsupportedStopBits(3))
        }
    }

    func testNotation() throws {
        let settings = try SerialSettings(notation: "9600 7e1")
        XCTAssertEqual(settings.baudRate, 9600)
        XCTAssertEqual(settings.dataBits, 7)
        XCTAssertEqual(settings.parity, .even)
        XCTAssertEqual(settings.stopBits, 1)
        XCTAssertEqual(settings.flowControl, .none)
        XCTAssertEqual(try SerialSettings(notation: "19200 8N2 xonxoff").flowControl, .xonxoff)
        for bad in ["", "9600", "9600 8X1", "fast 8N1", "9600 8N1 magic", "9600 8N"] {
            XCTAssertThrowsError(try SerialSettings(notation: bad)) { error in
                XCTAssertEqual(error as? SerialSettingsError, .badNotation(bad), bad)
            }
        }
        XCTAssertThrowsError(try SerialSettings(notation: "9600 5N1")) { error in
            XCTAssertEqual(error as? SerialSettingsError, .unsupportedDataBits(5))
        }
    }

    func testCodableRoundTripAndValidationOnDecode() throws {
        let settings = try SerialSettings(baudRate: 4800, dataBits: 7, parity: .odd, stopBits: 2, flowControl: .xonxoff)
        let data = try JSONEncoder().encode(settings)
        XCTAssertEqual(try JSONDecoder().decode(SerialSettings.self, from: data), settings)

        let withoutFlow = Data(#"{"baudRate":9600,"dataBits":8,"parity":"none","stopBits":1}"#.utf8)
        XCTAssertEqual(try JSONDecoder().decode(SerialSettings.self, from: withoutFlow), SerialSettings.default8N1)

        let invalid = Data(#"{"baudRate":9601,"dataBits":8,"parity":"none","stopBits":1}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(SerialSettings.self, from: invalid)) { error in
            guard case DecodingError.dataCorrupted = error else { return XCTFail("\(error)") }
        }
    }
}
