/// The CSV form of a ``LoadReport``: one RFC 4180 table per section, in one file.
///
/// ## Layout
///
/// The file is UTF-8 with CRLF line ends. It is a sequence of sections, always the same ten in the same
/// order, separated by one blank line. Each section is:
///
/// 1. a marker line `# <section>` (one field, beginning with `#`, never quoted);
/// 2. a header row naming the columns (snake_case);
/// 3. zero or more data rows, one per record.
///
/// A section with no records (no seal yet, no unexpected scan) still has its marker and header. No data field
/// begins with an unquoted `#`: a field that begins with `#` is always quoted, so a record with one field
/// beginning `#` is a marker, and every other record is data of the section above it.
///
/// Fields are quoted (with `"`, doubled inside) when they contain a comma, a quote, a CR or an LF, or begin
/// with `#`. Empty means "none" or "not applicable". Booleans are `true` / `false`. Times are UTC RFC 3339
/// with milliseconds. Weights are exact decimals as the scale showed them; `*_kg` columns hold the exact
/// value in kilograms (the same digits for a kg weight; 1 lb = 0.45359237 kg). Lists in one field (overridden
/// alert ids) are separated by single spaces.
///
/// | section | rows | columns |
/// |---|---|---|
/// | `report` | 1 | format, generated_at, load, log_last_seq, log_last_hash, log_intact, log_events_verified, log_failure, state_seq |
/// | `load` | 1 | load, site, carrier, dock_door, status |
/// | `seal` | 0 or 1 | seal, seq, sealed_at, user, carrier, driver, override_reason, overridden_alerts |
/// | `reconciliation-load` | 1 | pallets, expected, scanned, missing, unexpected, misplaced, asset_verdict, pallets_with_expected_weight, pallets_weighed, pallets_within_tolerance, pallets_out_of_tolerance, expected_kg, measured_kg, difference_kg, weight_verdict |
/// | `reconciliation-pallets` | 1 per pallet | pallet, expected, declared, scanned, missing, misplaced, foreign, unexpected, expected_weight, expected_unit, expected_kg, tolerance, allowance_kg, measured_weight, measured_unit, measured_kg, difference_kg, verdict |
/// | `inventory` | 1 per expected asset | serial, asset_tag, make, model, category, data_bearing, sanitization, evidence, expected_pallet, status, scanned_pallet, misplaced, scanned_at, station, device, seq |
/// | `unexpected-scans` | 1 per scan | seq, scanned_at, subject, pallet, station, device, candidate, alert |
/// | `pallet-weights` | 1 per weighed pallet | pallet, seq, weighed_at, station, device, protocol, kind, stable, status, gross, gross_kg, tare, net, unit, division, divisions, raw_hex, within_tolerance |
/// | `exceptions` | 1 per alert | alert, seq, raised_at, code, severity, pallet, subject, station, device, candidate, message, state, acknowledged_by, acknowledged_at, acknowledgement_note, resolved_by, resolved_at, resolution_reason, resolution_note, overridden_at_seal |
/// | `custody-chain` | 1 per transfer | seq, at, from, to, place, signature, user |
///
/// In `reconciliation-pallets` the `missing`, `misplaced`, `foreign` and `unexpected` columns are counts;
/// the serials behind them are the `inventory` rows (status `missing`, or `misplaced` true) and the
/// `unexpected-scans` rows of that pallet. In `pallet-weights`, `unit`, `division` and `divisions` describe the
/// gross weight; `tare` and `net` are in the same unit (followed by their own unit if a scale ever sent a tare in
/// another one).
public enum CSVReport {
    /// The section names, in file order.
    public static let sections = [
        "report", "load", "seal", "reconciliation-load", "reconciliation-pallets", "inventory",
        "unexpected-scans", "pallet-weights", "exceptions", "custody-chain",
    ]

