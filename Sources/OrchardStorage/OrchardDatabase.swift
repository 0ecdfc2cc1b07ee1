package import Logging
package import NIOCore
import NIOPosix
package import OrchardCore
package import PostgresKit
package import SQLKit
package import SQLiteKit
import Synchronization

/// Orchard's database: a pool of SQLite or PostgreSQL connections behind SQLKit.
///
/// Every query borrows one connection for its whole body (`withConnection`), so transactions
/// and advisory locks stay on one session. Bulk paths get the driver's own connection too
/// (`withDriverConnection`), for `COPY ... FROM STDIN` and positional binds.
package final class OrchardDatabase: Sendable {
    package enum Backend: String, Sendable {
        case sqlite, postgres

        /// Called each time a transaction finds the SQLite write lock held by another connection and
        /// waits for it: how a test proves two writers overlapped.
        @TaskLocal package static var waitingForWriteLock: (@Sendable () -> Void)?

        /// Runs `body` inside a transaction on `connection`: committed when it returns, rolled back when it throws.
        ///
        /// With `waitingAsleep`, a SQLite write lock held by another process is waited for with short
        /// sleeps, up to that long, on a connection whose `busy_timeout` is 0: SQLite's own busy handler
        /// would hold one of the threads all SQLite queries of the process share while it waits.
        package func transaction<Result>(
            on connection: any SQLDatabase, waitingAsleep: Duration? = nil, _ body: () async throws -> Result
        ) async throws -> Result {
            let deadline = waitingAsleep.map { ContinuousClock.now + $0 }
            while true {
                do {
                    try await connection.raw(self == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
                    break
                } catch let error as SQLiteError {
                    guard case .busy = error.reason, let deadline, ContinuousClock.now < deadline else { throw error }
                    Self.waitingForWriteLock?()
                    try await Task.sleep(for: .milliseconds(25))
                }
            }
            do {
                let result = try await body()
                try await connection.raw("COMMIT").run()
                return result
            } catch {
                try? await connection.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// One connection of either backend, as its driver's own type.
    package enum DriverConnection: Sendable {
        case sqlite(SQLiteConnection)
        case postgres(PostgresConnection)
    }

    private enum Pool: Sendable {
        case sqlite(EventLoopGroupConnectionPool<SQLiteFileSource>)
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    package let backend: Backend
    /// The database URL with any password masked.
    package let displayName: String
    private let pool: Pool

    /// Queues this process's SQLite write transactions (see ``AsyncMutex``); unused on PostgreSQL,
    /// where row locks serialise what must be serialised.
    private let sqliteWriters = AsyncMutex()

    private let borrows = Atomic<Int>(0)

    /// How many times a connection was borrowed from the pool since the database was opened: each
    /// borrow is at least one round trip, so a test can count what a request costs.
    package var borrowed: Int { borrows.load(ordering: .relaxed) }

    private init(backend: Backend, displayName: String, pool: Pool) {
        self.backend = backend
        self.displayName = displayName
        self.pool = pool
    }

    /// Opens a pool for `url`; SQLite files are created if missing, in WAL mode with foreign keys on.
    package static func open(
        _ url: DatabaseURL,
        maxConnections: Int = 4,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> OrchardDatabase {
        let database: OrchardDatabase
        switch url {
        case .sqlite(let path):
            let pool = EventLoopGroupConnectionPool(
                source: SQLiteFileSource(path: path),
                maxConnectionsPerEventLoop: maxConnections, logger: logger, on: eventLoopGroup.next())
            database = OrchardDatabase(backend: .sqlite, displayName: url.description, pool: .sqlite(pool))
        case .postgres(let text):
            let configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: text)
            } catch {
                // SQLPostgresConfiguration's own error carries the URL with its password.
                throw StorageError.cannotConnect(database: url.description, reason: "malformed PostgreSQL URL")
            }
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: maxConnections, logger: logger, on: eventLoopGroup.next())
            database = OrchardDatabase(backend: .postgres, displayName: url.description, pool: .postgres(pool))
        }
        do {
            try await database.checkConnection()
            return database
        } catch {
            // A pool must be shut down before it is released.
            try? await database.close()
            throw error
        }
    }

    /// Runs `body` on one connection, borrowed from the pool and returned afterwards.
    package func withConnection<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withDriverConnection { _, sql in try await body(sql) }
    }

    /// Runs `body` on one connection, as the driver's own and through SQLKit.
    package func withDriverConnection<Result: Sendable>(
        _ body: @Sendable (DriverConnection, any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        borrows.add(1, ordering: .relaxed)
        return switch pool {
        case .sqlite(let pool): try await Self.borrow(pool) { try await body(.sqlite($0), $0.sql()) }
        case .postgres(let pool): try await Self.borrow(pool) { try await body(.postgres($0), $0.sql()) }
        }
    }

    /// Runs `body`, which writes, on one connection outside a transaction (one statement, or a
    /// checkpoint). On SQLite it queues with the process's other writers first: a write left to
    /// SQLite's busy wait would hold one of SQLiteNIO's two threads while the transaction it waits
    /// for needs them.
    package func withWriter<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        guard backend == .sqlite else { return try await withConnection(body) }
        return try await sqliteWriters.withLock { try await withConnection(body) }
    }

    /// Runs `body` in a transaction on one connection: committed when it returns, rolled back when it throws.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`), so two writers
    /// queue on the busy timeout instead of failing half-way. With `waitingAsleep`, a write lock
    /// another process holds longer than that timeout (a first start's long write) is waited for
    /// asleep, up to that long.
    package func withTransaction<Result: Sendable>(
        waitingAsleep: Duration? = nil, _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withDriverTransaction(waitingAsleep: waitingAsleep) { _, connection in try await body(connection) }
    }

    /// ``withTransaction(waitingAsleep:_:)`` with the driver's own connection too, for bulk writes. On
    /// SQLite the process's writers queue before they borrow a connection.
    package func withDriverTransaction<Result: Sendable>(
        waitingAsleep: Duration? = nil, _ body: @Sendable (DriverConnection, any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        guard backend == .sqlite else { return try await transaction(waitingAsleep: nil, body) }
        return try await sqliteWriters.withLock { try await transaction(waitingAsleep: waitingAsleep, body) }
    }

    private func transaction<Result: Sendable>(
        waitingAsleep: Duration?, _ body: @Sendable (DriverConnection, any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        let backend = backend
        return try await withDriverConnection { driver, connection in
            guard let waitingAsleep else {
                return try await backend.transaction(on: connection) { try await body(driver, connection) }
            }
            try await connection.raw("PRAGMA busy_timeout = 0").run()
            let result: Result
            do {
                result = try await backend.transaction(on: connection, waitingAsleep: waitingAsleep) {
                    try await body(driver, connection)
                }
            } catch {
                try? await connection.raw(SQLiteFileSource.restoreBusyTimeout).run()
                throw error
            }
            try await connection.raw(SQLiteFileSource.restoreBusyTimeout).run()
            return result
        }
    }

    /// Checks that the database answers a trivial query; used by `/readyz`.
    package func checkConnection() async throws {
        do {
            try await withConnection { connection in
                _ = try await connection.raw("SELECT 1 AS one").first()
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.cannotConnect(database: displayName, reason: Self.describe(error))
        }
    }

    /// Closes every connection; the database cannot be used afterwards.
    package func close() async throws {
        switch pool {
        case .sqlite(let pool): try await pool.shutdownAsync()
        case .postgres(let pool): try await pool.shutdownAsync()
        }
    }

    /// A one-line reason for a driver error, without connection strings.
    package static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return String(describing: error)
    }

    private static func borrow<Source: ConnectionPoolSource, Result>(
        _ pool: EventLoopGroupConnectionPool<Source>, _ body: (Source.Connection) async throws -> Result
    ) async throws -> Result where Source.Connection: Sendable {
        let connection = try await pool.requestConnection().get()
        do {
            let result = try await body(connection)
            pool.releaseConnection(connection)
            return result
        } catch {
            pool.releaseConnection(connection)
            throw error
        }
    }
}

extension EventLoopGroupConnectionPool: @retroactive @unchecked Sendable {}
