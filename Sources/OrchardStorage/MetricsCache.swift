import Synchronization

/// Answers of ``MetricsStore`` kept in memory, keyed by the question and by the data version of each
/// account it reads (`store_accounts.metrics_version`, raised in the transaction that changes the
/// account's slices, and for every account when exchange rates are imported). A changed account
/// gives a new key, so an answer is never stale; old keys age out. Each process has its own.
package final class MetricsCache: Sendable {
    private struct Entry {
        var value: any Sendable
        var weight: Int
        var order: Int
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var weight = 0
        var counter = 0
        /// Answers being computed: a question asked again meanwhile waits for the same answer
        /// instead of asking the database again (under load, while a sync keeps changing the data
        /// version, hundreds of requests ask the same new question at once).
        var inFlight: [String: Task<any Sendable, any Error>] = [:]
    }

    private let state = Mutex(State())
    /// The rows all entries may hold together.
    let capacity: Int

    package init(capacity: Int = 2_000_000) {
        self.capacity = capacity
    }

    /// What is kept under `key`, if it is a `Value`; it counts as used.
    package func peek<Value: Sendable>(_ key: String) -> Value? {
        state.withLock { state in
            guard var entry = state.entries[key], let value = entry.value as? Value else { return nil }
            state.counter += 1
            entry.order = state.counter
            state.entries[key] = entry
            return value
        }
    }

    /// Keeps `value` under `key` (replacing what was there), unless it weighs more than a tenth of the
    /// capacity.
    package func store<Value: Sendable>(_ key: String, _ value: Value, weight: Int) {
        let cost = max(1, weight)
        guard cost <= capacity / 10 else { return }
        state.withLock { state in
            state.counter += 1
            if let old = state.entries[key] { state.weight -= old.weight }
            state.entries[key] = Entry(value: value, weight: cost, order: state.counter)
            state.weight += cost
            if state.weight > capacity || state.entries.count > 10_000 {
                // Drop the least recently used half.
                let keep = state.entries.sorted { $0.value.order > $1.value.order }.prefix(state.entries.count / 2)
                state.entries = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
                state.weight = state.entries.values.reduce(0) { $0 + $1.weight }
            }
        }
    }

    /// The cached answer for `key`, or `compute`'s, kept when it weighs at most a tenth of the capacity.
    /// Callers asking for a key being computed share that one computation.
    package func value<Value: Sendable>(
        _ key: String?, weight: (Value) -> Int, compute: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        guard let key else { return try await compute() }
        let (found, running, owner): (Value?, Task<any Sendable, any Error>?, Bool) = state.withLock { state in
            if var entry = state.entries[key], let value = entry.value as? Value {
                state.counter += 1
                entry.order = state.counter
                state.entries[key] = entry
                return (value, nil, false)
            }
            if let running = state.inFlight[key] { return (nil, running, false) }
            let task = Task<any Sendable, any Error> { try await compute() }
            state.inFlight[key] = task
            return (nil, task, true)
        }
        if let found { return found }
        guard let running else { return try await compute() }
        let shared: any Sendable
        do {
            shared = try await running.value
        } catch {
            if owner { state.withLock { _ = $0.inFlight.removeValue(forKey: key) } }
            throw error
        }
        guard let value = shared as? Value else { return try await compute() }
        guard owner else { return value }
        defer { state.withLock { _ = $0.inFlight.removeValue(forKey: key) } }
        store(key, value, weight: weight(value))
        return value
    }
}
