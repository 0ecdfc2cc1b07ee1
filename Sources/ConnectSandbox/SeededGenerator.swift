/// SplitMix64: a small, fast, seedable generator. The synthetic data must be the same on every
/// machine and run, so nothing here may use `Hasher` (randomly seeded per process) or the
/// system generator.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    package init(seed: UInt64) {
        state = seed
    }

    /// A generator seeded from several values mixed together (e.g. account seed, app, day).
    package init(_ parts: UInt64...) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for part in parts {
            state = SeededGenerator.mix(state ^ part &+ 0x632B_E59B_D9B4_E019)
        }
        self.state = state
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededGenerator.mix(state)
    }

    /// A double in `0..<1`.
    package mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A double in `range`.
    package mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + unit() * (range.upperBound - range.lowerBound)
    }

    /// `true` with probability `p`.
    package mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// A whole count whose expected value is `expected` (integer part plus a Bernoulli trial for
    /// the fraction), so small expectations still produce occasional units.
    package mutating func count(expected: Double) -> Int64 {
        guard expected > 0 else { return 0 }
        let whole = expected.rounded(.down)
        return Int64(whole) + (chance(expected - whole) ? 1 : 0)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
