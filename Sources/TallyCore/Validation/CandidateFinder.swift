/// Finds the expected serial an unexpected scan was probably meant to be.
///
/// Look-alike characters (O/0, I/1, S/5, B/8, Z/2) cause most manual-entry and OCR errors; a single
/// typo causes most of the rest. The finder never rewrites a scan: it only names a candidate for the
/// supervisor, and only one that is expected in the same load and not scanned yet.
public enum CandidateFinder {
    /// A candidate and how it differs from the scan.
    public struct Candidate: Sendable, Hashable {
        public let serial: String
        /// `look-alike O/0 at 4` or `one edit away`.
        public let why: String
    }

    /// Look-alike pairs, both ways.
    static let lookAlikes: [Character: Character] = [
        "O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B", "Z": "2", "2": "Z",
    ]
    /// Characters tried for insertions and substitutions.
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")

    /// The best candidate for `scanned`: first one look-alike substitution, then one edit (substitute,
    /// insert or delete a character, or swap two neighbours). Candidates must belong to `load` and not be
    /// scanned. Among several of the same kind the first in manifest order wins, so the answer is stable.
    public static func candidate(
        for scanned: String, in manifest: Manifest, load: String, isScanned: (String) -> Bool
    ) -> Candidate? {
        let characters = Array(scanned)
        guard !characters.isEmpty, characters.count <= 64 else { return nil }
        func eligible(_ serial: String) -> Bool {
            guard let asset = manifest.assets[serial] else { return false }
            return asset.load == load && !isScanned(serial)
        }
        func best(_ options: [String]) -> String? {
            let found = Set(options.filter(eligible))
            guard !found.isEmpty else { return nil }
            // Manifest order: by load, pallet and position on the pallet.
            for palletID in manifest.load(load)?.pallets ?? [] {
                for serial in manifest.pallets[palletID]?.assets ?? [] where found.contains(serial) { return serial }
            }
            return nil
        }

        var lookAlike: [(String, String)] = []
        for (index, character) in characters.enumerated() {
            guard let other = lookAlikes[Character(character.uppercased())] else { continue }
            var variant = characters
            variant[index] = other
            lookAlike.append((String(variant), "look-alike \(character)/\(other) at character \(index + 1)"))
        }
        if let serial = best(lookAlike.map(\.0)) {
            return Candidate(serial: serial, why: lookAlike.first { $0.0 == serial }!.1)
        }

        var edits: [String] = []
        for index in characters.indices {
            var deleted = characters
            deleted.remove(at: index)
            edits.append(String(deleted))
            for replacement in alphabet where replacement != characters[index] {
                var substituted = characters
                substituted[index] = replacement
                edits.append(String(substituted))
            }
            if index + 1 < characters.count {
                var swapped = characters
                swapped.swapAt(index, index + 1)
                edits.append(String(swapped))
            }
        }
        for index in 0...characters.count {
            for insertion in alphabet {
                var inserted = characters
                inserted.insert(insertion, at: index)
                edits.append(String(inserted))
            }
        }
        if let serial = best(edits) { return Candidate(serial: serial, why: "one edit away") }
        return nil
    }
}
