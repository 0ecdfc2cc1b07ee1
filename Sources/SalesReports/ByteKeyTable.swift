#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns short byte strings (SKUs, currency codes, product types) as small integer ids
/// without creating a `String` per row: an open-addressing hash table over one byte arena.
final class ByteKeyTable {
    private var arena: [UInt8] = []
    private var keyStarts: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
    }

    /// The number of distinct keys.
    var count: Int { hashes.count }

    /// The id of `key`, inserting it when new.
    @inline(__always)
    func id(_ key: UnsafeRawBufferPointer) -> Int {
        let hash = ByteKeyTable.hash(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = Int(slots[slot])
            if id < 0 { return insert(key, hash: hash, slot: slot) }
            if hashes[id] == hash && matches(id, key) { return id }
            slot = (slot + 1) & mask
        }
    }

    /// The bytes of key `id`.
    func key(_ id: Int) -> ArraySlice<UInt8> {
        arena[keyStarts[id]..<keyStarts[id + 1]]
    }

    /// The key `id` as a string.
    func string(_ id: Int) -> String {
        String(decoding: key(id), as: UTF8.self)
    }

    @inline(__always)
    private func matches(_ id: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = keyStarts[id]
        guard keyStarts[id + 1] - start == key.count else { return false }
        return arena.withUnsafeBytes { stored in
            key.count == 0 || memcmp(stored.baseAddress! + start, key.baseAddress!, key.count) == 0
        }
    }

    private func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, slot: Int) -> Int {
        let id = hashes.count
        arena.append(contentsOf: key)
        keyStarts.append(arena.count)
        hashes.append(hash)
        slots[slot] = Int32(id)
        if hashes.count * 2 > slots.count { grow() }
        return id
    }

    private func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }

    /// FNV-1a, 64-bit.
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash ^ (hash >> 29)
    }
}
