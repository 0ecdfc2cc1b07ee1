package import Foundation
package import Logging
package import OrchardCore
package import OrchardMail
package import OrchardStorage
package import OrchardSync
import Synchronization

/// How mail leaves this Orchard: where links point, the sender, and the transport (`nil`: no mail
/// server is configured; events still reach the activity feed and webhooks).
package struct MailSetup: Sendable {
    /// Where links point; read at each use (a server on port 0 learns its port once it listens).
    package let address: PublicAddress
    package var publicURL: URL { address.url }
    package var from: MailAddress
    package var transport: (any MailTransport)?
    /// What the operator page says of it: the masked SMTP URL, the folder, or "not configured".
    package var description: String

    package init(publicURL: URL, from: MailAddress, transport: (any MailTransport)?, description: String) {
        self.init(address: PublicAddress(publicURL), from: from, transport: transport, description: description)
    }

    package init(address: PublicAddress, from: MailAddress, transport: (any MailTransport)?, description: String) {
        self.address = address
        self.from = from
        self.transport = transport
        self.description = description
    }
}

/// The address users reach this Orchard at, shared by the web and the workers of one process.
package final class PublicAddress: Sendable {
    private let value: Mutex<URL>

    package init(_ url: URL) {
        value = Mutex(url)
    }

    package var url: URL { value.withLock { $0 } }

    package func set(_ url: URL) {
        value.withLock { $0 = url }
    }
}

/// When a webhook delivery is tried again: after each wait of `schedule` in turn (its last one
/// repeating), until `window` after the event; then it is failed and its endpoint marked failing.
package struct WebhookRetry: Sendable {
    package var schedule: [TimeInterval]
    package var window: TimeInterval

    package init(
        schedule: [TimeInterval] = [30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800], window: TimeInterval = 86_400
    ) {
        self.schedule = schedule
        self.window = window
    }

    package func delay(afterAttempt attempt: Int) -> TimeInterval {
        schedule.isEmpty ? 60 : schedule[min(max(attempt - 1, 0), schedule.count - 1)]
    }
}

