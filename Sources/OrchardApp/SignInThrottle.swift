package import Foundation

/// Slows down password guessing, per account and per address: five failures in a row are free,
/// then each further attempt waits twice as long as the one before (2 s, 4 s, ... up to 15
/// minutes) after the last failure. A success clears the account's count. Kept in memory: a
/// restart forgives, and each server process counts for itself.
///
/// An attempt is reserved, and counted as a failure, before the password is hashed
/// (``reserve(email:address:)``), so attempts sent at once are counted at once; a success takes
/// its count back. The table holds at most ``capacity`` keys (the oldest go first), and keys are
/// digests of bounded length whatever the address sent.
package actor SignInThrottle {
    private struct Record {
        var failures: Int
        var last: Date
    }

    /// Attempts that cost no wait, per key.
    let freeFailures: Int
    static let maximumWait: TimeInterval = 15 * 60
    /// Records older than this are forgotten.
    static let memory: TimeInterval = 60 * 60
    /// The most keys kept; past it, records older than ``memory`` go, then the oldest.
    package static let capacity = 10_000

    private var records: [String: Record] = [:]
    private let now: @Sendable () -> Date

    /// - Parameter free: attempts in a row that cost no wait (sign-in: five failures).
    package init(free: Int = 5, now: @escaping @Sendable () -> Date) {
        freeFailures = free
        self.now = now
    }

    /// Number of keys held (for tests of the bound).
    package var count: Int { records.count }

    /// Seconds to wait before `email` may be tried again from `address`, or `nil` when it may be
    /// now: then the attempt is counted already, as a failure until ``succeeded(email:address:)``.
    package func reserve(email: String, address: String?) -> Int? {
        reserve(Self.keys(email: email, address: address))
    }

    /// The same per address alone (sign-ups, which name no existing account).
    package func reserve(address: String) -> Int? {
        reserve([Self.key("address", address)])
    }

    private func reserve(_ keys: [String]) -> Int? {
        if let wait = wait(keys) { return wait }
        count(keys)
        return nil
    }

    /// Seconds to wait before `email` may be tried again from `address`; nil when it may now.
    package func wait(email: String, address: String?) -> Int? {
        wait(Self.keys(email: email, address: address))
    }

    private func wait(_ keys: [String]) -> Int? {
        let time = now()
        let waits = keys.compactMap { key -> TimeInterval? in
            guard let record = records[key], record.failures >= freeFailures else { return nil }
            let delay = min(Self.maximumWait, pow(2, Double(record.failures - freeFailures + 1)))
            let left = record.last.addingTimeInterval(delay).timeIntervalSince(time)
            return left > 0 ? left : nil
        }
        return waits.max().map { Int($0.rounded(.up)) }
    }

    package func failed(email: String, address: String?) {
        count(Self.keys(email: email, address: address))
    }

    private func count(_ keys: [String]) {
        let time = now()
        if records.count >= Self.capacity { evict(at: time) }
        for key in keys {
            var record = records[key] ?? Record(failures: 0, last: time)
            if time.timeIntervalSince(record.last) > Self.memory { record.failures = 0 }
            record.failures += 1
            record.last = time
            records[key] = record
        }
    }

    /// The password was right: the account's count is cleared, and the address's reserved attempt
    /// taken back.
    package func succeeded(email: String, address: String? = nil) {
        records[Self.key("email", email)] = nil
        if let address, var record = records[Self.key("address", address)] {
            record.failures = max(0, record.failures - 1)
            records[Self.key("address", address)] = record.failures == 0 ? nil : record
        }
    }

    /// Forgets records older than ``memory``, then the oldest until a tenth of the room is free.
    private func evict(at time: Date) {
        records = records.filter { time.timeIntervalSince($0.value.last) < Self.memory }
        guard records.count >= Self.capacity else { return }
        let excess = records.count - Self.capacity * 9 / 10
        for (key, _) in records.sorted(by: { $0.value.last < $1.value.last }).prefix(excess) { records[key] = nil }
    }

    private static func keys(email: String, address: String?) -> [String] {
        [key("email", email)] + (address.map { [key("address", $0)] } ?? [])
    }

    /// A bounded key: what was sent, cut to 320 characters (no longer address or e-mail exists).
    private static func key(_ kind: String, _ value: String) -> String {
        kind + ":" + String(value.prefix(320))
    }
}
