package import Foundation

/// What a user asked to receive (docs/NOTIFICATIONS.md): the digest's schedule, the alerts'
/// sensitivity and which kinds of mail, per account where it makes sense.
package struct NotificationSettings: Sendable, Equatable {
    package enum DigestFrequency: String, Sendable, Codable, CaseIterable {
        case off, daily, weekly
    }

    /// How unusual a day must be to alert: its distance from the median in robust deviations.
    package enum Sensitivity: String, Sendable, Codable, CaseIterable {
        case low, normal, high

        package var deviations: Double {
            switch self {
            case .low: 5
            case .normal: 3.5
            case .high: 2.5
            }
        }
    }

    /// A switch: a topic for every account (`accountNumber` nil) or for one.
    package struct Switch: Sendable, Equatable, Hashable {
        package var topic: NotificationTopic
        package var accountNumber: String?
        package var enabled: Bool

        package init(topic: NotificationTopic, accountNumber: String? = nil, enabled: Bool) {
            self.topic = topic
            self.accountNumber = accountNumber
            self.enabled = enabled
        }
    }

    package var email: String
    /// When the address was verified; nothing but its verification is mailed before.
    package var emailVerifiedAt: Date?
    package var digestFrequency: DigestFrequency = .daily
    /// The local hour (0-23) the digest is sent at.
    package var digestHour: Int = 8
    /// The weekday of a weekly digest, 1 = Monday ... 7 = Sunday.
    package var digestWeekday: Int = 1
    package var timeZone: String = "UTC"
    package var sensitivity: Sensitivity = .normal
    package var currency: String = "USD"
    package var switches: [Switch] = []

    package init(email: String) {
        self.email = email
    }

    /// Whether mail of `topic` about `accountNumber` goes out: the account's own switch, else the
    /// topic's, else the topic's default.
    package func mails(_ topic: NotificationTopic, accountNumber: String?) -> Bool {
        if let accountNumber, topic.isPerAccount,
            let own = switches.first(where: { $0.topic == topic && $0.accountNumber == accountNumber })
        {
            return own.enabled
        }
        if let all = switches.first(where: { $0.topic == topic && $0.accountNumber == nil }) { return all.enabled }
        return topic.mailedByDefault
    }
}
