/// Finds the expected serial an unexpected scan was probably meant to be.
///
/// Look-alike characters (O/0, I/1, S/5, B/8, Z/2) cause most manual-entry and OCR errors; a single
/// typo causes most of the rest. The finder never rewrites a scan: it only names a candidate for the
/// supervisor, and only one that is expected in the same load and not scanned yet.
public enum CandidateFinder {
    /// A candidate and how it differs from the scan.
    public struct Candidate: Sendable, Hashable {
        public let serial: String
        /// `look-alike I/1 at character 8` or `one edit away`.
        public let why: String
    }

    /// Look-alike pairs, both ways (ASCII).
    static let lookAlikes: [UInt8: UInt8] = {
        var table: [UInt8: UInt8] = [:]
        for (a, b) in [("O", "0"), ("I", "1"), ("S", "5"), ("B", "8"), ("Z", "2")] {
            table[UInt8(ascii: Unicode.Scalar(a)!)] = UInt8(ascii: Unicode.Scalar(b)!)
            table[UInt8(ascii: Unicode.Scalar(b)!)] = UInt8(ascii: Unicode.Scalar(a)!)
        }
        return table
    }()
    /// Characters tried for insertions and substitutions.
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)

    /// The best candidate for `scanned`: first one look-alike substitution, then one edit (substitute,
    /// insert or delete a character, or swap two neighbours). Candidates must belong to `load` and not be
    /// scanned. Among several of the same kind the first in manifest order wins, so the answer is stable.
    ///
    /// Variants are built as bytes; serials up to 15 bytes become Swift small strings, so trying the
    /// thousand-odd variants of a typical serial allocates nothing.
    public static func candidate(
        for scanned: String, in manifest: Manifest, load: String, isScanned: (String) -> Bool
    ) -> Candidate? {
        let bytes = Array(scanned.utf8)
        guard !bytes.isEmpty, bytes.count <= 64, bytes.allSatisfy({ $0 < 0x80 }),
              (bytes.count - 1...bytes.count + 1).contains(where: manifest.serialLengths.contains)
        else { return nil }
        var found: [String] = []
        func consider(_ variant: [UInt8]) {
            let serial = String(decoding: variant, as: UTF8.self)
            if let asset = manifest.assets[serial], asset.load == load, !isScanned(serial), !found.contains(serial) {
                found.append(serial)
            }
        }
        func best() -> String? {
            guard found.count > 1 else { return found.first }
            // Manifest order: by pallet, then position on the pallet.
            let pallets = manifest.load(load)?.pallets ?? []
            return found.min { a, b in
                let pa = manifest.assets[a]!.pallet, pb = manifest.assets[b]!.pallet
                if pa != pb { return (pallets.firstIndex(of: pa) ?? 0) < (pallets.firstIndex(of: pb) ?? 0) }
                let list = manifest.pallets[pa]?.assets ?? []
                return (list.firstIndex(of: a) ?? 0) < (list.firstIndex(of: b) ?? 0)
            }
        }

        var variant = bytes
        var why: [String: String] = [:]
        for index in bytes.indices {
            let upper = bytes[index] >= 0x61 && bytes[index] <= 0x7A ? bytes[index] - 0x20 : bytes[index]
            guard let other = lookAlikes[upper] else { continue }
            variant[index] = other
            let before = found.count
            consider(variant)
            if found.count > before {
                why[found.last!] = "look-alike \(Character(Unicode.Scalar(bytes[index])))/\(Character(Unicode.Scalar(other))) at character \(index + 1)"
            }
            variant[index] = bytes[index]
        }
        if let serial = best() { return Candidate(serial: serial, why: why[serial]!) }

        for index in bytes.indices {
            // Delete.
            var shorter = bytes
            shorter.remove(at: index)
            consider(shorter)
            // Substitute.
            for replacement in alphabet where replacement != bytes[index] {
                variant[index] = replacement
                consider(variant)
            }
            variant[index] = bytes[index]
            // Swap with the next character.
            if index + 1 < bytes.count, bytes[index] != bytes[index + 1] {
                variant.swapAt(index, index + 1)
                consider(variant)
                variant.swapAt(index, index + 1)
            }
        }
        // Insert.
        var longer = [UInt8](repeating: 0, count: bytes.count + 1)
        for index in 0...bytes.count {
            for i in 0..<index { longer[i] = bytes[i] }
            for i in index..<bytes.count { longer[i + 1] = bytes[i] }
            for insertion in alphabet {
                longer[index] = insertion
                consider(longer)
            }
        }
        if let serial = best() { return Candidate(serial: serial, why: "one edit away") }
        return nil
    }
}
