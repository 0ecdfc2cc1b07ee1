package import Foundation
import SQLKit

/// The mail Orchard composed, queued to be sent and kept after (the operator's "Mail sent" page):
/// each message is queued once per purpose (`dedupeKey`), and its job is queued with it.
package struct MailOutbox: Sendable {
    package struct Message: Sendable, Equatable, Identifiable {
        package enum State: String, Sendable { case queued, sent, failed }
        package var id: Int64
        package var userID: Int64?
        package var eventID: String?
        package var kind: String
        package var recipient: String
        package var subject: String
        package var text: String
        package var html: String
        package var unsubscribeURL: String?
        package var state: State
        package var attempts: Int
        package var lastError: String?
        package var serverReply: String?
        package var createdAt: Date
        package var sentAt: Date?
    }

    /// A message to queue.
    package struct Draft: Sendable, Equatable {
        package var dedupeKey: String
        package var userID: Int64?
        package var eventID: String?
        package var kind: String
        package var recipient: String
        package var subject: String
        package var text: String
        package var html: String
        package var unsubscribeURL: String?

        package init(
            dedupeKey: String, userID: Int64?, eventID: String?, kind: String, recipient: String, subject: String,
            text: String, html: String, unsubscribeURL: String?
        ) {
            self.dedupeKey = dedupeKey
            self.userID = userID
            self.eventID = eventID
            self.kind = kind
            self.recipient = recipient
            self.subject = subject
            self.text = text
            self.html = html
            self.unsubscribeURL = unsubscribeURL
        }
    }

    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    /// Queues `draft` and its sending job; `nil` when a message with its key was queued before.
    @discardableResult
    package func queue(_ draft: Draft, now: Date) async throws -> Int64? {
        try await database.withTransaction { connection in
            guard
                let id = try await connection.raw(
                    """
                    INSERT INTO mail_messages (dedupe_key, user_id, event_id, kind, recipient, subject, text_body,
                        html_body, unsubscribe_url, created_at)
                    VALUES (\(bind: draft.dedupeKey), \(bind: draft.userID), \(bind: draft.eventID), \(bind: draft.kind),
                        \(bind: draft.recipient), \(bind: draft.subject), \(bind: draft.text), \(bind: draft.html),
                        \(bind: draft.unsubscribeURL), \(bind: now))
                    ON CONFLICT DO NOTHING
                    RETURNING id
                    """
                ).first()?.decode(column: "id", as: Int64.self)
            else { return nil }
            // Mail servers refuse for a while; a day of retries with the queue's backoff.
            try await JobQueue.enqueue(
                NotificationJob.sendMail(id), runAfter: now, maxAttempts: 10, now: now, on: connection)
            return id
        }
    }

    package func message(id: Int64) async throws -> Message? {
        try await database.withConnection { connection in
            try await connection.raw("\(unsafeRaw: Self.columns) WHERE id = \(bind: id)").first().map(Self.message)
        }
    }

    /// The newest messages first, at most `limit`.
    package func recent(limit: Int, userID: Int64? = nil) async throws -> [Message] {
        try await database.withConnection { connection in
            let filter: SQLQueryString = userID.map { "WHERE user_id = \(bind: $0)" } ?? ""
            return try await connection.raw(
                "\(unsafeRaw: Self.columns) \(filter) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)"
            ).all().map(Self.message)
        }
    }

    package func markSent(id: Int64, reply: String, now: Date) async throws {
        try await database.withWriter { connection in
            try await connection.raw(
                """
                UPDATE mail_messages SET state = 'sent', sent_at = \(bind: now), server_reply = \(bind: reply),
                    attempts = attempts + 1, last_error = NULL
                WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    /// Records a failed attempt; `final` marks the message failed (a permanent refusal, or the last try).
    package func markAttemptFailed(id: Int64, error: String, final: Bool) async throws {
        try await database.withWriter { connection in
            try await connection.raw(
                """
                UPDATE mail_messages SET attempts = attempts + 1, last_error = \(bind: error),
                    state = CASE WHEN \(bind: final) THEN 'failed' ELSE state END
                WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    static let columns = """
        SELECT id, user_id, event_id, kind, recipient, subject, text_body, html_body, unsubscribe_url, state, attempts,
               last_error, server_reply, created_at, sent_at FROM mail_messages
        """

    static func message(_ row: any SQLRow) throws -> Message {
        let state = try row.decode(column: "state", as: String.self)
        return Message(
            id: try row.decode(column: "id", as: Int64.self),
            userID: try row.decode(column: "user_id", as: Int64?.self),
            eventID: try row.decode(column: "event_id", as: String?.self),
            kind: try row.decode(column: "kind", as: String.self),
            recipient: try row.decode(column: "recipient", as: String.self),
            subject: try row.decode(column: "subject", as: String.self),
            text: try row.decode(column: "text_body", as: String.self),
            html: try row.decode(column: "html_body", as: String.self),
            unsubscribeURL: try row.decode(column: "unsubscribe_url", as: String?.self),
            state: Message.State(rawValue: state) ?? .queued,
            attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
            lastError: try row.decode(column: "last_error", as: String?.self),
            serverReply: try row.decode(column: "server_reply", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            sentAt: try row.decode(column: "sent_at", as: Date?.self))
    }
}
