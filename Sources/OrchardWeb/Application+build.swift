package import Hummingbird
package import Logging
package import OrchardCore
package import OrchardStorage
package import ServiceLifecycle

/// Assembles the web role: routes, controllers and their dependencies.
///
/// - Parameters:
///   - services: background services (workers) that run beside the HTTP server.
///   - metrics: `/metrics`, when the process records metrics.
///   - onServerRunning: called with the bound port once the server listens (port 0 picks a free one).
package func buildApplication(
    settings: Settings,
    database: OrchardDatabase,
    migrations: MigrationRunner = MigrationRunner(),
    logger: Logger,
    services: [any Service] = [],
    metrics: MetricsController? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.middlewares.add(LogRequestsMiddleware(.debug))
    router.middlewares.add(MetricsMiddleware())
    metrics?.addRoutes(to: router)
    HealthController(database: database, migrations: migrations).addRoutes(to: router)
    HomeController(database: database, migrations: migrations, settings: settings).addRoutes(to: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "Orchard"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger
    )
}
