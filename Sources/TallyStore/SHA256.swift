/// SHA-256 as specified in FIPS 180-4 (Secure Hash Standard), sections 4.1.2, 4.2.2, 5.1.1, 5.3.3 and 6.2.
///
/// Written from the standard for the custody log's hash chain, so the package needs no crypto dependency.
/// The hasher is incremental: feed it any number of `update` calls, then read the digest with `finalize()`.
/// `finalize()` does not change the hasher, so a running digest can be read and more bytes appended after.
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(Array("ab".utf8))
/// hasher.update("c".utf8)
/// let digest = hasher.finalize()          // 32 bytes
/// SHA256.hex(digest)                      // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// ```
///
/// Internally the hasher holds no heap storage: the chaining value is eight `UInt32`s and the pending partial
/// block is a fixed 64-byte tuple, so hashing allocates only the returned 32-byte array.
public struct SHA256: Sendable {
    /// The digest length in bytes (32).
    public static let digestByteCount = 32
    /// The block length in bytes (64).
    public static let blockByteCount = 64

    /// The eight working words H0…H7 (FIPS 180-4 §6.2).
    private struct State: Sendable {
        var h0: UInt32 = 0x6a09_e667, h1: UInt32 = 0xbb67_ae85
        var h2: UInt32 = 0x3c6e_f372, h3: UInt32 = 0xa54f_f53a
        var h4: UInt32 = 0x510e_527f, h5: UInt32 = 0x9b05_688c
        var h6: UInt32 = 0x1f83_d9ab, h7: UInt32 = 0x5be0_cd19
        init() {}
    }

    /// 64 bytes of pending input that did not yet fill a block.
    private typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    private var state = State()
    private var pending: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    /// Bytes held in `pending` (0..<64).
    private var pendingCount = 0
    /// Total message length in bytes so far (the standard limits messages to 2^64 - 1 bits).
    private var byteCount: UInt64 = 0

    /// A hasher with the SHA-256 initial hash value and no input.
    public init() {}

