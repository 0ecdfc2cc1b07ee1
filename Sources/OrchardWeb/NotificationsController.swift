import Foundation
import HTTPTypes
import Hummingbird
import OrchardApp
import OrchardCore
import OrchardStorage

/// Notifications on the web (docs/NOTIFICATIONS.md): the Notifications page, the address and its
/// verification, one-click unsubscribe, the Activity page, webhooks, the operator's "Mail sent", and
/// the same through the JSON API.
struct NotificationsController: Sendable {
    let notifications: Notifications

    struct EmailBody: Decodable {
        let email: String
    }

    struct EndpointBody: Decodable {
        let url: String
        let format: String?
        let events: [String]?
    }

    func addRoutes(to router: Router<OrchardRequestContext>) {
        addPages(to: router)
        addAPI(to: router)
    }

    // MARK: Pages

    private func addPages(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.notifications.pattern) { request, context in
            let user = try context.requireUser()
            return NotificationsPage.settings(
                try await notifications.page(of: user), frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.notifications.pattern) { request, context in
            var request = request
            let user = try context.requireUser()
            let body = String(buffer: try await request.collectBody(upTo: context.maxUploadSize))
            let page = try await notifications.page(of: user)
            do {
                try await notifications.update(Self.change(form: body, page: page), of: user)
                return Flash.redirect(to: .notifications, .notificationsSaved, request: request)
            } catch let error as NotificationError {
                return NotificationsPage.settings(
                    page, error: WebError(error), frame: PageFrame(context, request: request)
                ).response(from: request, context: context)
            }
        }
        router.post(SiteRoute.changeEmail.pattern) { request, context in
            let user = try context.requireUser()
            let form = try await request.decode(as: EmailBody.self, context: context)
            do {
                try await notifications.changeEmail(of: user, to: form.email)
                return Flash.redirect(to: .notifications, .verificationSent, request: request)
            } catch let error as NotificationError {
                return NotificationsPage.settings(
                    try await notifications.page(of: user), emailError: WebError(error), email: form.email,
                    frame: PageFrame(context, request: request)
                ).response(from: request, context: context)
            }
        }
        router.post(SiteRoute.sendVerification.pattern) { request, context in
            try await notifications.sendVerification(to: try context.requireUser())
            return Flash.redirect(to: .notifications, .verificationSent, request: request)
        }
        router.get(SiteRoute.verifyEmail(token: "").pattern) { request, context in
            let token = context.parameters.get("token") ?? ""
            let email = try await notifications.verify(token: token)
            return NotificationsPage.verified(email: email, frame: PageFrame(context, request: request))
        }
        router.get(SiteRoute.unsubscribe(token: "").pattern) { request, context in
            let token = context.parameters.get("token") ?? ""
            guard let target = try await notifications.unsubscribeTarget(token: token) else { throw WebError.notFound }
            return NotificationsPage.unsubscribe(
                target, token: token, done: false, frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.unsubscribe(token: "").pattern) { request, context in
            let token = context.parameters.get("token") ?? ""
            guard let target = try await notifications.unsubscribe(token: token) else { throw WebError.notFound }
            return NotificationsPage.unsubscribe(
                target, token: token, done: true, frame: PageFrame(context, request: request))
        }
        router.get(SiteRoute.activity.pattern) { request, context in
            let user = try context.requireUser()
            let after = request.uri.queryParameters["after"].map(String.init)
            let page = try await notifications.feed(of: user, after: after, limit: 50)
            return NotificationsPage.activity(
                page.events, next: page.next, first: after == nil, frame: PageFrame(context, request: request))
        }
        router.get(SiteRoute.webhooks.pattern) { request, context in
            let user = try context.requireUser()
            return NotificationsPage.webhooks(
                .init(endpoints: try await notifications.endpoints(of: user), isOperator: user.role == .operator),
                frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.webhooks.pattern) { request, context in
            var request = request
            let user = try context.requireUser()
            let body = String(buffer: try await request.collectBody(upTo: context.maxUploadSize))
            let url = URLForm.value(of: "url", in: body) ?? ""
            let format = URLForm.value(of: "format", in: body) ?? "json"
            let events = URLForm.values(of: "event", in: body)
            var model = NotificationsPage.WebhooksModel(endpoints: [], isOperator: user.role == .operator)
            do {
                let (endpoint, secret) = try await notifications.addEndpoint(
                    of: user, url: url, format: format, events: events)
                model.created = (endpoint, secret)
            } catch let error as NotificationError {
                model.error = WebError(error)
                model.url = url
            }
            model.endpoints = try await notifications.endpoints(of: user)
            return NotificationsPage.webhooks(model, frame: PageFrame(context, request: request))
                .response(from: request, context: context)
        }
        router.get(SiteRoute.webhook(id: 0).pattern) { request, context in
            let user = try context.requireUser()
            let id = try FunnelAPIController.id(context)
            return NotificationsPage.webhook(
                try await notifications.endpoint(id: id, of: user),
                deliveries: try await notifications.deliveries(endpointID: id, of: user), secret: nil,
                frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.testWebhook(id: 0).pattern) { request, context in
            let id = try FunnelAPIController.id(context)
            try await notifications.sendTest(endpointID: id, of: try context.requireUser())
            var response = Redirect.to(SiteRoute.webhook(id: id).path)
            response.setCookie(
                AuthenticationMiddleware.cookie(Flash.cookie, Flash.testQueued.rawValue, request: request, maxAge: 60))
            return response
        }
        router.post(SiteRoute.rotateWebhook(id: 0).pattern) { request, context in
            let user = try context.requireUser()
            let id = try FunnelAPIController.id(context)
            let secret = try await notifications.rotateSecret(id: id, of: user)
            return NotificationsPage.webhook(
                try await notifications.endpoint(id: id, of: user),
                deliveries: try await notifications.deliveries(endpointID: id, of: user), secret: secret,
                frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.deleteWebhook(id: 0).pattern) { request, context in
            try await notifications.removeEndpoint(
                id: try FunnelAPIController.id(context), of: try context.requireUser())
            return Flash.redirect(to: .webhooks, .webhookRemoved, request: request)
        }
        router.get(SiteRoute.sentMail.pattern) { request, context in
            let user = try context.requireUser()
            return NotificationsPage.sentMail(
                try await notifications.sentMail(of: user), transport: notifications.mailDescription,
                frame: PageFrame(context, request: request))
        }
        router.get(SiteRoute.sentMailMessage(id: 0).pattern) { request, context in
            let message = try await notifications.mailMessage(
                id: try FunnelAPIController.id(context), of: try context.requireUser())
            return NotificationsPage.mailMessage(message, frame: PageFrame(context, request: request))
        }
        router.get(SiteRoute.sentMailHTML(id: 0).pattern) { _, context in
            let message = try await notifications.mailMessage(
                id: try FunnelAPIController.id(context), of: try context.requireUser())
            // The mail's own HTML, alone and inert: no script, no request anywhere, not even a form.
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8",
                    .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
                ],
                body: .init(byteBuffer: .init(string: message.html)))
        }
    }

    /// Reads the Notifications form: the digest's fields, a checkbox per topic, a select per account
    /// and topic ("default", "on" or "off").
    static func change(form: String, page: Notifications.Page) -> Notifications.Change {
        func value(_ name: String) -> String? { URLForm.value(of: name, in: form) }
        var change = Notifications.Change(
            digestFrequency: value("digestFrequency"), digestHour: value("digestHour").flatMap { Int($0) },
            digestWeekday: value("digestWeekday").flatMap { Int($0) }, timeZone: value("timeZone"),
            sensitivity: value("alertSensitivity"))
        for topic in NotificationsPage.topics(isOperator: page.isOperator) {
            change.switches.append(.init(topic: topic, enabled: value("topic.\(topic.rawValue)") == "on"))
        }
        for account in page.accounts {
            for topic in NotificationTopic.allCases where topic.isPerAccount {
                switch value("account.\(account.number).\(topic.rawValue)") {
                case "on": change.switches.append(.init(topic: topic, accountNumber: account.number, enabled: true))
                case "off": change.switches.append(.init(topic: topic, accountNumber: account.number, enabled: false))
                default: change.cleared.append((topic, account.number))
                }
            }
        }
        return change
    }

    // MARK: API

    struct EventView: Encodable, Sendable {
        var id: String
        var type: String
        var createdAt: Date
        var account: String?
        var summary: String
        var data: [String: EventValue]

        init(_ event: ActivityEvent) {
            id = event.id
            type = event.type.rawValue
            createdAt = event.createdAt
            account = event.accountNumber
            summary = MailComposer.summary(of: event)
            data = event.data
        }
    }

    struct EventsView: ResponseEncodable {
        var events: [EventView]
        /// The `after` of the next page; `null` on the last.
        var next: String?

        enum CodingKeys: String, CodingKey { case events, next }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(events, forKey: .events)
            try container.encode(next, forKey: .next)
        }
    }

    struct SettingsView: ResponseEncodable {
        struct Switch: Codable, Sendable {
            var topic: String
            var account: String?
            var enabled: Bool
        }
        var email: String
        var emailVerified: Bool
        var pendingEmail: String?
        var mailConfigured: Bool
        var digestFrequency: String
        var digestHour: Int
        var digestWeekday: Int
        var timeZone: String
        var alertSensitivity: String
        /// Every topic's effective switch for all accounts, then each account's own.
        var switches: [Switch]

        init(_ page: Notifications.Page) {
            let settings = page.settings
            email = settings.email
            emailVerified = settings.emailVerifiedAt != nil
            pendingEmail = page.pendingAddress
            mailConfigured = page.mailConfigured
            digestFrequency = settings.digestFrequency.rawValue
            digestHour = settings.digestHour
            digestWeekday = settings.digestWeekday
            timeZone = settings.timeZone
            alertSensitivity = settings.sensitivity.rawValue
            switches =
                NotificationsPage.topics(isOperator: page.isOperator).map {
                    Switch(topic: $0.rawValue, account: nil, enabled: settings.mails($0, accountNumber: nil))
                }
                + settings.switches.filter { $0.accountNumber != nil }.map {
                    Switch(topic: $0.topic.rawValue, account: $0.accountNumber, enabled: $0.enabled)
                }
        }
    }

    struct SettingsBody: Decodable {
        var digestFrequency: String?
        var digestHour: Int?
        var digestWeekday: Int?
        var timeZone: String?
        var alertSensitivity: String?
        var switches: [SettingsView.Switch]?
    }

    struct EndpointView: Encodable, Sendable {
        var id: Int64
        var url: String
        var format: String
        var events: [String]
        var createdAt: Date
        var failingSince: Date?
        /// Shown once: when the endpoint is made and when its secret is rotated.
        var secret: String?

        init(_ endpoint: WebhookStore.Endpoint, secret: String? = nil) {
            id = endpoint.id
            url = endpoint.url
            format = endpoint.format.rawValue
            events = endpoint.events.map(\.rawValue)
            createdAt = endpoint.createdAt
            failingSince = endpoint.failingSince
            self.secret = secret
        }
    }

    struct EndpointResponse: ResponseEncodable {
        var webhook: EndpointView
    }

    struct EndpointsView: ResponseEncodable {
        var webhooks: [EndpointView]
    }

    struct DeliveryView: Encodable, Sendable {
        var id: Int64
        var eventId: String
        var type: String
        var state: String
        var attempts: Int
        var lastStatus: Int?
        var lastError: String?
        var createdAt: Date
        var updatedAt: Date
    }

    struct DeliveriesView: ResponseEncodable {
        var deliveries: [DeliveryView]
    }

    struct TestQueued: ResponseEncodable {
        var event: EventView
    }

    private func addAPI(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.api(.events).pattern) { request, context in
            let user = try context.requireUser()
            let after = request.uri.queryParameters["after"].map(String.init)
            var limit = 50
            if let raw = request.uri.queryParameters["limit"] {
                guard let number = Int(raw), (1...100).contains(number) else {
                    throw WebError.invalidParameter("limit must be a number from 1 to 100.")
                }
                limit = number
            }
            if let after, after.count > 64 { throw WebError.parameterTooLong("after is at most 64 characters.") }
            let page = try await notifications.feed(of: user, after: after, limit: limit)
            return EventsView(events: page.events.map(EventView.init), next: page.next)
        }
        router.get(SiteRoute.api(.notificationSettings).pattern) { _, context in
            SettingsView(try await notifications.page(of: try context.requireUser()))
        }
        router.put(SiteRoute.api(.notificationSettings).pattern) { request, context in
            let user = try context.requireUser()
            let body = try await request.decode(as: SettingsBody.self, context: context)
            var change = Notifications.Change(
                digestFrequency: body.digestFrequency, digestHour: body.digestHour, digestWeekday: body.digestWeekday,
                timeZone: body.timeZone, sensitivity: body.alertSensitivity)
            for item in body.switches ?? [] {
                guard let topic = NotificationTopic(rawValue: item.topic), topic != .test else {
                    throw WebError.invalidParameter("'\(item.topic)' is not a notification topic.")
                }
                change.switches.append(.init(topic: topic, accountNumber: item.account, enabled: item.enabled))
            }
            try await notifications.update(change, of: user)
            return SettingsView(try await notifications.page(of: user))
        }
        router.post(SiteRoute.api(.email).pattern) { request, context in
            let user = try context.requireUser()
            let body = try await request.decode(as: EmailBody.self, context: context)
            try await notifications.changeEmail(of: user, to: body.email)
            return EditedResponse(status: .accepted, response: SettingsView(try await notifications.page(of: user)))
        }
        router.post(SiteRoute.api(.emailVerification).pattern) { _, context in
            let user = try context.requireUser()
            try await notifications.sendVerification(to: user)
            return EditedResponse(status: .accepted, response: SettingsView(try await notifications.page(of: user)))
        }
        router.get(SiteRoute.api(.webhooks).pattern) { _, context in
            EndpointsView(
                webhooks: try await notifications.endpoints(of: try context.requireUser()).map { EndpointView($0) })
        }
        router.post(SiteRoute.api(.webhooks).pattern) { request, context in
            let user = try context.requireUser()
            let body = try await request.decode(as: EndpointBody.self, context: context)
            let (endpoint, secret) = try await notifications.addEndpoint(
                of: user, url: body.url, format: body.format ?? "json", events: body.events ?? [])
            return EditedResponse(
                status: .created, response: EndpointResponse(webhook: EndpointView(endpoint, secret: secret)))
        }
        router.get(SiteRoute.api(.webhook(id: 0)).pattern) { _, context in
            EndpointResponse(
                webhook: EndpointView(
                    try await notifications.endpoint(
                        id: try FunnelAPIController.id(context), of: try context.requireUser())))
        }
        router.delete(SiteRoute.api(.webhook(id: 0)).pattern) { _, context in
            try await notifications.removeEndpoint(
                id: try FunnelAPIController.id(context), of: try context.requireUser())
            return Response(status: .noContent)
        }
        router.post(SiteRoute.api(.webhookSecret(id: 0)).pattern) { _, context in
            let user = try context.requireUser()
            let id = try FunnelAPIController.id(context)
            let secret = try await notifications.rotateSecret(id: id, of: user)
            return EndpointResponse(
                webhook: EndpointView(try await notifications.endpoint(id: id, of: user), secret: secret))
        }
        router.post(SiteRoute.api(.webhookTest(id: 0)).pattern) { _, context in
            let event = try await notifications.sendTest(
                endpointID: try FunnelAPIController.id(context), of: try context.requireUser())
            return EditedResponse(status: .accepted, response: TestQueued(event: EventView(event)))
        }
        router.get(SiteRoute.api(.webhookDeliveries(id: 0)).pattern) { _, context in
            let deliveries = try await notifications.deliveries(
                endpointID: try FunnelAPIController.id(context), of: try context.requireUser())
            return DeliveriesView(
                deliveries: deliveries.map {
                    DeliveryView(
                        id: $0.id, eventId: $0.eventID, type: $0.eventType, state: $0.state.rawValue,
                        attempts: $0.attempts, lastStatus: $0.lastStatus, lastError: $0.lastError,
                        createdAt: $0.createdAt, updatedAt: $0.updatedAt)
                })
        }
    }
}
