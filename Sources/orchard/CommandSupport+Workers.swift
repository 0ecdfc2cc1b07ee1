import AppStoreConnect
import AsyncHTTPClient
import Logging
import OrchardApp
import OrchardCore
import OrchardStorage
import OrchardSync
import ServiceLifecycle

extension CommandSupport {
    /// The worker role's services (the job worker and its recurring jobs), the HTTP client they use
    /// for Apple (to shut down after them), and the engine (for its operations snapshot).
    static func workers(_ settings: Settings, database: OrchardDatabase, keys: KeyRing, logger: Logger) -> (
        services: [any Service], http: HTTPClient, engine: SyncEngine
    ) {
        var configuration = HTTPClient.Configuration()
        // As many connections as requests may be in flight to Apple.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, settings.syncConcurrency)
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let engine = SyncEngine(
            database: database,
            reporter: ReporterClient(
                baseURL: settings.reporterURL, transport: .asyncHTTPClient(http),
                // Apple's answers in the background: more patience than a person at the funnel.
                retry: RetryPolicy(maxAttempts: 6), logger: Logger(label: "orchard.reporter")),
            service: ServiceIdentity(database: database, keys: keys, configuredToken: settings.serviceAccessToken),
            settings: SyncSettings(settings),
            archive: ReportArchive(backend: database.backend, dataDirectory: settings.dataDirectory),
            logger: Logger(label: "orchard.sync"))
        let notifications = notificationJobs(settings, database: database, keys: keys)
        let rates = settings.fxURL.map {
            ExchangeRateFeed(
                url: $0, transport: .asyncHTTPClient(http), database: database, logger: Logger(label: "orchard.fx"))
        }
        let services = buildWorkers(
            database: database, keys: keys, engine: engine, extraHandlers: notifications.handlers(),
            extraRecurring: notifications.recurring, rates: rates, logger: logger)
        return (services, http, engine)
    }
}
