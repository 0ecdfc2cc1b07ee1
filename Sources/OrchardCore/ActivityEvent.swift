package import Foundation

/// Something that happened that a user (or the operators) may want to know, as the activity feed,
/// the mail and the webhooks tell it (docs/NOTIFICATIONS.md). One event has one audience: a user, or
/// every operator when `userID` is `nil`.
package struct ActivityEvent: Sendable, Equatable, Identifiable {
    package var id: String
    package var userID: Int64?
    package var type: EventType
    package var accountNumber: String?
    package var createdAt: Date
    package var data: [String: EventValue]

    package init(
        id: String = ActivityEvent.newID(), userID: Int64?, type: EventType, accountNumber: String?, createdAt: Date,
        data: [String: EventValue]
    ) {
        self.id = id
        self.userID = userID
        self.type = type
        self.accountNumber = accountNumber
        self.createdAt = createdAt
        self.data = data
    }

    /// `evt_` and 26 random base-32 characters (130 bits).
    package static func newID() -> String {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        var generator = SystemRandomNumberGenerator()
        return "evt_" + String((0..<26).map { _ in alphabet[Int(generator.next(upperBound: UInt32(32)))] })
    }
}

/// The kinds of event, as webhooks and the API name them.
package enum EventType: String, Sendable, Codable, CaseIterable {
    case integrationActive = "integration.active"
    case integrationExpired = "integration.expired"
    case integrationRemoved = "integration.removed"
    case integrationRestored = "integration.restored"
    case invitationEnding = "integration.invitation_ending"
    case syncDelayed = "sync.delayed"
    case syncRecovered = "sync.recovered"
    case dayComplete = "data.day_complete"
    case metricAlert = "alert.metric"
    case digest = "digest.sent"
    case tokenExpiring = "operator.token_expiring"
    case tokenRefused = "operator.token_refused"
    case listingDegraded = "operator.listing_degraded"
    case jobDead = "operator.job_dead"
    case test = "webhook.test"

    /// What a user switches on or off for mail.
    package var topic: NotificationTopic {
        switch self {
        case .integrationActive, .integrationExpired, .integrationRemoved, .integrationRestored, .invitationEnding:
            .integrations
        case .syncDelayed, .syncRecovered: .syncProblems
        case .dayComplete: .dataReady
        case .metricAlert: .alerts
        case .digest: .digest
        case .tokenExpiring, .tokenRefused, .listingDegraded, .jobDead: .operations
        case .test: .test
        }
    }

    /// For the operators, not for one user.
    package var isOperational: Bool { topic == .operations }
}

/// The switches of the Notifications page: a kind of mail, on or off (per account where it makes sense).
package enum NotificationTopic: String, Sendable, Codable, CaseIterable {
    case integrations
    case syncProblems = "sync_problems"
    case dataReady = "data_ready"
    case alerts
    case digest
    case operations
    case test

    /// On unless the user switched it off. A day's data being ready is a webhook's business: mailed
    /// only to who asks.
    package var mailedByDefault: Bool { self != .dataReady && self != .test }

    /// Switched per store account as well as for all of them.
    package var isPerAccount: Bool { self == .integrations || self == .syncProblems || self == .alerts }
}

/// A value in an event's data: JSON's scalars.
package enum EventValue: Sendable, Equatable, Codable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case null

    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int64) { self = .integer(value) }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    package var string: String? {
        switch self {
        case .string(let value): value
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .bool(let value): String(value)
        case .null: nil
        }
    }
}
