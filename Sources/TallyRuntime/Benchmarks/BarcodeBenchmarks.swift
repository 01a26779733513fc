import Foundation
import TallyCore

extension Benchmarks {
    /// Typical GS1 scans at a dock: GS1-128 pallet labels and GS1 DataMatrix item labels, with and
    /// without separators, weights, dates, counts and asset identifiers.
    public static let typicalGS1Scans: [String] = {
        let gs = "\u{1D}"
        return [
            // GS1-128 pallet label: SSCC.
            "]C100306141410004510006",
            // GS1-128 logistic label: SSCC, content GTIN, count, gross weight, order number.
            "]C100106141412345678908" + "0210614141000415" + "3712" + gs + "3301004250" + "400PO-4711",
            // GS1-128 with the FNC1 in first position sent as GS.
            "]C1" + gs + "00106141412345678908",
            // GS1 DataMatrix item label: GTIN, expiry, lot, serial.
            "]d201095060001343521725123110LOT-42" + gs + "21SN0000123",
            // GS1 DataMatrix: GTIN and serial only.
            "]d20110614141000415" + "21C02XK0YZJGH5",
            // GS1 DataMatrix: GTIN, serial, production date, net weight.
            "]d20109506000134352" + "21WX12345678" + gs + "112601153102001250",
            // GS1-128 individual asset (GIAI).
            "]C18004061414123456789",
            // GS1 QR Code: GTIN with serial and day-00 best-before date.
            "]Q301095060001343521526120021AB-99",
        ]
    }()

    /// Scans decoded per second, one core: ``ScanNormalizer`` over typical GS1-128 and GS1 DataMatrix scans.
    public static func barcodes(scans: Int = 2_000_000) -> BenchmarkResult {
        let normalizer = ScanNormalizer()
        let inputs = typicalGS1Scans
        // Warm up (table set-up, caches) and check that every input is a valid scan.
        var invalid = 0
        for input in inputs where !normalizer.normalize(input).isValid { invalid += 1 }
        let (checksum, seconds) = time { () -> Int in
            var checksum = 0
            var i = 0
            for n in 0..<scans {
                let scan = normalizer.normalize(inputs[i])
                checksum &+= scan.elements.count &+ (scan.isValid ? n & 1 : 0)
                i += 1
                if i == inputs.count { i = 0 }
            }
            return checksum
        }
        let perSecond = Double(scans) / seconds
        return BenchmarkResult(
            name: "barcodes: GS1 scans decoded", measured: rate(scans, seconds), target: "≥ 1 M/s",
            met: perSecond >= 1_000_000 && invalid == 0,
            detail: "\(scans) GS1-128 and GS1 DataMatrix scans (\(inputs.count) typical labels: SSCC, GTIN + serial, dates, lots, weights, GIAI) "
                + "fully validated against the AI table, one core, in \(String(format: "%.2f", seconds)) s (checksum \(checksum & 0xFFFF))"
                + (invalid > 0 ? ", \(invalid) INVALID inputs" : ""))
    }
}
