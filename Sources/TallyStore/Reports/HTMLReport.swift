/// The HTML form of a ``LoadReport``: one self-contained page (inline CSS, no scripts, no images, no
/// external links) that reads well on screen and prints cleanly on paper.
///
/// Layout: a header with the load, its seal and the log anchor (last seq and SHA-256 hash); then one section
/// per table: reconciliation (load totals and pallets), pallet weights, exceptions, unexpected scans,
/// serialized inventory and the custody chain; then how to check the report against the log.
///
/// Printing: landscape pages; each section starts on a new page; table rows never split across pages and
/// table headers repeat on every page; each page's foot names the load, the seal and the log anchor, with
/// the page number. Colours are kept when printing but every verdict is also written in words.
///
/// Every text value from the manifest, the devices or the users is HTML-escaped (`& < > " '`), and control
/// characters are shown by their ASCII names (GS as `[GS]`); raw scale frames are shown in hex and as text with
/// C escapes (`\r\n`).
public enum HTMLReport {
    /// The report as one HTML document.
    public static func render(_ report: LoadReport) -> String {
        var h = HTMLWriter()
        let load = report.load
        let title = "Custody report · load \(load.id)" + (report.seal.map { " · seal \($0.number)" } ?? "")
        h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        h.raw("<meta name=\"generator\" content=\"\(escape(report.format))\">\n")
        h.raw("<title>\(escape(title))</title>\n<style>\n\(stylesheet)\n\(pageFooter(report))\n</style>\n</head>\n<body>\n")

        header(report, &h)
        reconciliation(report, &h)
        weights(report, &h)
        exceptions(report, &h)
        unexpected(report, &h)
        inventory(report, &h)
        custody(report, &h)
        footer(report, &h)
        h.raw("</body>\n</html>\n")
        return h.text
    }

    // MARK: - Header

    private static func header(_ report: LoadReport, _ h: inout HTMLWriter) {
        let load = report.load, log = report.log
        h.raw("<header class=\"report-header\">\n")
        h.raw("<div class=\"kicker\">Tally · chain-of-custody report</div>\n")
        h.raw("<h1>Load <span class=\"id\">\(escape(load.id))</span> ")
        h.raw(badge(load.status, load.status == "sealed" ? "ok" : "warn"))
        h.raw("</h1>\n<div class=\"facts\">\n")

        h.raw("<dl>\n")
        fact("Site", load.site, &h)
        fact("Carrier", load.carrier, &h)
        fact("Dock door", load.dockDoor, &h)
        h.raw("</dl>\n<dl>\n")
        if let seal = report.seal {
            fact("Seal", seal.number, &h, mono: true)
            fact("Sealed at", seal.at, &h, mono: true, isTime: true)
            fact("Sealed by", seal.user, &h)
            fact("Driver", seal.driver, &h)
            if let carrier = seal.carrier, carrier != load.carrier { fact("Seal carrier", carrier, &h) }
        } else {
            fact("Seal", "not sealed", &h)
        }
        h.raw("</dl>\n<dl>\n")
        fact("Log last seq", "\(log.lastSeq)", &h, mono: true)
        fact("Log hash (SHA-256)", log.lastHash, &h, mono: true, wide: true)
        fact("Chain", log.intact ? "intact, \(log.eventsVerified) events verified" : "BROKEN", &h)
        fact("Generated", report.generatedAt, &h, mono: true, isTime: true)
        h.raw("</dl>\n</div>\n")

        if !log.intact {
            h.raw("<p class=\"banner bad\"><strong>The custody log's hash chain is broken</strong> (\(escape(log.failure ?? "")))."
                  + " Only events up to seq \(log.lastSeq) are verified; this report covers events up to seq \(log.stateSeq)"
                  + " and cannot be proven against the log.</p>\n")
        } else if log.stateSeq != log.lastSeq {
            h.raw("<p class=\"banner warn\">This report's state covers events up to seq \(log.stateSeq); the log anchor is seq \(log.lastSeq).</p>\n")
        }
        if let seal = report.seal, let reason = seal.overrideReason {
            let ids = seal.overriddenAlerts.map { "#\($0)" }.joined(separator: ", ")
            h.raw("<p class=\"banner warn\"><strong>Sealed by override</strong> over \(seal.overriddenAlerts.count) open critical alert(s)"
                  + (ids.isEmpty ? "" : " (\(escape(ids)))") + (seal.user.map { " by \(escape($0))" } ?? "")
                  + ": “\(escape(reason))”</p>\n")
        }
        h.raw("</header>\n")
    }

