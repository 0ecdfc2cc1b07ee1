#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns short byte strings (SKUs, currency codes, product types) as small integer ids
/// without creating a `String` per row: an open-addressing hash table over one byte arena.
/// A struct, so that hot loops can own it in a local variable.
package struct ByteKeyTable {
    private var arena: [UInt8] = []
    private var keyStarts: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int
    /// Keys of 1 to 7 bytes (currency codes, product types, storefronts) packed into an integer with
    /// their length, and their ids: a direct-mapped cache in front of the table (0 is empty).
    private var shortKeys = [UInt64](repeating: 0, count: 256)
    private var shortIDs = [Int32](repeating: 0, count: 256)

    package init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
    }

    /// The number of distinct keys.
    package var count: Int { hashes.count }

    /// The id of `key`, inserting it when new.
    @inline(__always)
    package mutating func id(_ key: UnsafeRawBufferPointer) -> Int {
        let count = key.count
        guard count > 0, count < 8 else { return tableID(key) }
        var packed = UInt64(count) << 56
        for index in 0..<count { packed |= UInt64(key[index]) << (UInt64(index) << 3) }
        let cached = Int(truncatingIfNeeded: (packed &* 0x9E37_79B9_7F4A_7C15) >> 56)
        if shortKeys[cached] == packed { return Int(shortIDs[cached]) }
        let id = tableID(key)
        shortKeys[cached] = packed
        shortIDs[cached] = Int32(id)
        return id
    }

    @inline(__always)
    private mutating func tableID(_ key: UnsafeRawBufferPointer) -> Int {
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
    package func key(_ id: Int) -> ArraySlice<UInt8> {
        arena[keyStarts[id]..<keyStarts[id + 1]]
    }

    /// The key `id` as a string.
    package func string(_ id: Int) -> String {
        String(decoding: key(id), as: UTF8.self)
    }

    @inline(__always)
    private func matches(_ id: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = keyStarts[id]
        guard keyStarts[id + 1] - start == key.count else { return false }
        return arena.withUnsafeBytes { stored in
            key.count == 0 || FieldParser.bytesEqual(stored.baseAddress! + start, key.baseAddress!, key.count)
        }
    }

    private mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, slot: Int) -> Int {
        let id = hashes.count
        arena.append(contentsOf: key)
        keyStarts.append(arena.count)
        hashes.append(hash)
        slots[slot] = Int32(id)
        if hashes.count * 2 > slots.count { grow() }
        return id
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }

    /// A multiply-xorshift hash over eight bytes at a time (keys are short and not hostile:
    /// they come from the file being read, and a collision only costs a probe).
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash = UInt64(key.count) &* multiplier
        var index = 0
        let count = key.count
        while index + 8 <= count {
            hash = (hash ^ key.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* multiplier
            hash ^= hash >> 32
            index += 8
        }
        if index < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while index < count {
                tail |= UInt64(key[index]) << shift
                shift += 8
                index += 1
            }
            hash = (hash ^ tail) &* multiplier
            hash ^= hash >> 32
        }
        return hash
    }
}
