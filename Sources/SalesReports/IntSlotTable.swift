/// Maps non-negative integer keys to dense slots 0, 1, 2, … in first-seen order: an
/// open-addressing table for the (app, currency) pairs of the fast path.
struct IntSlotTable {
    private var keys: [Int]
    private var slots: [Int]
    private var mask: Int
    /// Every key with its slot, in slot order.
    private(set) var entries: [(key: Int, slot: Int)] = []

    init() {
        keys = Array(repeating: -1, count: 256)
        slots = Array(repeating: 0, count: 256)
        mask = 255
    }

    /// The slot of `key`, a new one (equal to the previous count) when the key is new.
    @inline(__always)
    mutating func slot(_ key: Int) -> Int {
        var index = Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
        while true {
            let found = keys[index]
            if found == key { return slots[index] }
            if found < 0 {
                let slot = entries.count
                keys[index] = key
                slots[index] = slot
                entries.append((key, slot))
                if entries.count * 2 > keys.count { grow() }
                return slot
            }
            index = (index + 1) & mask
        }
    }

    private mutating func grow() {
        keys = Array(repeating: -1, count: keys.count * 2)
        slots = Array(repeating: 0, count: keys.count)
        mask = keys.count - 1
        for (key, slot) in entries {
            var index = Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
            while keys[index] >= 0 { index = (index + 1) & mask }
            keys[index] = key
            slots[index] = slot
        }
    }
}
