package import ConnectSandbox
package import Foundation
import Hummingbird
import Logging
import SalesReports
import ServiceLifecycle

/// A Connect Sandbox on a free loopback port, for tests of any target:
///
/// ```swift
/// try await SandboxServer.withRunning(seed: 7) { sandbox in
///     let account = try sandbox.world.createAccount(name: "Acme", apps: 3)
///     let (_, token) = try sandbox.world.createUser(appleId: "a@example.com", accounts: [account.number])
///     // point a client at sandbox.baseURL
/// }
/// ```
package struct SandboxServer: Sendable {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    package let baseURL: String
    package let port: Int
    /// The world in process: create accounts, users, invitations and keys directly.
    package let world: SandboxWorld
    package let clock: SandboxClock
    package let faults: FaultInjector
    package let library: ReportLibrary

    /// Starts a sandbox, runs `body` with it, and stops it (also when `body` throws).
    package static func withRunning<Result: Sendable>(
        seed: UInt64 = 1, serviceAppleID: String? = nil, autoAcceptAfter: TimeInterval? = nil,
        availabilityHour: Int = 5, reportTimeZone: TimeZone = ReportCalendar.timeZone, now: Date? = nil,
        rateLimit: Int = 3500, reportCacheCapacity: Int = 20_000,
        _ body: @Sendable (SandboxServer) async throws -> Result
    ) async throws -> Result {
        let clock = SandboxClock()
        if let now { clock.set(now, frozen: true) }
        let world = SandboxWorld(
            options: .init(seed: seed, serviceAppleID: serviceAppleID, autoAcceptAfter: autoAcceptAfter), clock: clock)
        let components = SandboxComponents(
            world: world,
            library: ReportLibrary(
                availabilityHour: availabilityHour, timeZone: reportTimeZone, capacity: reportCacheCapacity),
            faults: FaultInjector(seed: seed),
            rateLimiter: RateLimiter(limitPerHour: rateLimit))
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "sandbox.test")
        logger.logLevel = .warning
        let app = buildSandboxApplication(components, host: "127.0.0.1", port: 0, logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                await group.triggerGracefulShutdown()
                throw SandboxServerError.didNotStart
            }
            let server = SandboxServer(
                baseURL: "http://127.0.0.1:\(port)", port: port, world: world, clock: clock,
                faults: components.faults, library: components.library)
            do {
                let result = try await body(server)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    /// Creates an account and an Apple ID (Admin) that sees it; returns both and the token.
    package func makeAccountWithUser(
        name: String = "Sandbox Test Co.", apps: Int = 3, historyDays: Int = 400, appleId: String = "owner@example.com",
        roles: Set<SandboxRole> = [.admin]
    ) throws -> (account: SandboxAccount, token: String) {
        let account = try world.createAccount(name: name, apps: apps, historyDays: historyDays)
        let (_, token) = try world.createUser(appleId: appleId, accounts: [account.number], roles: roles)
        return (account, token.value)
    }
}

package enum SandboxServerError: Error {
    case didNotStart
}
