import XCTest
@testable import TallyCore

/// Shared values and helpers for the GS1 tests.
enum GS1Samples {
    static let gs = "\u{1D}"
    /// A GTIN-14 with a valid check digit (GS1's own example GTIN).
    static let gtin = "09506000134352"
    /// An SSCC with a valid check digit (10614141234567890 → 8).
    static let sscc = "106141412345678908"
    /// A GLN (13 digits) with a valid check digit: the GTIN above without its leading zero.
    static let gln = "9506000134352"
    /// A GSRN (18 digits).
    static let gsrn = withCheck("95060001343500001")
    /// A GSIN (17 digits).
    static let gsin = withCheck("9506000134350001")

    /// `digits` followed by their GS1 mod-10 check digit.
    static func withCheck(_ digits: String) -> String { digits + String(GS1CheckDigit.compute(digits)!) }

    /// The same key with its last digit changed (so its check digit is wrong).
    static func breakCheck(_ key: String) -> String {
        let last = Int(String(key.last!))!
        return String(key.dropLast()) + String((last + 1) % 10)
    }
}

extension XCTestCase {
    /// Normalizes `raw` and checks the first error's code and (when given) position.
    func assertFault(_ raw: String, _ code: ScanError.Code, at position: Int? = nil, naming: String? = nil,
                     _ normalizer: ScanNormalizer = ScanNormalizer(), file: StaticString = #filePath, line: UInt = #line) {
        let scan = normalizer.normalize(raw)
        guard let error = scan.errors.first else {
            return XCTFail("expected \(code.rawValue) for \(raw.debugDescription), got a valid scan: \(scan.elements)", file: file, line: line)
        }
        XCTAssertEqual(error.code, code, "\(raw.debugDescription): \(error)", file: file, line: line)
        if let position { XCTAssertEqual(error.position, position, "\(raw.debugDescription): \(error)", file: file, line: line) }
        if let naming { XCTAssertTrue(error.message.contains(naming), "'\(error.message)' should name \(naming)", file: file, line: line) }
        XCTAssertFalse(scan.isValid, file: file, line: line)
        XCTAssertNil(scan.matchKey, "an invalid scan gives the core nothing to match", file: file, line: line)
        guard case .unreadable = scan.content else { return XCTFail("content should be unreadable", file: file, line: line) }
    }

    /// Normalizes `raw` and checks that it is valid.
    @discardableResult
    func assertValid(_ raw: String, _ normalizer: ScanNormalizer = ScanNormalizer(),
                     file: StaticString = #filePath, line: UInt = #line) -> NormalizedScan {
        let scan = normalizer.normalize(raw)
        XCTAssertTrue(scan.isValid, "\(raw.debugDescription): \(scan.errors)", file: file, line: line)
        return scan
    }
}
