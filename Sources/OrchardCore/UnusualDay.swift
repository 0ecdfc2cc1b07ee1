/// Whether a completed day's figure is unusual for its account (docs/NOTIFICATIONS.md, Alerts):
/// against the same weekday of earlier weeks, by their median and median absolute deviation (MAD,
/// scaled by 1.4826 to estimate a standard deviation), with a floor so that small apps, whose days
/// swing by a few units, do not alert every week.
package struct UnusualDay: Sendable, Equatable {
    /// The median of the history.
    package var median: Double
    /// The half-width of the expected range.
    package var spread: Double
    package var low: Double { max(0, median - spread) }
    package var high: Double { median + spread }

    /// At least this many earlier same weekdays are needed; fewer, and nothing is said.
    package static let minimumHistory = 8

    /// `nil` when the history is too short to say what is usual.
    package init?(history: [Double], deviations: Double, floor: Double) {
        guard history.count >= Self.minimumHistory else { return nil }
        let median = Self.median(history)
        let mad = Self.median(history.map { abs($0 - median) })
        self.median = median
        // Never tighter than the floor, nor than a tenth of the usual figure.
        spread = deviations * max(1.4826 * mad, floor, 0.1 * abs(median))
    }

    /// Whether `value` falls outside the expected range.
    package func isUnusual(_ value: Double) -> Bool { value < low || value > high }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
