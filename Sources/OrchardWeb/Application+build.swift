package import AppStoreConnect
package import Foundation
package import Hummingbird
package import Logging
package import OrchardApp
package import OrchardCore
package import OrchardStorage
package import ServiceLifecycle

/// What the funnel needs beyond the database: Apple's Reporter (to validate customers' tokens)
/// and the keys that seal those tokens while the funnel runs.
package struct FunnelDependencies: Sendable {
    package let reporter: ReporterClient
    package let keys: KeyRing

    package init(reporter: ReporterClient, keys: KeyRing) {
        self.reporter = reporter
        self.keys = keys
    }
}

/// Assembles the web role: routes, controllers and their dependencies.
///
/// - Parameters:
///   - services: background services (workers) that run beside the HTTP server.
///   - metrics: `/metrics`, when the process records metrics.
///   - operations: the sync engine's whole snapshot, for the operator's page.
///   - health: the service identity's part of it alone (cheap: read on every Data Integration
///     page and integrations API call); `operations` when not given.
///   - onServerRunning: called with the bound port once the server listens (port 0 picks a free one).
package func buildApplication(
    settings: Settings,
    database: OrchardDatabase,
    migrations: MigrationRunner = MigrationRunner(),
    logger: Logger,
    services: [any Service] = [],
    metrics: PrometheusController? = nil,
    passwords: PasswordHasher = PasswordHasher(),
    funnel: FunnelDependencies? = nil,
    notifications: Notifications? = nil,
    operations: (@Sendable () async throws -> OperationsSnapshot)? = nil,
    health: (@Sendable () async throws -> OperationsSnapshot)? = nil,
    now: @escaping @Sendable () -> Date = { Date() },
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(
        settings: settings, database: database, migrations: migrations, metrics: metrics, passwords: passwords,
        funnel: funnel, notifications: notifications, operations: operations, health: health ?? operations, now: now)
    return Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "Orchard"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger
    )
}

/// The routes and middlewares of the web role (``buildApplication`` serves them).
func buildRouter(
    settings: Settings, database: OrchardDatabase, migrations: MigrationRunner, metrics: PrometheusController?,
    passwords: PasswordHasher, funnel: FunnelDependencies?, notifications: Notifications? = nil,
    operations: (@Sendable () async throws -> OperationsSnapshot)?,
    health: (@Sendable () async throws -> OperationsSnapshot)?, now: @escaping @Sendable () -> Date
) -> Router<OrchardRequestContext> {
    let membership = Membership(database: database, hasher: passwords, signUpOpen: settings.signUpOpen, now: now)
    let dashboard = Dashboard(database: database, settings: settings, now: now)
    let integrations = Integrations(database: database, settings: settings, health: health, now: now)
    let router = Router(context: OrchardRequestContext.self)
    router.middlewares.add(SecurityHeadersMiddleware())
    router.middlewares.add(LogRequestsMiddleware(.debug))
    router.middlewares.add(MetricsMiddleware())
    // Twice: outside authentication for its own refusals, inside it so error pages know the user.
    router.middlewares.add(ErrorMiddleware())
    router.middlewares.add(AuthenticationMiddleware(membership: membership))
    router.middlewares.add(ErrorMiddleware())
    router.get(SiteRoute.stylesheet.pattern) { request, _ in Stylesheet.asset.response(for: request) }
    metrics?.addRoutes(to: router)
    HealthController(database: database, migrations: migrations).addRoutes(to: router)
    HomeController(database: database, migrations: migrations, settings: settings).addRoutes(to: router)
    let client = ClientAddress(trustedProxies: settings.trustedProxies)
    AuthAPIController(membership: membership, client: client, notifications: notifications).addRoutes(to: router)
    router.get(SiteRoute.script.pattern) { request, _ in Script.asset.response(for: request) }
    router.get(SiteRoute.icon.pattern) { request, _ in Icon.asset.response(for: request) }
    router.get(SiteRoute.api(.openAPI).pattern) { _, _ in OpenAPIDocument.response() }
    AccountController(
        membership: membership, client: client, currencies: { try await dashboard.currencies() },
        notifications: notifications
    )
    .addRoutes(to: router)
    MetricsAPIController(dashboard: dashboard).addRoutes(to: router)
    let subscriptions = Subscriptions(database: database, cache: dashboard.cache, now: now)
    SubscriptionsAPIController(subscriptions: subscriptions, cache: dashboard.cache).addRoutes(to: router)
    DashboardController(dashboard: dashboard, subscriptions: subscriptions).addRoutes(to: router)
    PayoutsController(
        payouts: Payouts(database: database, cache: dashboard.cache, now: now), subscriptions: subscriptions
    ).addRoutes(to: router)
    OperatorController(
        overview: OperatorOverview(database: database, settings: settings, operations: operations, now: now),
        membership: membership
    ).addRoutes(to: router)
    if let notifications {
        NotificationsController(notifications: notifications).addRoutes(to: router)
    }
    if let funnel {
        let funnel = Funnel(
            database: database, reporter: funnel.reporter, keys: funnel.keys, settings: settings, now: now)
        FunnelAPIController(funnel: funnel, integrations: integrations).addRoutes(to: router)
        IntegrationsController(funnel: funnel, integrations: integrations, cache: dashboard.cache).addRoutes(to: router)
    }
    return router
}
