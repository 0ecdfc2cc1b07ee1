import Foundation
package import OrchardCore
package import SQLKit

/// The events of docs/NOTIFICATIONS.md: recorded with what they tell of (in its transaction), each
/// queuing its own dispatch, and read back as a user's activity feed, newest first.
package struct EventLog: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    /// Records `event` and queues its dispatch in the caller's transaction; `false` when an event
    /// with the same `dedupeKey` was recorded before (a notice is given once).
    @discardableResult
    package static func record(_ event: ActivityEvent, dedupeKey: String? = nil, on connection: any SQLDatabase)
        async throws -> Bool
    {
        let inserted =
            try await connection.raw(
                """
                INSERT INTO events (id, user_id, type, account_number, created_at, data, dedupe_key)
                VALUES (\(bind: event.id), \(bind: event.userID), \(bind: event.type.rawValue),
                    \(bind: event.accountNumber), \(bind: event.createdAt), \(bind: encode(event.data)),
                    \(bind: dedupeKey))
                ON CONFLICT DO NOTHING
                RETURNING id
                """
            ).first() != nil
        if inserted {
            try await JobQueue.enqueue(
                NotificationJob.dispatchEvent(event.id), runAfter: event.createdAt, now: event.createdAt, on: connection
            )
        }
        return inserted
    }

    /// Records `event` in a transaction of its own.
    @discardableResult
    package func record(_ event: ActivityEvent, dedupeKey: String? = nil) async throws -> Bool {
        try await database.withTransaction { try await Self.record(event, dedupeKey: dedupeKey, on: $0) }
    }

    package func event(id: String) async throws -> ActivityEvent? {
        try await database.withConnection { connection in
            try await connection.raw(
                "SELECT id, user_id, type, account_number, created_at, data FROM events WHERE id = \(bind: id)"
            ).first().map(Self.event)
        }
    }

    /// A page of what `userID` may read, newest first: their own events, and the operators' when
    /// they are one; `after` is the last event of the previous page.
    package func feed(userID: Int64, operator isOperator: Bool, after: String?, limit: Int) async throws
        -> [ActivityEvent]
    {
        try await database.withConnection { connection in
            let audience: SQLQueryString =
                isOperator ? "(user_id = \(bind: userID) OR user_id IS NULL)" : "user_id = \(bind: userID)"
            var query: SQLQueryString = "SELECT id, user_id, type, account_number, created_at, data FROM events WHERE "
            query = query + audience
            if let after {
                query =
                    query
                        + """
                         AND (created_at, id) < (SELECT created_at, id FROM events WHERE id = \(bind: after))
                        """
            }
            query = query + " ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)"
            return try await connection.raw(query).all().map(Self.event)
        }
    }

    static func encode(_ data: [String: EventValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(data)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func event(_ row: any SQLRow) throws -> ActivityEvent {
        let type = try row.decode(column: "type", as: String.self)
        guard let known = EventType(rawValue: type) else { throw StoredValueError(column: "events.type", value: type) }
        let data = try row.decode(column: "data", as: String.self)
        return ActivityEvent(
            id: try row.decode(column: "id", as: String.self),
            userID: try row.decode(column: "user_id", as: Int64?.self),
            type: known,
            accountNumber: try row.decode(column: "account_number", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            data: (try? JSONDecoder().decode([String: EventValue].self, from: Data(data.utf8))) ?? [:])
    }
}