    private static func fact(_ label: String, _ value: String?, _ h: inout HTMLWriter, mono: Bool = false, wide: Bool = false,
                             isTime: Bool = false) {
        h.raw("<div\(wide ? " class=\"wide\"" : "")><dt>\(escape(label))</dt><dd\(mono ? " class=\"mono\"" : "")>")
        h.raw(value.map(isTime ? time : escape) ?? "<span class=\"none\">—</span>")
        h.raw("</dd></div>\n")
    }

    // MARK: - Sections

    private static func reconciliation(_ report: LoadReport, _ h: inout HTMLWriter) {
        let totals = report.reconciliation.load
        h.open(section: "reconciliation", title: "Reconciliation")
        h.raw("<div class=\"cards\">\n")
        card("Expected", "\(totals.expected)", nil, &h)
        card("Scanned", "\(totals.scanned)", totals.scanned == totals.expected ? "ok" : nil, &h)
        card("Missing", "\(totals.missing)", totals.missing == 0 ? "ok" : "bad", &h)
        card("Unexpected", "\(totals.unexpected)", totals.unexpected == 0 ? "ok" : "bad", &h)
        card("Misplaced", "\(totals.misplaced)", totals.misplaced == 0 ? "ok" : "warn", &h)
        card("Pallets weighed", "\(totals.palletsWeighed) / \(totals.pallets)", totals.palletsWeighed == totals.pallets ? "ok" : "warn", &h)
        card("Weight", words(totals.weightVerdict), tone(totals.weightVerdict), &h)
        h.raw("</div>\n")
        h.raw("<p class=\"summary\">Assets: <strong>\(escape(totals.assetVerdict == "all-present" ? "all present" : "discrepancies"))</strong>.")
        if let expected = totals.expectedKilograms {
            h.raw(" Expected gross \(escape(expected)) kg")
            if let measured = totals.measuredKilograms { h.raw(", measured \(escape(measured)) kg") }
            if let difference = totals.differenceKilograms { h.raw(" (\(escape(signed(difference))) kg)") }
            h.raw(".")
        } else if let measured = totals.measuredKilograms {
            h.raw(" Measured gross \(escape(measured)) kg.")
        }
        h.raw(" Pallets within tolerance: \(totals.palletsWithinTolerance), outside: \(totals.palletsOutOfTolerance).</p>\n")

        h.table(["Pallet", "Expected", "Scanned", "Missing", "Misplaced", "From other pallets", "Unexpected",
                 "Expected weight", "Tolerance", "Measured", "Difference", "Verdict"],
                numeric: [1, 2])
        for line in report.reconciliation.pallets {
            h.raw("<tr>")
            h.cell(line.pallet, .id)
            h.raw("<td class=\"num\">\(line.expected)\(line.declared.map { $0 == line.expected ? "" : " <span class=\"note\">(declared \($0))</span>" } ?? "")</td>")
            h.raw("<td class=\"num\">\(line.scanned)</td>")
            h.listCell(line.missing, tone: "bad")
            h.listCell(line.misplaced, tone: "warn")
            h.listCell(line.foreign, tone: "warn")
            h.listCell(line.unexpected, tone: "bad")
            h.raw("<td>\(weightHTML(line.expectedWeight))</td>")
            h.raw("<td>\(line.tolerance.map { "±" + escape($0) } ?? (line.expectedWeight == nil ? none : "exact"))"
                  + "\(line.allowanceKilograms.map { "\($0) kg" == line.tolerance ? "" : "<div class=\"note nobr\">±\(escape($0)) kg</div>" } ?? "")</td>")
            h.raw("<td>\(weightHTML(line.measuredWeight))</td>")
            h.raw("<td class=\"num nobr\">\(line.differenceKilograms.map { escape(signed($0)) + " kg" } ?? none)</td>")
            h.raw("<td>\(badge(words(line.verdict), tone(line.verdict)))</td>")
            h.raw("</tr>\n")
        }
        h.close(table: report.reconciliation.pallets.isEmpty, empty: "The manifest lists no pallet for this load.")
        h.closeSection()
    }

    private static func weights(_ report: LoadReport, _ h: inout HTMLWriter) {
        h.open(section: "weights", title: "Pallet weights")
        h.table(["Pallet", "Weighed at", "Gross", "Tare", "Net", "d / divisions", "Reading", "Scale", "Raw frame", "Verdict"], numeric: [])
        for w in report.palletWeights {
            h.raw("<tr>")
            h.cell(w.pallet, .id)
            h.cell(w.at, .time)
            h.raw("<td>\(weightHTML(w.gross))</td><td>\(weightHTML(w.tare))</td><td>\(weightHTML(w.net))</td>")
            h.raw("<td class=\"mono\">\(escape(w.gross.division)) \(escape(w.gross.unit))<div class=\"note\">× \(w.gross.divisions)</div></td>")
            h.raw("<td>\(escape(w.kind)), \(w.stable ? "stable" : "<strong>unstable</strong>"), \(escape(w.status))</td>")
            h.raw("<td><span class=\"mono\">\(w.device.map(escape) ?? none)</span><div class=\"note\">\(escape(w.protocol)) at \(escape(w.station)) · seq \(w.seq)</div></td>")
            h.raw("<td class=\"frame\"><code>\(escape(spacedHex(w.rawHex)))</code><div class=\"note mono\">\(escape(visibleFrame(w.rawHex)))</div></td>")
            let verdict: LoadReport.WeightVerdict = switch w.withinTolerance {
            case true?: .withinTolerance
            case false?: .outOfTolerance
            case nil: .noExpectedWeight
            }
            h.raw("<td>\(badge(words(verdict), tone(verdict)))</td>")
            h.raw("</tr>\n")
        }
        h.close(table: report.palletWeights.isEmpty, empty: "No pallet of this load was weighed.")
        h.closeSection()
    }

    private static func exceptions(_ report: LoadReport, _ h: inout HTMLWriter) {
        let open = report.exceptions.filter { $0.state == "open" }.count
        let resolved = report.exceptions.filter { $0.state == "resolved" }.count
        h.open(section: "exceptions", title: "Exceptions",
               note: "\(report.exceptions.count) alert(s): \(resolved) resolved, \(report.exceptions.count - resolved - open) acknowledged, \(open) open")
        h.table(["#", "Raised", "Alert", "Subject", "Where", "Message", "State", "Handling"], numeric: [0])
        for alert in report.exceptions {
            let rowClass = alert.severity == "critical" && alert.state != "resolved" ? " class=\"attention\"" : ""
            h.raw("<tr\(rowClass)>")
            h.raw("<td class=\"num\">\(alert.id)</td>")
            h.raw("<td class=\"mono\">\(alert.raisedAt.map(time) ?? none)<div class=\"note\">seq \(alert.seq)</div></td>")
            h.raw("<td><span class=\"mono\">\(escape(alert.code))</span><div>\(badge(alert.severity, alert.severity == "critical" ? "bad" : "warn"))</div></td>")
            h.raw("<td class=\"mono\">\(id(alert.subject))\(alert.candidate.map { "<div class=\"note\">did you mean \(escape($0))?</div>" } ?? "")</td>")
            var place: [String] = []
            if let pallet = alert.pallet { place.append("pallet <span class=\"mono\">\(id(pallet))</span>") }
            if let station = alert.station { place.append(escape(station)) }
            if let device = alert.device { place.append("<span class=\"mono\">\(escape(device))</span>") }
            h.raw("<td>\(place.isEmpty ? none : place.joined(separator: "<br>"))</td>")
            h.cell(alert.message)
            let stateTone = alert.state == "resolved" ? "ok" : alert.state == "acknowledged" ? "warn" : "bad"
            h.raw("<td>\(badge(alert.state, stateTone))\(alert.overriddenAtSeal ? "<div class=\"note\"><strong>overridden at seal</strong></div>" : "")</td>")
            var handling: [String] = []
            if let ack = alert.acknowledgement {
                handling.append("Acknowledged by <strong>\(escape(ack.user))</strong> at <span class=\"mono\">\(time(ack.at))</span>"
                                + (ack.note.map { ": “\(escape($0))”" } ?? ""))
            }
            if let res = alert.resolution {
                handling.append("Resolved by <strong>\(escape(res.user))</strong> at <span class=\"mono\">\(time(res.at))</span>"
                                + (res.reason.map { " as <strong>\(escape($0))</strong>" } ?? "")
                                + (res.note.map { ": “\(escape($0))”" } ?? ""))
            }
            h.raw("<td>\(handling.isEmpty ? none : handling.map { "<div>\($0)</div>" }.joined())</td>")
            h.raw("</tr>\n")
        }
        h.close(table: report.exceptions.isEmpty, empty: "No alert was raised for this load.")
        h.closeSection()
    }

    private static func unexpected(_ report: LoadReport, _ h: inout HTMLWriter) {
        h.open(section: "unexpected", title: "Unexpected scans")
        h.table(["Seq", "Scanned at", "Subject", "Pallet", "Station", "Scanner", "Possible match", "Alert"], numeric: [0, 7])
        for scan in report.unexpectedScans {
            h.raw("<tr><td class=\"num\">\(scan.seq)</td>")
            h.cell(scan.at, .time)
            h.cell(scan.subject, .id)
            h.cell(scan.pallet, .id)
            h.cell(scan.station)
            h.cell(scan.device, .device)
            h.cell(scan.candidate, .id)
            h.raw("<td class=\"num\">\(scan.alert.map { "#\($0)" } ?? none)</td></tr>\n")
        }
        h.close(table: report.unexpectedScans.isEmpty, empty: "Nothing outside the manifest was scanned into this load.")
        h.closeSection()
    }

    private static func inventory(_ report: LoadReport, _ h: inout HTMLWriter) {
        let missing = report.inventory.filter { $0.status == "missing" }.count
        h.open(section: "inventory", title: "Serialized inventory",
               note: "\(report.inventory.count) expected asset(s), \(report.inventory.count - missing) scanned, \(missing) missing")
        h.table(["#", "Serial", "Asset tag", "Make / model", "Category", "Data", "Sanitization", "Pallet",
                 "Scanned onto", "Scanned at", "Station", "Scanner", "Status"], numeric: [0])
        for (index, item) in report.inventory.enumerated() {
            h.raw("<tr\(item.status == "missing" ? " class=\"attention\"" : "")><td class=\"num\">\(index + 1)</td>")
            h.cell(item.serial, .id)
            h.cell(item.assetTag, .id)
            let makeModel = [item.make, item.model].compactMap { $0 }.joined(separator: " ")
            h.cell(makeModel.isEmpty ? nil : makeModel)
            h.cell(item.category)
            h.raw("<td>\(item.dataBearing ? "yes" : "no")</td>")
            let sanitizationTone = !item.dataBearing ? "" : (item.sanitization == "erased" || item.sanitization == "destroyed") ? "ok" : "bad"
            h.raw("<td>\(sanitizationTone.isEmpty ? escape(item.sanitization) : badge(item.sanitization, sanitizationTone))"
                  + "\(item.evidence.map { " <span class=\"note mono\">\(id($0))</span>" } ?? "")</td>")
            h.cell(item.expectedPallet, .id)
            // The pallet it was scanned onto is spelled out only when it is not the expected one.
            if let scanned = item.scannedPallet, scanned != item.expectedPallet {
                h.raw("<td class=\"mono\">\(id(scanned))\(item.misplaced ? " <span class=\"badge warn\">wrong pallet</span>" : "")</td>")
            } else if item.scannedPallet != nil {
                h.raw("<td><span class=\"note\">same</span></td>")
            } else {
                h.raw("<td>\(item.status == "scanned" ? "<span class=\"note\">no pallet</span>" : none)</td>")
            }
            h.cell(item.scannedAt, .time)
            h.cell(item.station)
            h.cell(item.device, .device)
            h.raw("<td>\(badge(item.status, item.status == "scanned" ? "ok" : "bad"))</td></tr>\n")
        }
        h.close(table: report.inventory.isEmpty, empty: "The manifest lists no asset for this load.")
        h.closeSection()
    }

    private static func custody(_ report: LoadReport, _ h: inout HTMLWriter) {
        h.open(section: "custody", title: "Custody chain")
        h.table(["#", "At", "From", "To", "Place", "Signature", "Recorded by", "Seq"], numeric: [0, 7])
        for (index, link) in report.custodyChain.enumerated() {
            h.raw("<tr><td class=\"num\">\(index + 1)</td>")
            h.cell(link.at, .time)
            h.cell(link.from)
            h.cell(link.to)
            h.cell(link.place)
            h.raw("<td class=\"signature\">\(escape(link.signature))</td>")
            h.cell(link.user)
            h.raw("<td class=\"num\">\(link.seq)</td></tr>\n")
        }
        h.close(table: report.custodyChain.isEmpty, empty: "No custody transfer has been recorded for this load.")
        h.closeSection()
    }

    private static func footer(_ report: LoadReport, _ h: inout HTMLWriter) {
        let log = report.log
        h.raw("<footer class=\"check\">\n<h2>Checking this report against the log</h2>\n")
        h.raw("<p>This report was made from the custody log when its last event was seq <strong class=\"mono\">\(log.lastSeq)</strong> "
              + "with SHA-256 chain hash <code class=\"hash\">\(escape(log.lastHash))</code>. Run <code>tally log verify</code> on the same "
              + "database: it must report the chain intact, and, if nothing was recorded since, this seq and hash. If the log has "
              + "grown, event \(log.lastSeq) must still carry this hash "
              + "(<code>sqlite3 DB \"SELECT lower(hex(hash)) FROM events WHERE seq = \(log.lastSeq)\"</code>). A different hash means "
              + "the log was changed after this report was made.</p>\n")
        h.raw("<p class=\"note\">Times are UTC (RFC 3339). Weights are exact as the scale displayed them; kilogram conversions are exact "
              + "(1 lb = 0.45359237 kg). Report format \(escape(report.format)), generated \(escape(report.generatedAt)).</p>\n")
        h.raw("</footer>\n")
    }

    // MARK: - Pieces

    /// How a table cell shows its text.
    enum CellKind {
        /// Prose: wraps anywhere it must.
        case text
        /// An identifier (serial, pallet label, asset tag): monospaced, never broken.
        case id
        /// A UTC timestamp: monospaced, broken (if at all) only between the date and the time.
        case time
        /// A device identity: monospaced, wraps at its punctuation.
        case device
    }

    /// An identifier that does not break across lines (an SSCC is 18 digits); one longer than 24 characters may
    /// break anywhere rather than push the table off the page.
    static func id(_ value: String) -> String {
        "<span class=\"\(value.unicodeScalars.count > 24 ? "long-id" : "nobr")\">\(escape(value))</span>"
    }

    /// A timestamp that may break only before its `T`.
    static func time(_ value: String) -> String {
        let scalars = Array(value.unicodeScalars)
        guard scalars.count > 11, scalars[10] == "T" else { return id(value) }
        var date = String.UnicodeScalarView(), clock = String.UnicodeScalarView()
        date.append(contentsOf: scalars[..<10])
        clock.append(contentsOf: scalars[10...])
        return id(String(date)) + "<wbr>" + id(String(clock))
    }

    private static let none = "<span class=\"none\">—</span>"

    private static func card(_ label: String, _ value: String, _ tone: String?, _ h: inout HTMLWriter) {
        h.raw("<div class=\"card\(tone.map { " " + $0 } ?? "")\"><div class=\"label\">\(escape(label))</div><div class=\"value\">\(escape(value))</div></div>\n")
    }

    private static func badge(_ text: String, _ tone: String) -> String {
        "<span class=\"badge \(tone)\">\(escape(text))</span>"
    }

    private static func words(_ verdict: LoadReport.WeightVerdict) -> String {
        switch verdict {
        case .withinTolerance: "within tolerance"
        case .outOfTolerance: "OUT of tolerance"
        case .notWeighed: "not weighed"
        case .noExpectedWeight: "no expected weight"
        case .incomplete: "incomplete"
        }
    }

    private static func tone(_ verdict: LoadReport.WeightVerdict) -> String {
        switch verdict {
        case .withinTolerance: "ok"
        case .outOfTolerance: "bad"
        case .notWeighed, .incomplete: "warn"
        case .noExpectedWeight: "neutral"
        }
    }

    private static func weightHTML(_ weight: LoadReport.ReportedWeight?) -> String {
        guard let weight else { return none }
        return "<span class=\"mono nobr\">\(escape(weight.value)) \(escape(weight.unit))</span>"
            + (weight.kilograms.map { "<div class=\"note mono nobr\">= \(escape($0)) kg</div>" } ?? "")
    }

    /// `+2.5` for a positive decimal, as is otherwise.
    private static func signed(_ decimal: String) -> String {
        decimal.hasPrefix("-") || decimal == "0" ? decimal : "+" + decimal
    }

    /// `535320` → `53 53 20`.
    private static func spacedHex(_ hex: String) -> String {
        var out = ""
        for (index, character) in hex.enumerated() {
            if index > 0, index % 2 == 0 { out += " " }
            out.append(character)
        }
        return out
    }

    /// The frame's bytes as text, with non-printing bytes written as C escapes (`S S 409.5 kg\r\n`).
    private static func visibleFrame(_ hex: String) -> String {
        let digits = Array(hex.utf8)
        var out = ""
        var index = 0
        func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x61 + 10 }
        while index + 1 < digits.count {
            let byte = nibble(digits[index]) << 4 | nibble(digits[index + 1])
            switch byte {
            case 0x0D: out += "\\r"
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x5C: out += "\\\\"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
            }
            index += 2
        }
        return out
    }

    /// ASCII names of the C0 control characters, shown in brackets (`[GS]`).
    private static let controlNames = [
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
        "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
    ]

    /// Escapes text for HTML element content and quoted attribute values, and makes control characters visible
    /// in plain ASCII (`[GS]`, `[CR]`; a line feed and a tab stay whitespace), so no font lacks their glyphs.
    ///
    /// Works on Unicode scalars, not Characters, so that `<` followed by a combining mark is still escaped.
    public static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default:
                if scalar == "\n" || scalar == "\t" {
                    out.append(scalar)   // whitespace in notes
                } else if scalar.value < 0x20 {
                    out.append(contentsOf: "[\(controlNames[Int(scalar.value)])]".unicodeScalars)
                } else if scalar.value == 0x7F {
                    out.append(contentsOf: "[DEL]".unicodeScalars)
                } else if (0x80...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    out.append(contentsOf: "&#x\(String(scalar.value, radix: 16, uppercase: true));".unicodeScalars)
                } else {
                    out.append(scalar)
                }
            }
        }
        return String(out)
    }

    /// A CSS string literal (for `content:`): everything but plain ASCII letters, digits and a few marks is
    /// written as a hex escape, so no value can end the string, the rule or the `<style>` element.
    static func cssString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let plain = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
                || " -_.,:#()/·".unicodeScalars.contains(scalar)
            if plain {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\\(String(v, radix: 16)) "
            }
        }
        return out + "\""
    }

    /// The printed page foot: load, seal and log anchor on the left, the page number on the right.
    private static func pageFooter(_ report: LoadReport) -> String {
        let left = "Load \(report.load.id)" + (report.seal.map { " · seal \($0.number)" } ?? " · not sealed")
            + " · log seq \(report.log.lastSeq) · hash \(report.log.lastHash)"
        return """
            @page {
              size: landscape;
              margin: 12mm 11mm 15mm 11mm;
              @bottom-left { content: \(cssString(left)); font: 7pt ui-monospace, "DejaVu Sans Mono", monospace; color: #555; }
              @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt system-ui, sans-serif; color: #555; }
            }
            """
    }

    private static let stylesheet = """
        :root { --ink: #1b1f24; --muted: #5b6470; --line: #d5dae0; --soft: #f4f6f8; --ok: #1d7a3a; --ok-bg: #e3f4e8;
                --bad: #b42318; --bad-bg: #fde8e6; --warn: #8a5a00; --warn-bg: #fff3d6; --neutral-bg: #eceff3; }
        * { box-sizing: border-box; }
        html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        body { margin: 0 auto; max-width: 1400px; padding: 24px 28px 40px; color: var(--ink); background: #fff;
               font: 13px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; }
        .mono, code, .id { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
        .kicker { color: var(--muted); text-transform: uppercase; letter-spacing: .08em; font-size: 11px; }
        h1 { margin: 2px 0 12px; font-size: 26px; display: flex; align-items: center; gap: 12px; }
        h1 .badge { font-size: 12px; }
        h2 { font-size: 18px; margin: 0 0 4px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); break-after: avoid; }
        .report-header { border-bottom: 1px solid var(--line); padding-bottom: 12px; margin-bottom: 18px; }
        .facts { display: grid; grid-template-columns: 1fr 1fr 1.6fr; gap: 8px 24px; }
        .facts dl { margin: 0; padding: 10px 12px; background: var(--soft); border-radius: 6px; }
        .facts dl > div { display: grid; grid-template-columns: 9.5em 1fr; gap: 8px; padding: 2px 0; }
        dt { color: var(--muted); }
        dd { margin: 0; overflow-wrap: anywhere; }
        .banner { margin: 12px 0 0; padding: 8px 12px; border-radius: 6px; border-left: 5px solid; }
        .banner.bad { background: var(--bad-bg); border-color: var(--bad); }
        .banner.warn { background: var(--warn-bg); border-color: var(--warn); }
        section { margin: 0 0 28px; }
        .section-note { color: var(--muted); margin: 0 0 8px; }
        .cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0; }
        .card { flex: 1 1 120px; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; border-top-width: 4px; }
        .card .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .05em; }
        .card .value { font-size: 20px; font-weight: 600; }
        .card.ok { border-top-color: var(--ok); } .card.bad { border-top-color: var(--bad); } .card.warn { border-top-color: var(--warn); }
        .card.neutral { border-top-color: var(--muted); }
        .summary { margin: 6px 0 12px; }
        table { width: 100%; border-collapse: collapse; margin: 6px 0 0; }
        thead { display: table-header-group; }
        th { text-align: left; font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
             border-bottom: 1.5px solid var(--ink); padding: 5px 6px; vertical-align: bottom; }
        td { border-bottom: 1px solid var(--line); padding: 5px 6px; vertical-align: top; overflow-wrap: break-word; }
        tbody tr:nth-child(even) td { background: #fafbfc; }
        tr.attention td { background: var(--bad-bg) !important; }
        tr, td, th { break-inside: avoid; page-break-inside: avoid; }
        .nobr { white-space: nowrap; }
        .long-id { overflow-wrap: anywhere; word-break: break-all; }
        td.mono { overflow-wrap: normal; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        th.num { text-align: right; }
        .note { color: var(--muted); font-size: 0.88em; }
        .none { color: #9aa3ad; }
        .frame code { word-break: normal; overflow-wrap: normal; font-size: 0.85em; }
        .frame .note { white-space: pre-wrap; }
        .signature { font-style: italic; }
        .list { margin: 0; padding: 0; list-style: none; }
        .list li { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.9em; }
        .count { font-weight: 600; }
        .count.bad { color: var(--bad); } .count.warn { color: var(--warn); }
        .badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 11px; font-weight: 600; white-space: nowrap;
                 border: 1px solid transparent; }
        .badge.ok { color: var(--ok); background: var(--ok-bg); border-color: #b5dfc2; }
        .badge.bad { color: var(--bad); background: var(--bad-bg); border-color: #f4b8b1; }
        .badge.warn { color: var(--warn); background: var(--warn-bg); border-color: #f0d48a; }
        .badge.neutral { color: var(--muted); background: var(--neutral-bg); border-color: var(--line); }
        .empty { color: var(--muted); font-style: italic; margin: 8px 0; }
        .check { margin-top: 28px; padding-top: 10px; border-top: 1px solid var(--line); }
        .check h2 { font-size: 15px; border-bottom: none; }
        code.hash { overflow-wrap: anywhere; background: var(--soft); padding: 1px 4px; border-radius: 3px; }
        @media print {
          body { max-width: none; padding: 0; font-size: 9pt; }
          h1 { font-size: 17pt; }
          h2 { font-size: 13pt; }
          section { break-before: page; page-break-before: always; margin: 0; }
          .report-header + section { break-before: auto; page-break-before: auto; }
          .check { break-before: avoid; }
          th { font-size: 7pt; }
          td { padding: 3px 4px; }
          table { font-size: 8pt; }
          .badge { font-size: 7pt; padding: 0 5px; }
          th { padding: 3px 4px; }
          tbody tr:nth-child(even) td { background: none; }
          .card .value { font-size: 14pt; }
          .facts dl { background: none; border: 1px solid var(--line); }
        }
        """
}

