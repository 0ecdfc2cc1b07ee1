import AsyncHTTPClient
import Foundation
import Logging
import OrchardApp
import OrchardCore
import OrchardMail
import OrchardStorage
import OrchardSync

extension CommandSupport {
    /// Webhook deliveries' HTTP client (no redirects, short timeouts), one per process, for its life.
    static let webhookHTTP = WebhookSender.makeHTTPClient()

    /// Where links in mail point, for the web and the workers of this process alike: see ``publicURL(_:)``;
    /// ``listening(on:settings:)`` corrects the port of a server started on port 0.
    static let publicAddress = PublicAddress(URL(string: "http://localhost:8080")!)

    /// The port the server listens on, once it does: links use it unless `ORCHARD_PUBLIC_URL` is set.
    static func listening(on port: Int, settings: Settings) {
        guard settings.publicURL == nil else { return }
        var listening = settings
        listening.port = port
        publicAddress.set(publicURL(listening))
    }

    /// Where links in mail point: `ORCHARD_PUBLIC_URL`, else the address the server listens on.
    static func publicURL(_ settings: Settings) -> URL {
        if let url = settings.publicURL { return url }
        let host = settings.host == "0.0.0.0" || settings.host == "::" ? "localhost" : settings.host
        return URL(string: "http://\(host.contains(":") ? "[\(host)]" : host):\(settings.port)")
            ?? URL(string: "http://localhost:8080")!
    }

    /// How mail leaves: `ORCHARD_SMTP_URL`, else `ORCHARD_MAIL_DIR`, else not at all.
    static func mailSetup(_ settings: Settings) -> MailSetup {
        let url = publicURL(settings)
        if settings.port != 0 || settings.publicURL != nil { publicAddress.set(url) }
        let fallbackDomain = (url.host ?? "").contains(".") ? url.host! : "localhost.localdomain"
        let from =
            settings.mailFrom.flatMap { MailAddress($0, name: "Orchard") }
            ?? MailAddress("orchard@\(fallbackDomain)", name: "Orchard")!
        if let raw = settings.smtpURL?.revealed,
            let configuration = SMTPConfiguration(url: raw, caFile: settings.smtpCAFile)
        {
            do {
                return MailSetup(
                    address: publicAddress, from: from, transport: try SMTPClient(configuration: configuration),
                    description: configuration.masked)
            } catch {
                printError("orchard: the mail server's TLS settings cannot be used: \(error)")
            }
        }
        if let directory = settings.mailDirectory {
            let folder = URL(fileURLWithPath: directory)
            return MailSetup(
                address: publicAddress, from: from, transport: FileMailTransport(directory: folder),
                description: "written to \(folder.path)")
        }
        return MailSetup(address: publicAddress, from: from, transport: nil, description: "not configured")
    }

    /// The notifications use case of the web role.
    static func notifications(_ settings: Settings, database: OrchardDatabase, keys: KeyRing) -> Notifications {
        Notifications(
            database: database, keys: keys, mail: mailSetup(settings),
            sender: WebhookSender(http: webhookHTTP, allowPrivate: settings.webhookAllowPrivate), now: { Date() })
    }

    /// The notification jobs' handlers and recurring checks, for the worker role: checked every
    /// 5 minutes, or as often as invitations when that is more often (at least 10 s apart).
    static func notificationJobs(_ settings: Settings, database: OrchardDatabase, keys: KeyRing) -> NotificationJobs {
        let mail = mailSetup(settings)
        let now: @Sendable () -> Date = { Date() }
        let logger = Logger(label: "orchard.notifications")
        var policy = NotificationPolicy(
            invitationWindow: settings.invitationWindow, serviceAppleID: settings.serviceAppleID)
        policy.newsDays = max(1, settings.restatementDays)
        let cache = MetricsCache()
        return NotificationJobs(
            delivery: NotificationDelivery(
                database: database, keys: keys, mail: mail,
                sender: WebhookSender(http: webhookHTTP, allowPrivate: settings.webhookAllowPrivate), now: now,
                logger: logger),
            checks: NotificationChecks(
                database: database, keys: keys, policy: policy,
                service: ServiceIdentity(database: database, keys: keys, configuredToken: settings.serviceAccessToken),
                metrics: MetricsStore(database: database, cache: cache), now: now, logger: logger),
            digests: Digests(database: database, cache: cache, mail: mail, now: now, logger: logger),
            interval: TimeInterval(min(300, max(10, settings.invitationCheckSeconds))))
    }
}
