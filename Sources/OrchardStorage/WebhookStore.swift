package import Foundation
package import OrchardCore
import SQLKit

/// Webhook endpoints (their signing secrets sealed at rest), deliveries and each delivery's attempts.
package struct WebhookStore: Sendable {
    package enum Format: String, Sendable, Codable, CaseIterable { case json, slack }

    package struct Endpoint: Sendable, Equatable, Identifiable {
        package var id: Int64
        package var userID: Int64
        package var url: String
        package var format: Format
        /// The event types it receives; empty for all of them.
        package var events: [EventType]
        package var createdAt: Date
        package var failingSince: Date?

        package func receives(_ type: EventType) -> Bool { type == .test || events.isEmpty || events.contains(type) }
    }

    package struct Delivery: Sendable, Equatable, Identifiable {
        package enum State: String, Sendable { case pending, delivered, failed }
        package var id: Int64
        package var endpointID: Int64
        package var eventID: String
        package var eventType: String
        package var body: String
        package var state: State
        package var attempts: Int
        package var lastStatus: Int?
        package var lastError: String?
        package var createdAt: Date
        package var updatedAt: Date
    }

    package struct Attempt: Sendable, Equatable {
        package var at: Date
        package var status: Int?
        package var error: String?
        package var milliseconds: Int

        package init(at: Date, status: Int?, error: String?, milliseconds: Int) {
            self.at = at
            self.status = status
            self.error = error
            self.milliseconds = milliseconds
        }
    }

    let database: OrchardDatabase
    let keys: KeyRing

    package init(database: OrchardDatabase, keys: KeyRing) {
        self.database = database
        self.keys = keys
    }

    static func context(_ id: Int64) -> SecretContext { .init("webhook_endpoints/\(id)/secret") }

    /// Adds an endpoint with a new secret; the secret is returned once, here.
    package func add(userID: Int64, url: String, format: Format, events: [EventType], now: Date) async throws -> (
        Endpoint, secret: String
    ) {
        let secret = SessionStore.newSecret(prefix: "whsec_")
        let endpoint = try await database.withTransaction { connection in
            let id = try await connection.raw(
                """
                INSERT INTO webhook_endpoints (user_id, url, format, events, key_id, secret_ciphertext, created_at)
                VALUES (\(bind: userID), \(bind: url), \(bind: format.rawValue),
                    \(bind: events.map(\.rawValue).joined(separator: ",")), '', \(bind: Data()), \(bind: now))
                RETURNING id
                """
            ).first()!.decode(column: "id", as: Int64.self)
            try await seal(secret, id: id, on: connection)
            return Endpoint(
                id: id, userID: userID, url: url, format: format, events: events, createdAt: now, failingSince: nil)
        }
        return (endpoint, secret)
    }

    private func seal(_ secret: String, id: Int64, on connection: any SQLDatabase) async throws {
        let sealed = try keys.seal(secret, context: Self.context(id))
        try await connection.raw(
            """
            UPDATE webhook_endpoints SET key_id = \(bind: sealed.keyID), secret_ciphertext = \(bind: sealed.combined)
            WHERE id = \(bind: id)
            """
        ).run()
    }

    /// A new secret for the user's endpoint, returned once; `nil` when it is not theirs.
    package func rotate(id: Int64, userID: Int64) async throws -> String? {
        let secret = SessionStore.newSecret(prefix: "whsec_")
        let found = try await database.withTransaction { connection in
            guard
                try await connection.raw(
                    "SELECT id FROM webhook_endpoints WHERE id = \(bind: id) AND user_id = \(bind: userID)"
                ).first() != nil
            else { return false }
            try await seal(secret, id: id, on: connection)
            return true
        }
        return found ? secret : nil
    }

    package func secret(endpointID: Int64) async throws -> String? {
        let row = try await database.withConnection { connection in
            try await connection.raw(
                "SELECT key_id, secret_ciphertext FROM webhook_endpoints WHERE id = \(bind: endpointID)"
            ).first()
        }
        guard let row else { return nil }
        return try keys.open(
            .init(
                keyID: try row.decode(column: "key_id", as: String.self),
                combined: try row.decode(column: "secret_ciphertext", as: Data.self)),
            context: Self.context(endpointID))
    }

    package func endpoints(userID: Int64) async throws -> [Endpoint] {
        try await database.withConnection { connection in
            try await connection.raw("\(unsafeRaw: Self.endpointColumns) WHERE user_id = \(bind: userID) ORDER BY id")
                .all().map(Self.endpoint)
        }
    }

    /// The endpoints of the users an event is for (`nil`: the operators').
    package func endpoints(audience userID: Int64?) async throws -> [Endpoint] {
        try await database.withConnection { connection in
            let condition: SQLQueryString =
                userID.map { "user_id = \(bind: $0)" }
                ?? "user_id IN (SELECT id FROM users WHERE role = 'operator')"
            return try await connection.raw("\(unsafeRaw: Self.endpointColumns) WHERE \(condition) ORDER BY id")
                .all().map(Self.endpoint)
        }
    }

    package func endpoint(id: Int64) async throws -> Endpoint? {
        try await database.withConnection { connection in
            try await connection.raw("\(unsafeRaw: Self.endpointColumns) WHERE id = \(bind: id)").first()
                .map(Self.endpoint)
        }
    }

    package func delete(id: Int64, userID: Int64) async throws -> Bool {
        try await database.withWriter { connection in
            try await connection.raw(
                "DELETE FROM webhook_endpoints WHERE id = \(bind: id) AND user_id = \(bind: userID) RETURNING id"
            ).first() != nil
        }
    }

    /// Queues the delivery of an event to an endpoint with its job; `nil` when it was queued before.
    @discardableResult
    package func queueDelivery(endpointID: Int64, event: ActivityEvent, body: String, now: Date) async throws -> Int64?
    {
        try await database.withTransaction { connection in
            guard
                let id = try await connection.raw(
                    """
                    INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, body, created_at, updated_at)
                    VALUES (\(bind: endpointID), \(bind: event.id), \(bind: event.type.rawValue), \(bind: body),
                        \(bind: now), \(bind: now))
                    ON CONFLICT DO NOTHING
                    RETURNING id
                    """
                ).first()?.decode(column: "id", as: Int64.self)
            else { return nil }
            // The handler keeps its own schedule (a day of retries), so the queue's attempts are many.
            try await JobQueue.enqueue(
                NotificationJob.deliverWebhook(id), runAfter: now, maxAttempts: 50, now: now, on: connection)
            return id
        }
    }

    package func delivery(id: Int64) async throws -> Delivery? {
        try await database.withConnection { connection in
            try await connection.raw("\(unsafeRaw: Self.deliveryColumns) WHERE id = \(bind: id)").first()
                .map(Self.delivery)
        }
    }

    /// The endpoint's deliveries, newest first.
    package func deliveries(endpointID: Int64, limit: Int) async throws -> [Delivery] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                \(unsafeRaw: Self.deliveryColumns) WHERE endpoint_id = \(bind: endpointID)
                ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)
                """
            ).all().map(Self.delivery)
        }
    }

    package func attempts(deliveryID: Int64) async throws -> [Attempt] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT at, status, error, milliseconds FROM webhook_attempts WHERE delivery_id = \(bind: deliveryID)
                ORDER BY id
                """
            ).all().map { row in
                Attempt(
                    at: try row.decode(column: "at", as: Date.self),
                    status: try row.decode(column: "status", as: Int64?.self).map(Int.init),
                    error: try row.decode(column: "error", as: String?.self),
                    milliseconds: Int(try row.decode(column: "milliseconds", as: Int64.self)))
            }
        }
    }

    /// Records one attempt and the delivery's state after it; a delivered one clears the endpoint's
    /// failing mark, a failed one sets it.
    package func record(
        deliveryID: Int64, endpointID: Int64, attempt: Attempt, state: Delivery.State, now: Date
    ) async throws {
        try await database.withTransaction { connection in
            try await connection.raw(
                """
                INSERT INTO webhook_attempts (delivery_id, at, status, error, milliseconds)
                VALUES (\(bind: deliveryID), \(bind: attempt.at), \(bind: attempt.status), \(bind: attempt.error),
                    \(bind: attempt.milliseconds))
                """
            ).run()
            try await connection.raw(
                """
                UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = \(bind: attempt.status),
                    last_error = \(bind: attempt.error), state = \(bind: state.rawValue), updated_at = \(bind: now)
                WHERE id = \(bind: deliveryID)
                """
            ).run()
            switch state {
            case .delivered:
                try await connection.raw(
                    "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = \(bind: endpointID)"
                ).run()
            case .failed:
                try await connection.raw(
                    """
                    UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, \(bind: now))
                    WHERE id = \(bind: endpointID)
                    """
                ).run()
            case .pending: break
            }
        }
    }

    static let endpointColumns =
        "SELECT id, user_id, url, format, events, created_at, failing_since FROM webhook_endpoints"
    static let deliveryColumns = """
        SELECT id, endpoint_id, event_id, event_type, body, state, attempts, last_status, last_error, created_at,
               updated_at FROM webhook_deliveries
        """

    static func endpoint(_ row: any SQLRow) throws -> Endpoint {
        let events = try row.decode(column: "events", as: String.self)
        return Endpoint(
            id: try row.decode(column: "id", as: Int64.self),
            userID: try row.decode(column: "user_id", as: Int64.self),
            url: try row.decode(column: "url", as: String.self),
            format: Format(rawValue: try row.decode(column: "format", as: String.self)) ?? .json,
            events: events.split(separator: ",").compactMap { EventType(rawValue: String($0)) },
            createdAt: try row.decode(column: "created_at", as: Date.self),
            failingSince: try row.decode(column: "failing_since", as: Date?.self))
    }

    static func delivery(_ row: any SQLRow) throws -> Delivery {
        Delivery(
            id: try row.decode(column: "id", as: Int64.self),
            endpointID: try row.decode(column: "endpoint_id", as: Int64.self),
            eventID: try row.decode(column: "event_id", as: String.self),
            eventType: try row.decode(column: "event_type", as: String.self),
            body: try row.decode(column: "body", as: String.self),
            state: Delivery.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .pending,
            attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
            lastStatus: try row.decode(column: "last_status", as: Int64?.self).map(Int.init),
            lastError: try row.decode(column: "last_error", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }
}
