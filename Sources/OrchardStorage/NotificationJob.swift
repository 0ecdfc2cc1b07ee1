import Foundation

/// The jobs of notifications (docs/NOTIFICATIONS.md), queued by storage in the transaction of what
/// they tell of and run by OrchardApp's notification handlers.
package enum NotificationJob: Sendable, Equatable, QueueableJob {
    /// An event's mail and webhook deliveries, by its audience's settings.
    case dispatchEvent(String)
    /// One message of the outbox.
    case sendMail(Int64)
    /// One webhook delivery, retried on its own schedule for a day.
    case deliverWebhook(Int64)
    /// Digests that are due (recurring).
    case sendDigests
    /// Sync health, invitation windows and the service token's expiry (recurring).
    case checkNotifications

    package enum Kind: String, Sendable, CaseIterable {
        case dispatchEvent = "dispatch_event"
        case sendMail = "send_mail"
        case deliverWebhook = "deliver_webhook"
        case sendDigests = "send_digests"
        case checkNotifications = "check_notifications"
    }

    package struct Unreadable: Error, Sendable, CustomStringConvertible {
        package var kind: String
        package var description: String { "notification job of kind '\(kind)' cannot be read" }
    }

    package var jobKind: Kind {
        switch self {
        case .dispatchEvent: .dispatchEvent
        case .sendMail: .sendMail
        case .deliverWebhook: .deliverWebhook
        case .sendDigests: .sendDigests
        case .checkNotifications: .checkNotifications
        }
    }

    package var kind: String { jobKind.rawValue }

    package var dedupeKey: String? {
        switch self {
        case .dispatchEvent(let id): "event:\(id)"
        case .sendMail(let id): "mail:\(id)"
        case .deliverWebhook(let id): "webhook:\(id)"
        case .sendDigests, .checkNotifications: kind
        }
    }

    package var payload: String {
        switch self {
        case .dispatchEvent(let id): #"{"event":"\#(id)"}"#
        case .sendMail(let id), .deliverWebhook(let id): #"{"id":\#(id)}"#
        case .sendDigests, .checkNotifications: "{}"
        }
    }

    private struct Payload: Decodable {
        var event: String?
        var id: Int64?
    }

    package init(_ job: JobQueue.Job) throws(Unreadable) {
        guard let kind = Kind(rawValue: job.kind) else { throw Unreadable(kind: job.kind) }
        let payload = try? JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8))
        switch kind {
        case .dispatchEvent:
            guard let id = payload?.event, id.hasPrefix("evt_") else { throw Unreadable(kind: job.kind) }
            self = .dispatchEvent(id)
        case .sendMail:
            guard let id = payload?.id else { throw Unreadable(kind: job.kind) }
            self = .sendMail(id)
        case .deliverWebhook:
            guard let id = payload?.id else { throw Unreadable(kind: job.kind) }
            self = .deliverWebhook(id)
        case .sendDigests: self = .sendDigests
        case .checkNotifications: self = .checkNotifications
        }
    }
}