/// The notification jobs' handlers (docs/NOTIFICATIONS.md): an event's dispatch to mail and webhooks,
/// a message's sending, a webhook's delivery.
package struct NotificationDelivery: Sendable {
    let events: EventLog
    let settings: NotificationSettingsStore
    let outbox: MailOutbox
    let webhooks: WebhookStore
    let mail: MailSetup
    let sender: WebhookSender
    let retry: WebhookRetry
    let now: @Sendable () -> Date
    let logger: Logger

    package init(
        database: OrchardDatabase, keys: KeyRing, mail: MailSetup, sender: WebhookSender,
        retry: WebhookRetry = WebhookRetry(), now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        events = EventLog(database: database)
        settings = NotificationSettingsStore(database: database)
        outbox = MailOutbox(database: database)
        webhooks = WebhookStore(database: database, keys: keys)
        self.mail = mail
        self.sender = sender
        self.retry = retry
        self.now = now
        self.logger = logger
    }

    var composer: MailComposer { MailComposer(publicURL: mail.publicURL) }

    /// Fans an event out: a message per recipient who wants its kind of mail at a verified address,
    /// a delivery per webhook endpoint that receives its type. Idempotent (each is queued once).
    package func dispatch(eventID: String) async throws {
        guard let event = try await events.event(id: eventID) else { return }
        let audience: [(id: Int64, settings: NotificationSettings)] =
            if let userID = event.userID {
                try await settings.settings(userID: userID).map { [(userID, $0)] } ?? []
            } else {
                try await settings.operators()
            }
        let topic = event.type.topic
        for (userID, wishes) in audience where mail.transport != nil && event.type != .digest {
            guard wishes.emailVerifiedAt != nil, wishes.mails(topic, accountNumber: event.accountNumber) else {
                continue
            }
            let account = topic.isPerAccount ? event.accountNumber : nil
            let token = try await settings.unsubscribeToken(
                userID: userID, topic: topic, accountNumber: account, now: now())
            let unsubscribe = composer.url(MailLinks.unsubscribe(token))
            guard let document = composer.mail(for: event, unsubscribe: unsubscribe) else { continue }
            try await outbox.queue(
                .init(
                    dedupeKey: "event:\(event.id):\(userID)", userID: userID, eventID: event.id,
                    kind: event.type.rawValue, recipient: wishes.email, subject: document.subject, text: document.text,
                    html: document.html, unsubscribeURL: unsubscribe.absoluteString),
                now: now())
        }
        for endpoint in try await webhooks.endpoints(audience: event.userID) where endpoint.receives(event.type) {
            try await queue(event, to: endpoint)
        }
    }

    /// Queues one event for one endpoint in its format.
    package func queue(_ event: ActivityEvent, to endpoint: WebhookStore.Endpoint) async throws {
        let link = event.data["integrationId"].flatMap { value -> URL? in
            if case .integer(let id) = value { return composer.url(MailLinks.integration(id)) }
            return nil
        }
        let body =
            endpoint.format == .slack
            ? WebhookSender.slackBody(of: event, link: link) : WebhookSender.body(of: event)
        try await webhooks.queueDelivery(endpointID: endpoint.id, event: event, body: body, now: now())
    }

    /// A transient refusal to send, retried by the queue.
    struct MailDeferred: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends one queued message; a permanent refusal (or the last attempt) marks it failed, a
    /// transient one is retried by the queue with its backoff.
    package func send(messageID: Int64, lastAttempt: Bool) async throws {
        guard let message = try await outbox.message(id: messageID), message.state == .queued else { return }
        guard let transport = mail.transport else {
            try await outbox.markAttemptFailed(id: messageID, error: "no mail server is configured", final: true)
            return
        }
        guard let recipient = MailAddress(message.recipient) else {
            try await outbox.markAttemptFailed(
                id: messageID, error: "'\(message.recipient)' is not an address SMTP can carry", final: true)
            return
        }
        let outgoing = MailMessage(
            from: mail.from, to: recipient, subject: message.subject, text: message.text, html: message.html,
            unsubscribeURL: message.unsubscribeURL.flatMap(URL.init(string:)),
            messageID: "orchard-\(messageID)-\(Int(message.createdAt.timeIntervalSince1970))@\(mail.from.domain)",
            date: now())
        do {
            let receipt = try await transport.send(outgoing)
            try await outbox.markSent(id: messageID, reply: "\(receipt.code) \(receipt.text)", now: now())
            logger.info("mail sent", metadata: ["message": "\(messageID)", "kind": "\(message.kind)"])
        } catch let error as SMTPError {
            let final = error.isPermanent || lastAttempt
            try await outbox.markAttemptFailed(id: messageID, error: error.description, final: final)
            logger.warning(
                "mail not sent", metadata: ["message": "\(messageID)", "error": "\(error)", "final": "\(final)"])
            if !final { throw MailDeferred(description: error.description) }
        } catch {
            try await outbox.markAttemptFailed(id: messageID, error: String(describing: error), final: lastAttempt)
            if !lastAttempt { throw MailDeferred(description: String(describing: error)) }
        }
    }

    /// Tries one webhook delivery; not delivered, it is tried again on ``WebhookRetry``'s schedule
    /// (postponing its job) until the window closes, then failed.
    package func deliver(deliveryID: Int64) async throws {
        guard let delivery = try await webhooks.delivery(id: deliveryID), delivery.state == .pending,
            let endpoint = try await webhooks.endpoint(id: delivery.endpointID),
            let secret = try await webhooks.secret(endpointID: endpoint.id)
        else { return }
        let time = now()
        let outcome = await sender.send(
            url: endpoint.url, body: delivery.body, secret: secret, eventID: delivery.eventID, now: time)
        let attempt = WebhookStore.Attempt(
            at: time, status: outcome.status, error: outcome.error, milliseconds: outcome.milliseconds)
        if outcome.delivered {
            try await webhooks.record(
                deliveryID: deliveryID, endpointID: endpoint.id, attempt: attempt, state: .delivered, now: time)
            return
        }
        let next = time.addingTimeInterval(retry.delay(afterAttempt: delivery.attempts + 1))
        if outcome.permanent || next >= delivery.createdAt.addingTimeInterval(retry.window) {
            try await webhooks.record(
                deliveryID: deliveryID, endpointID: endpoint.id, attempt: attempt, state: .failed, now: time)
            logger.warning(
                "webhook delivery failed for good",
                metadata: [
                    "delivery": "\(deliveryID)", "endpoint": "\(endpoint.id)", "error": "\(outcome.error ?? "")",
                ])
            return
        }
        try await webhooks.record(
            deliveryID: deliveryID, endpointID: endpoint.id, attempt: attempt, state: .pending, now: time)
        throw JobPostponed(until: next, reason: "webhook not delivered: \(outcome.error ?? "no answer")")
    }

    /// The handlers of the delivery jobs, by kind.
    package func handlers() -> [String: JobWorker.Handler] {
        [
            NotificationJob.Kind.dispatchEvent.rawValue: { job in
                guard case .dispatchEvent(let id) = try NotificationJob(job) else { return }
                try await dispatch(eventID: id)
            },
            NotificationJob.Kind.sendMail.rawValue: { job in
                guard case .sendMail(let id) = try NotificationJob(job) else { return }
                try await send(messageID: id, lastAttempt: job.attempts >= job.maxAttempts)
            },
            NotificationJob.Kind.deliverWebhook.rawValue: { job in
                guard case .deliverWebhook(let id) = try NotificationJob(job) else { return }
                try await deliver(deliveryID: id)
            },
        ]
    }
}

/// Every notification job of a worker: deliveries, the recurring check and the digests.
package struct NotificationJobs: Sendable {
    package let delivery: NotificationDelivery
    package let checks: NotificationChecks
    package let digests: Digests
    /// How often the check and the digests are queued.
    package let interval: TimeInterval

    package init(delivery: NotificationDelivery, checks: NotificationChecks, digests: Digests, interval: TimeInterval) {
        self.delivery = delivery
        self.checks = checks
        self.digests = digests
        self.interval = interval
    }

    package func handlers() -> [String: JobWorker.Handler] {
        var handlers = delivery.handlers()
        let (checks, digests) = (checks, digests)
        handlers[NotificationJob.Kind.checkNotifications.rawValue] = { _ in try await checks.run() }
        handlers[NotificationJob.Kind.sendDigests.rawValue] = { _ in try await digests.run() }
        return handlers
    }

    package var recurring: [(job: any QueueableJob, interval: TimeInterval)] {
        [(NotificationJob.checkNotifications, interval), (NotificationJob.sendDigests, interval)]
    }
}