    /// The report as CSV text.
    public static func render(_ report: LoadReport) -> String {
        var out = CSVWriter()
        let log = report.log
        out.section("report", header: ["format", "generated_at", "load", "log_last_seq", "log_last_hash", "log_intact",
                                       "log_events_verified", "log_failure", "state_seq"])
        out.row([report.format, report.generatedAt, report.load.id, "\(log.lastSeq)", log.lastHash, bool(log.intact),
                 "\(log.eventsVerified)", log.failure, "\(log.stateSeq)"])

        let load = report.load
        out.section("load", header: ["load", "site", "carrier", "dock_door", "status"])
        out.row([load.id, load.site, load.carrier, load.dockDoor, load.status])

        out.section("seal", header: ["seal", "seq", "sealed_at", "user", "carrier", "driver", "override_reason", "overridden_alerts"])
        if let seal = report.seal {
            out.row([seal.number, "\(seal.seq)", seal.at, seal.user, seal.carrier, seal.driver, seal.overrideReason,
                     seal.overriddenAlerts.map(String.init).joined(separator: " ")])
        }

        let totals = report.reconciliation.load
        out.section("reconciliation-load", header: [
            "pallets", "expected", "scanned", "missing", "unexpected", "misplaced", "asset_verdict", "pallets_with_expected_weight",
            "pallets_weighed", "pallets_within_tolerance", "pallets_out_of_tolerance", "expected_kg", "measured_kg", "difference_kg",
            "weight_verdict",
        ])
        out.row(["\(totals.pallets)", "\(totals.expected)", "\(totals.scanned)", "\(totals.missing)", "\(totals.unexpected)",
                 "\(totals.misplaced)", totals.assetVerdict, "\(totals.palletsWithExpectedWeight)", "\(totals.palletsWeighed)",
                 "\(totals.palletsWithinTolerance)", "\(totals.palletsOutOfTolerance)", totals.expectedKilograms,
                 totals.measuredKilograms, totals.differenceKilograms, totals.weightVerdict.rawValue])

        out.section("reconciliation-pallets", header: [
            "pallet", "expected", "declared", "scanned", "missing", "misplaced", "foreign", "unexpected", "expected_weight",
            "expected_unit", "expected_kg", "tolerance", "allowance_kg", "measured_weight", "measured_unit", "measured_kg",
            "difference_kg", "verdict",
        ])
        for line in report.reconciliation.pallets {
            out.row([line.pallet, "\(line.expected)", line.declared.map(String.init), "\(line.scanned)", "\(line.missing.count)",
                     "\(line.misplaced.count)", "\(line.foreign.count)", "\(line.unexpected.count)", line.expectedWeight?.value,
                     line.expectedWeight?.unit, kilograms(line.expectedWeight), line.tolerance, line.allowanceKilograms,
                     line.measuredWeight?.value, line.measuredWeight?.unit, kilograms(line.measuredWeight), line.differenceKilograms,
                     line.verdict.rawValue])
        }

        out.section("inventory", header: [
            "serial", "asset_tag", "make", "model", "category", "data_bearing", "sanitization", "evidence", "expected_pallet",
            "status", "scanned_pallet", "misplaced", "scanned_at", "station", "device", "seq",
        ])
        for item in report.inventory {
            out.row([item.serial, item.assetTag, item.make, item.model, item.category, bool(item.dataBearing), item.sanitization,
                     item.evidence, item.expectedPallet, item.status, item.scannedPallet, bool(item.misplaced), item.scannedAt,
                     item.station, item.device, item.seq.map(String.init)])
        }

        out.section("unexpected-scans", header: ["seq", "scanned_at", "subject", "pallet", "station", "device", "candidate", "alert"])
        for scan in report.unexpectedScans {
            out.row(["\(scan.seq)", scan.at, scan.subject, scan.pallet, scan.station, scan.device, scan.candidate,
                     scan.alert.map(String.init)])
        }

        out.section("pallet-weights", header: [
            "pallet", "seq", "weighed_at", "station", "device", "protocol", "kind", "stable", "status", "gross", "gross_kg",
            "tare", "net", "unit", "division", "divisions", "raw_hex", "within_tolerance",
        ])
        for weighing in report.palletWeights {
            let gross = weighing.gross
            func sameUnit(_ weight: LoadReport.ReportedWeight?) -> String? {
                guard let weight else { return nil }
                return weight.unit == gross.unit ? weight.value : weight.text
            }
            out.row([weighing.pallet, "\(weighing.seq)", weighing.at, weighing.station, weighing.device, weighing.protocol,
                     weighing.kind, bool(weighing.stable), weighing.status, gross.value, kilograms(gross), sameUnit(weighing.tare),
                     sameUnit(weighing.net), gross.unit, gross.division, "\(gross.divisions)", weighing.rawHex,
                     weighing.withinTolerance.map(bool)])
        }

        out.section("exceptions", header: [
            "alert", "seq", "raised_at", "code", "severity", "pallet", "subject", "station", "device", "candidate", "message",
            "state", "acknowledged_by", "acknowledged_at", "acknowledgement_note", "resolved_by", "resolved_at",
            "resolution_reason", "resolution_note", "overridden_at_seal",
        ])
        for alert in report.exceptions {
            out.row(["\(alert.id)", "\(alert.seq)", alert.raisedAt, alert.code, alert.severity, alert.pallet, alert.subject,
                     alert.station, alert.device, alert.candidate, alert.message, alert.state, alert.acknowledgement?.user,
                     alert.acknowledgement?.at, alert.acknowledgement?.note, alert.resolution?.user, alert.resolution?.at,
                     alert.resolution?.reason, alert.resolution?.note, bool(alert.overriddenAtSeal)])
        }

        out.section("custody-chain", header: ["seq", "at", "from", "to", "place", "signature", "user"])
        for link in report.custodyChain {
            out.row(["\(link.seq)", link.at, link.from, link.to, link.place, link.signature, link.user])
        }
        return out.text
    }

    private static func bool(_ value: Bool) -> String { value ? "true" : "false" }

    /// The exact kilograms of a weight: its conversion, or its own value when it is in kg.
    private static func kilograms(_ weight: LoadReport.ReportedWeight?) -> String? {
        guard let weight else { return nil }
        return weight.unit == "kg" ? weight.value : weight.kilograms
    }

    /// Quotes one field as RFC 4180 requires (and when it begins with `#`, so it is never taken for a marker).
    public static func field(_ value: String) -> String {
        // Bytes, not Characters: a quote followed by a combining mark is still a quote to every CSV reader.
        let bytes = value.utf8
        let needsQuotes = bytes.first == 0x23 || bytes.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }
        guard needsQuotes else { return value }
        var quoted: [UInt8] = [0x22]
        quoted.reserveCapacity(bytes.count + 8)
        for byte in bytes {
            quoted.append(byte)
            if byte == 0x22 { quoted.append(0x22) }
        }
        quoted.append(0x22)
        return String(decoding: quoted, as: UTF8.self)
    }
}

/// Accumulates the sections of a CSV report.
private struct CSVWriter {
    var text = ""

    mutating func section(_ name: String, header: [String]) {
        if !text.isEmpty { text += "\r\n" }
        text += "# \(name)\r\n"
        row(header)
    }

    mutating func row(_ fields: [String?]) {
        text += fields.map { CSVReport.field($0 ?? "") }.joined(separator: ",")
        text += "\r\n"
    }
}
