import XCTest
@testable import TallyRuntime

/// The scanner benchmark runs end to end (figures are not checked: no timing assertions in tests).
final class ScannerBenchmarksTests: XCTestCase {
    func testReportDecodingBenchmarkProducesItsThreeFigures() async {
        let results = await Benchmarks.reportDecoding(minimumSeconds: 0.05, latencySamples: 50)
        XCTAssertEqual(results.map(\.name), [
            "scanner: keyboard-wedge reports decoded",
            "scanner: HID POS reports decoded",
            "scanner: last report → core event latency",
        ])
        XCTAssertTrue(results[2].measured.hasPrefix("p50 "), results[2].measured)
        XCTAssertTrue(results[2].detail.hasPrefix("50 scans"), results[2].detail)
        for result in results {
            XCTAssertFalse(result.detail.isEmpty)
            print("\(result.name): \(result.measured) (target \(result.target)) — \(result.detail)")
        }
    }
}
