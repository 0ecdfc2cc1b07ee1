package import Foundation

/// Slows down password guessing, per account and per address: five failures in a row are free,
/// then each further attempt waits twice as long as the one before (2 s, 4 s, ... up to 15
/// minutes) after the last failure. A success clears the account's count. Kept in memory: a
/// restart forgives, and each server process counts for itself.
package actor SignInThrottle {
    private struct Record {
        var failures: Int
        var last: Date
    }

    static let freeFailures = 5
    static let maximumWait: TimeInterval = 15 * 60
    /// Records older than this are forgotten.
    static let memory: TimeInterval = 60 * 60

    private var records: [String: Record] = [:]
    private let now: @Sendable () -> Date

    package init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    /// Seconds to wait before `email` may be tried again from `address`; nil when it may now.
    package func wait(email: String, address: String?) -> Int? {
        let keys = Self.keys(email: email, address: address)
        let time = now()
        let waits = keys.compactMap { key -> TimeInterval? in
            guard let record = records[key], record.failures >= Self.freeFailures else { return nil }
            let delay = min(Self.maximumWait, pow(2, Double(record.failures - Self.freeFailures + 1)))
            let left = record.last.addingTimeInterval(delay).timeIntervalSince(time)
            return left > 0 ? left : nil
        }
        return waits.max().map { Int($0.rounded(.up)) }
    }

    package func failed(email: String, address: String?) {
        let time = now()
        if records.count > 10_000 { records = records.filter { time.timeIntervalSince($0.value.last) < Self.memory } }
        for key in Self.keys(email: email, address: address) {
            var record = records[key] ?? Record(failures: 0, last: time)
            if time.timeIntervalSince(record.last) > Self.memory { record.failures = 0 }
            record.failures += 1
            record.last = time
            records[key] = record
        }
    }

    package func succeeded(email: String) {
        records["email:" + email] = nil
    }

    private static func keys(email: String, address: String?) -> [String] {
        ["email:" + email] + (address.map { ["address:" + $0] } ?? [])
    }
}