/// Accumulates the HTML text of a report.
private struct HTMLWriter {
    var text = ""
    /// Where the open table starts (UTF-8 offset), so an empty one can be taken back.
    private var tableStart = 0

    mutating func raw(_ html: String) { text += html }

    /// A text cell: escaped, or a dash when nil.
    mutating func cell(_ value: String?, _ kind: HTMLReport.CellKind = .text) {
        guard let value else {
            text += "<td><span class=\"none\">—</span></td>"
            return
        }
        switch kind {
        case .text: text += "<td>\(HTMLReport.escape(value))</td>"
        case .id: text += "<td class=\"mono\">\(HTMLReport.id(value))</td>"
        case .time: text += "<td class=\"mono\">\(HTMLReport.time(value))</td>"
        case .device: text += "<td class=\"mono\">\(HTMLReport.escape(value))</td>"
        }
    }

    /// A count with the serials behind it.
    mutating func listCell(_ serials: [String], tone: String) {
        guard !serials.isEmpty else {
            text += "<td class=\"num\">0</td>"
            return
        }
        text += "<td class=\"num\"><span class=\"count \(tone)\">\(serials.count)</span><ul class=\"list\">"
        for serial in serials { text += "<li>\(HTMLReport.id(serial))</li>" }
        text += "</ul></td>"
    }

    mutating func open(section id: String, title: String, note: String? = nil) {
        text += "<section id=\"\(id)\">\n<h2>\(HTMLReport.escape(title))</h2>\n"
        if let note { text += "<p class=\"section-note\">\(HTMLReport.escape(note))</p>\n" }
    }

    mutating func closeSection() { text += "</section>\n" }

    mutating func table(_ headers: [String], numeric: Set<Int>) {
        tableStart = text.utf8.count
        text += "<table>\n<thead><tr>"
        for (index, header) in headers.enumerated() {
            text += "<th\(numeric.contains(index) ? " class=\"num\"" : "")>\(HTMLReport.escape(header))</th>"
        }
        text += "</tr></thead>\n<tbody>\n"
    }

    /// Ends a table; an empty one is replaced by a sentence saying so.
    mutating func close(table isEmpty: Bool, empty: String) {
        if isEmpty {
            text = String(decoding: text.utf8.prefix(tableStart), as: UTF8.self)
            text += "<p class=\"empty\">\(HTMLReport.escape(empty))</p>\n"
        } else {
            text += "</tbody>\n</table>\n"
        }
    }
}