    /// Appends `bytes` to the message.
    ///
    /// Arrays, `ContiguousArray`, `Data`, native `String.UTF8View`s and other collections with contiguous storage
    /// are hashed straight from their buffer; any other collection is copied through a small stack buffer.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if done != nil { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { chunk in
            var count = 0
            for byte in bytes {
                chunk[count] = byte
                count += 1
                if count == chunk.count {
                    update(UnsafeRawBufferPointer(chunk))
                    count = 0
                }
            }
            if count > 0 {
                update(UnsafeRawBufferPointer(start: chunk.baseAddress, count: count))
            }
        }
    }

    /// Appends the bytes of a raw buffer to the message.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard var input = buffer.baseAddress, buffer.count > 0 else { return }
        var remaining = buffer.count
        byteCount &+= UInt64(remaining)

        // Top up a partial block first.
        if pendingCount > 0 {
            let held = pendingCount
            let take = min(Self.blockByteCount - held, remaining)
            withUnsafeMutableBytes(of: &pending) { block in
                (block.baseAddress! + held).copyMemory(from: input, byteCount: take)
            }
            pendingCount = held + take
            input += take
            remaining -= take
            guard pendingCount == Self.blockByteCount else { return }
            let block = pending
            withUnsafeBytes(of: block) { Self.compress(&state, $0.baseAddress!, blocks: 1) }
            pendingCount = 0
        }

        // Whole blocks straight from the caller's memory.
        let blocks = remaining / Self.blockByteCount
        if blocks > 0 {
            Self.compress(&state, input, blocks: blocks)
            input += blocks * Self.blockByteCount
            remaining -= blocks * Self.blockByteCount
        }

        // Keep the tail.
        if remaining > 0 {
            let tail = remaining
            withUnsafeMutableBytes(of: &pending) { block in
                block.baseAddress!.copyMemory(from: input, byteCount: tail)
            }
            pendingCount = tail
        }
    }

    /// The digest of everything appended so far: 32 bytes.
    ///
    /// The hasher is not changed (padding is applied to a copy), so this can be called more than once and
    /// `update` may continue afterwards; each call returns the digest of the whole message up to that point.
    public func finalize() -> [UInt8] {
        var state = self.state
        var block = pending
        let held = pendingCount
        let bitLength = byteCount &* 8
        withUnsafeMutableBytes(of: &block) { bytes in
            // §5.1.1: append the bit 1, then zeros, then the 64-bit big-endian message length in bits.
            bytes[held] = 0x80
            if held + 1 > 56 {
                for index in (held + 1)..<64 { bytes[index] = 0 }
                Self.compress(&state, UnsafeRawPointer(bytes.baseAddress!), blocks: 1)
                for index in 0..<56 { bytes[index] = 0 }
            } else {
                for index in (held + 1)..<56 { bytes[index] = 0 }
            }
            bytes.storeBytes(of: bitLength.bigEndian, toByteOffset: 56, as: UInt64.self)
            Self.compress(&state, UnsafeRawPointer(bytes.baseAddress!), blocks: 1)
        }
        return [UInt8](unsafeUninitializedCapacity: Self.digestByteCount) { output, count in
            let raw = UnsafeMutableRawBufferPointer(output)
            raw.storeBytes(of: state.h0.bigEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: state.h1.bigEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: state.h2.bigEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: state.h3.bigEndian, toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: state.h4.bigEndian, toByteOffset: 16, as: UInt32.self)
            raw.storeBytes(of: state.h5.bigEndian, toByteOffset: 20, as: UInt32.self)
            raw.storeBytes(of: state.h6.bigEndian, toByteOffset: 24, as: UInt32.self)
            raw.storeBytes(of: state.h7.bigEndian, toByteOffset: 28, as: UInt32.self)
            count = Self.digestByteCount
        }
    }

    /// The SHA-256 digest of `bytes` (32 bytes).
    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// `bytes` as lowercase hexadecimal, two digits per byte, no separators (the form `sha256sum` prints).
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes written as hexadecimal text (either case, an even number of digits, no separators or prefix),
    /// or nil if `text` is not such a string.
    public static func bytes(hex text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    // MARK: - Compression (FIPS 180-4 §6.2.2)

    /// The 64 round constants K0…K63 (§4.2.2): the first 32 bits of the fractional parts of the cube roots of
    /// the first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// ROTR^n(x) (§3.2).
    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    /// One round of §6.2.2 step 3, written for renamed variables: with the round's inputs in (a…h), it leaves
    /// the new `e` in `d` and the new `a` in `h`; the caller rotates the names for the next round.
    /// `kw` is K_t + W_t.
    @inline(__always)
    private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
        _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32
    ) {
        let sigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        let choose = g ^ (e & (f ^ g))                     // Ch(e, f, g) = (e ∧ f) ⊕ (¬e ∧ g)
        let t1 = h &+ sigma1 &+ choose &+ kw
        let sigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        let majority = (a & b) | (c & (a | b))             // Maj(a, b, c) = (a ∧ b) ⊕ (a ∧ c) ⊕ (b ∧ c)
        d = d &+ t1
        h = t1 &+ sigma0 &+ majority
    }

    /// Processes `blocks` consecutive 64-byte blocks starting at `input` (which need not be aligned).
    ///
    /// The message schedule lives in a 64-word stack buffer and the constants are read through a pointer,
    /// so the loop has no allocation, no bounds checks and no overflow traps.
    private static func compress(_ state: inout State, _ input: UnsafeRawPointer, blocks: Int) {
        roundConstants.withUnsafeBufferPointer { constants in
            let k = constants.baseAddress!
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
                let w = schedule.baseAddress!
                var h0 = state.h0, h1 = state.h1, h2 = state.h2, h3 = state.h3
                var h4 = state.h4, h5 = state.h5, h6 = state.h6, h7 = state.h7
                var block = input
                for _ in 0..<blocks {
                    // 1. The message schedule W0…W63.
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t &* 4, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let w15 = w[t &- 15], w2 = w[t &- 2]
                        let s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 &>> 3)
                        let s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 &>> 10)
                        w[t] = s1 &+ w[t &- 7] &+ s0 &+ w[t &- 16]
                    }
                    // 2.–3. The working variables and the 64 rounds, eight per iteration so the variables
                    // rotate by renaming instead of by moves.
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    var t = 0
                    while t < 64 {
                        round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
                        round(h, a, b, &c, d, e, f, &g, k[t &+ 1] &+ w[t &+ 1])
                        round(g, h, a, &b, c, d, e, &f, k[t &+ 2] &+ w[t &+ 2])
                        round(f, g, h, &a, b, c, d, &e, k[t &+ 3] &+ w[t &+ 3])
                        round(e, f, g, &h, a, b, c, &d, k[t &+ 4] &+ w[t &+ 4])
                        round(d, e, f, &g, h, a, b, &c, k[t &+ 5] &+ w[t &+ 5])
                        round(c, d, e, &f, g, h, a, &b, k[t &+ 6] &+ w[t &+ 6])
                        round(b, c, d, &e, f, g, h, &a, k[t &+ 7] &+ w[t &+ 7])
                        t &+= 8
                    }
                    // 4. The intermediate hash value.
                    h0 = h0 &+ a; h1 = h1 &+ b; h2 = h2 &+ c; h3 = h3 &+ d
                    h4 = h4 &+ e; h5 = h5 &+ f; h6 = h6 &+ g; h7 = h7 &+ h
                    block += 64
                }
                state.h0 = h0; state.h1 = h1; state.h2 = h2; state.h3 = h3
                state.h4 = h4; state.h5 = h5; state.h6 = h6; state.h7 = h7
            }
        }
    }
}
