/// Maps non-negative integer keys to dense slots 0, 1, 2, … in first-seen order: an
/// open-addressing table for the (app, currency) pairs of the fast path.
package struct IntSlotTable {
    /// Buckets of two integers, the key (-1 when empty) and its slot, side by side so that a
    /// lookup touches one cache line.
    private var table: [Int]
    private var mask: Int
    /// Every key with its slot, in slot order.
    package private(set) var entries: [(key: Int, slot: Int)] = []

    package init() {
        table = Self.emptyTable(buckets: 256)
        mask = 255
    }

    private static func emptyTable(buckets: Int) -> [Int] {
        var table = [Int](repeating: 0, count: buckets * 2)
        for bucket in 0..<buckets { table[bucket * 2] = -1 }
        return table
    }

    @inline(__always)
    private static func bucket(_ key: Int, mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// The slot of `key`, a new one (equal to the previous count) when the key is new.
    @inline(__always)
    package mutating func slot(_ key: Int) -> Int {
        var index = Self.bucket(key, mask: mask)
        while true {
            let found = table[index &* 2]
            if found == key { return table[index &* 2 &+ 1] }
            if found < 0 {
                let slot = entries.count
                table[index &* 2] = key
                table[index &* 2 &+ 1] = slot
                entries.append((key, slot))
                // Grown past three quarters full: linear probes stay short, and the table small.
                if entries.count * 4 > (mask + 1) * 3 { grow() }
                return slot
            }
            index = (index &+ 1) & mask
        }
    }

    private mutating func grow() {
        let buckets = (mask + 1) * 2
        table = Self.emptyTable(buckets: buckets)
        mask = buckets - 1
        for (key, slot) in entries {
            var index = Self.bucket(key, mask: mask)
            while table[index * 2] >= 0 { index = (index + 1) & mask }
            table[index * 2] = key
            table[index * 2 + 1] = slot
        }
    }
}
