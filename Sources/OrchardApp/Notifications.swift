package import Foundation
import Logging
package import OrchardCore
import OrchardMail
package import OrchardStorage

/// The notifications a user sees and sets (docs/NOTIFICATIONS.md): the Notifications page and its
/// API, the verified address, one-click unsubscribe, the activity feed, webhook endpoints.
package struct Notifications: Sendable {
    let database: OrchardDatabase
    let settingsStore: NotificationSettingsStore
    let events: EventLog
    let outbox: MailOutbox
    let webhooks: WebhookStore
    let integrations: IntegrationStore
    let delivery: NotificationDelivery
    let mail: MailSetup
    let now: @Sendable () -> Date

    package init(
        database: OrchardDatabase, keys: KeyRing, mail: MailSetup, sender: WebhookSender,
        now: @escaping @Sendable () -> Date
    ) {
        self.database = database
        settingsStore = NotificationSettingsStore(database: database)
        events = EventLog(database: database)
        outbox = MailOutbox(database: database)
        webhooks = WebhookStore(database: database, keys: keys)
        integrations = IntegrationStore(database: database)
        delivery = NotificationDelivery(
            database: database, keys: keys, mail: mail, sender: sender, now: now,
            logger: .init(label: "orchard.notifications"))
        self.mail = mail
        self.now = now
    }

    /// Whether mail can leave at all.
    package var mailConfigured: Bool { mail.transport != nil }
    package var mailDescription: String { mail.description }

    // MARK: Settings

    /// The Notifications page: the settings, the accounts switches can name, the address state.
    package struct Page: Sendable {
        package var settings: NotificationSettings
        package var accounts: [(number: String, name: String)]
        package var pendingAddress: String?
        package var mailConfigured: Bool
        package var isOperator: Bool
    }

    package func page(of user: User) async throws -> Page {
        guard let settings = try await settingsStore.settings(userID: user.id) else { throw NotificationError.notFound }
        var seen = Set<String>()
        let accounts = try await integrations.list(userID: user.id).compactMap { integration -> (String, String)? in
            seen.insert(integration.accountNumber).inserted ? (integration.accountNumber, integration.accountName) : nil
        }
        return Page(
            settings: settings, accounts: accounts,
            pendingAddress: try await settingsStore.pendingAddress(userID: user.id, now: now()),
            mailConfigured: mailConfigured, isOperator: user.role == .operator)
    }

    /// What the Notifications form or the API changes; `nil` leaves a value as it is.
    package struct Change: Sendable, Equatable {
        package var digestFrequency: String?
        package var digestHour: Int?
        package var digestWeekday: Int?
        package var timeZone: String?
        package var sensitivity: String?
        package var switches: [NotificationSettings.Switch] = []
        /// Per-account switches to remove: the account follows the topic's switch again.
        package var cleared: [(topic: NotificationTopic, accountNumber: String)] = []

        package static func == (left: Change, right: Change) -> Bool {
            left.digestFrequency == right.digestFrequency && left.digestHour == right.digestHour
                && left.digestWeekday == right.digestWeekday && left.timeZone == right.timeZone
                && left.sensitivity == right.sensitivity && left.switches == right.switches
                && left.cleared.map(\.topic) == right.cleared.map(\.topic)
                && left.cleared.map(\.accountNumber) == right.cleared.map(\.accountNumber)
        }

        package init(
            digestFrequency: String? = nil, digestHour: Int? = nil, digestWeekday: Int? = nil, timeZone: String? = nil,
            sensitivity: String? = nil, switches: [NotificationSettings.Switch] = []
        ) {
            self.digestFrequency = digestFrequency
            self.digestHour = digestHour
            self.digestWeekday = digestWeekday
            self.timeZone = timeZone
            self.sensitivity = sensitivity
            self.switches = switches
        }
    }

    /// Applies `change` after checking every value; per-account switches only for the user's accounts.
    @discardableResult
    package func update(_ change: Change, of user: User) async throws -> NotificationSettings {
        guard var settings = try await settingsStore.settings(userID: user.id) else { throw NotificationError.notFound }
        if let raw = change.digestFrequency {
            guard let frequency = NotificationSettings.DigestFrequency(rawValue: raw) else {
                throw NotificationError.invalidSetting("digestFrequency must be off, daily or weekly")
            }
            settings.digestFrequency = frequency
        }
        if let hour = change.digestHour {
            guard (0...23).contains(hour) else { throw NotificationError.invalidSetting("digestHour must be 0 to 23") }
            settings.digestHour = hour
        }
        if let weekday = change.digestWeekday {
            guard (1...7).contains(weekday) else {
                throw NotificationError.invalidSetting("digestWeekday must be 1 (Monday) to 7 (Sunday)")
            }
            settings.digestWeekday = weekday
        }
        if let zone = change.timeZone {
            guard zone.count <= 64, TimeZone(identifier: zone) != nil else {
                throw NotificationError.invalidSetting("timeZone must be an IANA time zone such as Europe/Berlin")
            }
            settings.timeZone = zone
        }
        if let raw = change.sensitivity {
            guard let sensitivity = NotificationSettings.Sensitivity(rawValue: raw) else {
                throw NotificationError.invalidSetting("alertSensitivity must be low, normal or high")
            }
            settings.sensitivity = sensitivity
        }
        let accounts = Set(try await integrations.list(userID: user.id).map(\.accountNumber))
        for change in change.switches {
            if let account = change.accountNumber {
                guard change.topic.isPerAccount, accounts.contains(account) else {
                    throw NotificationError.invalidSetting(
                        "\(change.topic.rawValue) cannot be set for account \(account)")
                }
            }
            if change.topic == .operations && user.role != .operator {
                throw NotificationError.invalidSetting("operations mail is for operators")
            }
        }
        settings.switches = change.switches
        try await settingsStore.update(userID: user.id, settings, clearing: change.cleared)
        return try await settingsStore.settings(userID: user.id) ?? settings
    }

    // MARK: Addresses

    /// Sends a verification link to the user's address (or to the address they change to).
    package func sendVerification(to user: User, email: String? = nil) async throws {
        guard mailConfigured else { throw NotificationError.mailNotConfigured }
        let address = email ?? user.email
        let token = try await settingsStore.verificationToken(userID: user.id, email: address, now: now())
        let document = delivery.composer.verification(email: address, token: token, changing: email != nil)
        try await outbox.queue(
            .init(
                dedupeKey: "verify:\(user.id):\(SecretBox.fingerprint(token))", userID: user.id, eventID: nil,
                kind: "verification", recipient: address, subject: document.subject, text: document.text,
                html: document.html, unsubscribeURL: nil),
            now: now())
    }

    /// A new user's confirmation link, when mail can leave (quietly nothing when it cannot).
    package func welcome(_ user: User) async throws {
        guard mailConfigured else { return }
        try await sendVerification(to: user)
    }

    /// Starts a change of address: the new one gets a verification link and replaces the old one
    /// only once verified.
    package func changeEmail(of user: User, to raw: String) async throws {
        let address: String
        do { address = try Credentials.email(raw) } catch { throw NotificationError.invalidEmail }
        guard address != user.email else { throw NotificationError.sameEmail }
        let taken = try await UserStore(database: database).credentials(email: address) != nil
        guard !taken else { throw NotificationError.emailTaken }
        try await sendVerification(to: user, email: address)
    }

    /// Uses a verification link.
    package func verify(token: String) async throws -> String {
        switch try await settingsStore.verify(token: token, now: now()) {
        case .verified(_, let email): return email
        case .taken: throw NotificationError.emailTaken
        case .unknownOrExpired: throw NotificationError.verificationUnusable
        }
    }

    // MARK: Unsubscribe

    /// What an unsubscribe link switches off, for its confirmation page; `nil` for an unknown link.
    package func unsubscribeTarget(token: String) async throws -> NotificationSettings.Switch? {
        try await settingsStore.unsubscribeTarget(token: token)?.change
    }

    /// Switches off what the link names (RFC 8058 one-click, or the page's button).
    package func unsubscribe(token: String) async throws -> NotificationSettings.Switch? {
        guard let target = try await settingsStore.unsubscribeTarget(token: token) else { return nil }
        try await settingsStore.set(target.change, userID: target.userID)
        return target.change
    }

    // MARK: Activity

    /// A page of the user's activity, newest first, and the cursor of the next page.
    package func feed(of user: User, after: String?, limit: Int) async throws -> (
        events: [ActivityEvent], next: String?
    ) {
        let size = min(max(limit, 1), 100)
        let page = try await events.feed(
            userID: user.id, operator: user.role == .operator, after: after, limit: size + 1)
        return (Array(page.prefix(size)), page.count > size ? page[size - 1].id : nil)
    }

    // MARK: Webhooks

    package func endpoints(of user: User) async throws -> [WebhookStore.Endpoint] {
        try await webhooks.endpoints(userID: user.id)
    }

    /// Adds an endpoint; its secret is returned this once.
    package func addEndpoint(
        of user: User, url: String, format: String, events: [String]
    ) async throws -> (WebhookStore.Endpoint, secret: String) {
        let trimmed = url.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 2_000 else { throw NotificationError.webhookRefused("the address is too long") }
        if let refusal = delivery.sender.refusal(of: trimmed) { throw NotificationError.webhookRefused(refusal) }
        guard let format = WebhookStore.Format(rawValue: format) else {
            throw NotificationError.invalidSetting("format must be json or slack")
        }
        var types: [EventType] = []
        for name in events {
            guard let type = EventType(rawValue: name), type != .test else {
                throw NotificationError.invalidSetting("'\(name)' is not an event type")
            }
            if type.isOperational && user.role != .operator {
                throw NotificationError.invalidSetting("\(name) is for operators")
            }
            types.append(type)
        }
        return try await webhooks.add(userID: user.id, url: trimmed, format: format, events: types, now: now())
    }

    package func endpoint(id: Int64, of user: User) async throws -> WebhookStore.Endpoint {
        guard let endpoint = try await webhooks.endpoint(id: id), endpoint.userID == user.id else {
            throw NotificationError.notFound
        }
        return endpoint
    }

    package func removeEndpoint(id: Int64, of user: User) async throws {
        guard try await webhooks.delete(id: id, userID: user.id) else { throw NotificationError.notFound }
    }

    package func rotateSecret(id: Int64, of user: User) async throws -> String {
        guard let secret = try await webhooks.rotate(id: id, userID: user.id) else { throw NotificationError.notFound }
        return secret
    }

    package func deliveries(endpointID: Int64, of user: User, limit: Int = 50) async throws -> [WebhookStore.Delivery] {
        _ = try await endpoint(id: endpointID, of: user)
        return try await webhooks.deliveries(endpointID: endpointID, limit: limit)
    }

    /// Queues a test event to one endpoint (not recorded in the activity feed).
    @discardableResult
    package func sendTest(endpointID: Int64, of user: User) async throws -> ActivityEvent {
        let endpoint = try await endpoint(id: endpointID, of: user)
        let event = ActivityEvent(
            userID: user.id, type: .test, accountNumber: nil, createdAt: now(),
            data: ["message": "A test event from Orchard.", "endpointId": .integer(endpoint.id)])
        try await delivery.queue(event, to: endpoint)
        return event
    }

    // MARK: Operator

    /// The newest mail, for the operator's "Mail sent" page.
    package func sentMail(of user: User, limit: Int = 100) async throws -> [MailOutbox.Message] {
        guard user.role == .operator else { throw OperatorError.operatorOnly }
        return try await outbox.recent(limit: limit)
    }

    package func mailMessage(id: Int64, of user: User) async throws -> MailOutbox.Message {
        guard user.role == .operator else { throw OperatorError.operatorOnly }
        guard let message = try await outbox.message(id: id) else { throw NotificationError.notFound }
        return message
    }
}
