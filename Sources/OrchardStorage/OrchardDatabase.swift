package import Logging
package import NIOCore
import NIOPosix
package import OrchardCore
import PostgresKit
package import SQLKit
import SQLiteKit

/// Orchard's database: a pool of SQLite or PostgreSQL connections behind SQLKit.
///
/// Queries that need one connection (transactions, advisory locks) use `withConnection`;
/// everything else may use `sql`, which borrows a connection per statement.
package final class OrchardDatabase: Sendable {
    package enum Backend: String, Sendable {
        case sqlite, postgres

        /// Runs `body` inside a transaction on `connection`: committed when it returns, rolled back when it throws.
        package func transaction<Result>(
            on connection: any SQLDatabase, _ body: () async throws -> Result
        ) async throws -> Result {
            try await connection.raw(self == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
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

    package let backend: Backend
    /// The database URL with any password masked.
    package let displayName: String
    private let pool: any ConnectionPool

    private init(backend: Backend, displayName: String, pool: any ConnectionPool) {
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
        switch url {
        case .sqlite(let path):
            let source = SQLiteFileSource(path: path)
            let pool = EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: maxConnections, logger: logger,
                on: eventLoopGroup.next())
            return try await checked(
                OrchardDatabase(
                    backend: .sqlite, displayName: url.description, pool: TypedPool(pool: pool) { $0.sql() }))
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
            return try await checked(
                OrchardDatabase(
                    backend: .postgres, displayName: url.description, pool: TypedPool(pool: pool) { $0.sql() }))
        }
    }

    /// Returns `database` once it answers; otherwise shuts its pool down (a pool must not outlive its use) and throws.
    private static func checked(_ database: OrchardDatabase) async throws -> OrchardDatabase {
        do {
            try await database.checkConnection()
            return database
        } catch {
            try? await database.close()
            throw error
        }
    }

    /// Runs `body` on one connection, borrowed from the pool and returned afterwards.
    package func withConnection<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await pool.withConnection(body)
    }

    /// Runs `body` in a transaction on one connection: committed when it returns, rolled back when it throws.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`), so two writers
    /// queue on the busy timeout instead of failing half-way.
    package func withTransaction<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await backend.transaction(on: connection) { try await body(connection) }
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
        try await pool.shutdown()
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
}

/// The part of a connection pool OrchardDatabase uses, independent of the driver.
private protocol ConnectionPool: Sendable {
    func withConnection<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws
        -> Result
    func shutdown() async throws
}

private struct TypedPool<Source: ConnectionPoolSource>: ConnectionPool where Source.Connection: Sendable {
    let pool: EventLoopGroupConnectionPool<Source>
    let makeSQL: @Sendable (Source.Connection) -> any SQLDatabase

    func withConnection<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws
        -> Result
    {
        let connection = try await pool.requestConnection().get()
        do {
            let result = try await body(makeSQL(connection))
            pool.releaseConnection(connection)
            return result
        } catch {
            pool.releaseConnection(connection)
            throw error
        }
    }

    func shutdown() async throws {
        try await pool.shutdownAsync()
    }
}

extension EventLoopGroupConnectionPool: @retroactive @unchecked Sendable {}
