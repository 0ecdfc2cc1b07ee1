package import Hummingbird
package import Logging

/// Everything one sandbox serves, assembled once.
package struct SandboxComponents: Sendable {
    package let world: SandboxWorld
    package let library: ReportLibrary
    package let faults: FaultInjector
    package let rateLimiter: RateLimiter

    package init(
        world: SandboxWorld, library: ReportLibrary = ReportLibrary(), faults: FaultInjector = FaultInjector(),
        rateLimiter: RateLimiter = RateLimiter()
    ) {
        self.world = world
        self.library = library
        self.faults = faults
        self.rateLimiter = rateLimiter
    }
}

/// Assembles Connect Sandbox: Apple's Reporter and App Store Connect API paths (with fault
/// injection), the control API and the "App Store Connect (sandbox)" web page.
///
/// - Parameter onServerRunning: called with the bound port (port 0 picks a free one).
package func buildSandboxApplication(
    _ components: SandboxComponents, host: String = "127.0.0.1", port: Int = 9090, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.middlewares.add(LogRequestsMiddleware(.debug))
    router.middlewares.add(FaultMiddleware(faults: components.faults))
    ReporterController(world: components.world, library: components.library, faults: components.faults, logger: logger)
        .addRoutes(to: router)
    ConnectAPIController(
        world: components.world, library: components.library, rateLimiter: components.rateLimiter, logger: logger
    ).addRoutes(to: router)
    ControlController(world: components.world, faults: components.faults, library: components.library)
        .addRoutes(to: router)
    ConsoleController(world: components.world).addRoutes(to: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "ConnectSandbox"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger
    )
}
