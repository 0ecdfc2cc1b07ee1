/// Durations as a person says them, in messages users read.
package enum SpokenDuration {
    /// "96 hours", "1 hour", "10 minutes", "90 seconds": the largest unit that divides it exactly.
    package static func text(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let (count, unit) =
            whole >= 3_600 && whole % 3_600 == 0
            ? (whole / 3_600, "hour") : whole >= 60 && whole % 60 == 0 ? (whole / 60, "minute") : (whole, "second")
        return count == 1 ? "1 \(unit)" : "\(count) \(unit)s"
    }

    /// "every 5 seconds", "every minute", "every 5 minutes".
    package static func every(_ seconds: Double) -> String {
        let spoken = text(seconds)
        return "every " + (spoken.hasPrefix("1 ") ? String(spoken.dropFirst(2)) : spoken)
    }
}
