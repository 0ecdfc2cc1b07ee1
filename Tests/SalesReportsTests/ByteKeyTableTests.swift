import Testing

@testable import SalesReports

/// Interned byte strings: one id per distinct key, whatever the path (the short keys' cache or the
/// table), and the key given back from its id.
@Suite("ByteKeyTable")
struct ByteKeyTableTests {
    /// Keys of 0 to 12 bytes, many of them short enough for the cache, some equal but for their
    /// length (`A`, `A\0`), some with zero bytes.
    static let keys: [[UInt8]] = {
        var keys: [[UInt8]] = [[], [0], [0, 0], [65], [65, 0], [0, 65]]
        var state: UInt64 = 0x1234_5678
        for _ in 0..<6_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 60) % 13
            keys.append((0..<length).map { UInt8(truncatingIfNeeded: state >> (UInt64($0) * 5)) })
        }
        return keys
    }()

    @Test("each distinct key has one id, asked again in another order, and its bytes come back")
    func ids() {
        var table = ByteKeyTable()
        var expected: [[UInt8]: Int] = [:]
        for key in Self.keys {
            let id = key.withUnsafeBytes { table.id($0) }
            if let known = expected[key] {
                #expect(id == known, "\(key)")
            } else {
                #expect(id == expected.count, "a new key gets the next id")
                expected[key] = id
            }
        }
        for key in Self.keys.reversed() {
            #expect(key.withUnsafeBytes { table.id($0) } == expected[key], "\(key)")
        }
        #expect(table.count == expected.count)
        for (key, id) in expected { #expect(Array(table.key(id)) == key) }
    }
}
