package import Foundation
package import Logging
import SQLKit

/// Applies pending migrations, safely when several processes start at once.
///
/// PostgreSQL: one session-level advisory lock serialises runners across processes.
/// SQLite: each migration runs in a `BEGIN IMMEDIATE` transaction that re-checks whether it is
/// applied, so a second process waits for the write lock and then skips what the first applied.
package struct MigrationRunner: Sendable {
    /// The outcome of one run.
    package struct Report: Sendable, Equatable {
        /// Versions this run applied, in order.
        package var applied: [Int]
        /// The schema version after the run.
        package var currentVersion: Int
    }

    /// Arbitrary but fixed: the advisory lock key all Orchard processes agree on ("ORCH").
    static let advisoryLockKey: Int64 = 0x4F52_4348

    package let migrations: [any Migration]
    /// The master keys, for migrations that re-seal secrets at rest (`KeyedMigration`).
    private let keys: KeyRing?
    private let logger: Logger
    private let now: @Sendable () -> Date

    package init(
        migrations: [any Migration] = Migrations.all,
        keys: KeyRing? = nil,
        logger: Logger = Logger(label: "orchard.migrations"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        precondition(
            zip(migrations, migrations.dropFirst()).allSatisfy { $0.version < $1.version },
            "migrations must be listed in increasing version order")
        self.migrations = migrations
        self.keys = keys
        self.logger = logger
        self.now = now
    }

    /// The version of the newest migration this build knows.
    package var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies every migration not applied yet.
    package func run(on database: OrchardDatabase) async throws -> Report {
        try await database.withConnection { connection in
            if database.backend == .postgres {
                try await connection.raw("SELECT pg_advisory_lock(\(bind: Self.advisoryLockKey))").run()
            }
            if database.backend == .sqlite {
                // Another process migrating holds the write lock: waited for asleep (`waitingAsleep`).
                try await connection.raw("PRAGMA busy_timeout = 0").run()
            }
            do {
                let report = try await applyPending(on: connection, backend: database.backend)
                try await release(connection, backend: database.backend)
                return report
            } catch {
                try? await release(connection, backend: database.backend)
                throw error
            }
        }
    }

    private func release(_ connection: any SQLDatabase, backend: OrchardDatabase.Backend) async throws {
        switch backend {
        case .postgres: try await connection.raw("SELECT pg_advisory_unlock(\(bind: Self.advisoryLockKey))").run()
        case .sqlite: try await connection.raw(SQLiteFileSource.restoreBusyTimeout).run()
        }
    }

    /// The applied schema version, or 0 for a database Orchard never migrated.
    package func currentVersion(of database: OrchardDatabase) async throws -> Int {
        try await database.withConnection { connection in
            guard try await Self.hasMigrationsTable(connection, backend: database.backend) else { return 0 }
            return try await Self.appliedVersions(connection).max() ?? 0
        }
    }

    private func applyPending(on connection: any SQLDatabase, backend: OrchardDatabase.Backend) async throws
        -> Report
    {
        let ddl = DDL(backend: backend)
        try await backend.transaction(on: connection, waitingAsleep: .seconds(120)) {
            try await connection.raw(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version \(unsafeRaw: ddl.bigint) PRIMARY KEY,
                    name \(unsafeRaw: ddl.text) NOT NULL,
                    applied_at \(unsafeRaw: ddl.timestamp) NOT NULL
                )
                """
            ).run()
        }
        let known = Set(migrations.map(\.version))
        let alreadyApplied = try await Self.appliedVersions(connection)
        if let newest = alreadyApplied.max(), newest > latestVersion, !known.contains(newest) {
            throw StorageError.databaseIsNewer(appliedVersion: newest, knownVersion: latestVersion)
        }
        var applied: [Int] = []
        for migration in migrations where !alreadyApplied.contains(migration.version) {
            let didApply = try await backend.transaction(on: connection, waitingAsleep: .seconds(120)) { () -> Bool in
                // Re-checked under the write lock: another process may have applied it meanwhile.
                let rows = try await connection.raw(
                    "SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)"
                ).all()
                guard rows.isEmpty else { return false }
                do {
                    if let keyed = migration as? any KeyedMigration {
                        try await keyed.prepare(on: connection, ddl: ddl, keys: keys)
                    } else {
                        try await migration.prepare(on: connection, ddl: ddl)
                    }
                } catch {
                    throw StorageError.migrationFailed(
                        version: migration.version, name: migration.name, reason: OrchardDatabase.describe(error))
                }
                try await connection.raw(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: now()))
                    """
                ).run()
                return true
            }
            if didApply {
                applied.append(migration.version)
                logger.info(
                    "applied migration",
                    metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
        let current = try await Self.appliedVersions(connection).max() ?? 0
        return Report(applied: applied, currentVersion: current)
    }

    private static func appliedVersions(_ connection: any SQLDatabase) async throws -> Set<Int> {
        let rows = try await connection.raw("SELECT version FROM schema_migrations").all()
        return Set(try rows.map { try $0.decode(column: "version", as: Int.self) })
    }

    private static func hasMigrationsTable(_ connection: any SQLDatabase, backend: OrchardDatabase.Backend)
        async throws -> Bool
    {
        let query: SQLQueryString =
            backend == .sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            : "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'"
        return try await !connection.raw(query).all().isEmpty
    }
}
