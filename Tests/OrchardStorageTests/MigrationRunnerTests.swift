import Foundation
import OrchardTestSupport
import SQLKit
import Synchronization
import Testing

@testable import OrchardStorage

@Suite("Migrations")
struct MigrationRunnerTests {
    @Test("a fresh database is migrated to the latest version", arguments: TestBackend.available)
    func freshDatabase(backend: TestBackend) async throws {
        try await TestDatabase.withFresh(backend) { fresh in
            try await fresh.withOpen { database in
                // given
                let runner = MigrationRunner(logger: TestLogging.logger)
                let before = try await runner.currentVersion(of: database)
                #expect(before == 0)

                // when
                let report = try await runner.run(on: database)

                // then
                #expect(report.applied == Migrations.all.map(\.version))
                #expect(report.currentVersion == runner.latestVersion)
                let after = try await runner.currentVersion(of: database)
                #expect(after == runner.latestVersion)
                let tables = try await tableNames(database)
                #expect(tables.isSuperset(of: ["users", "sessions", "api_tokens", "schema_migrations"]))
            }
        }
    }

    @Test("applying migrations twice is a no-op", arguments: TestBackend.available)
    func idempotent(backend: TestBackend) async throws {
        try await TestDatabase.withFresh(backend) { fresh in
            try await fresh.withOpen { database in
                // given
                let runner = MigrationRunner(logger: TestLogging.logger)
                _ = try await runner.run(on: database)

                // when
                let second = try await runner.run(on: database)

                // then
                #expect(second.applied.isEmpty)
                #expect(second.currentVersion == runner.latestVersion)
                let rows = try await migrationRowCount(database)
                #expect(rows == Migrations.all.count)
            }
        }
    }

    @Test("two processes starting at once apply each migration exactly once", arguments: TestBackend.available)
    func concurrentStart(backend: TestBackend) async throws {
        try await TestDatabase.withFresh(backend) { fresh in
            // given: two independent pools, as two processes would have
            let first = try await fresh.open()
            let second = try await fresh.open()
            // The slow migration holds the lock until the other runner is seen waiting for it: on
            // PostgreSQL in pg_locks, on SQLite when its BEGIN IMMEDIATE finds the write lock taken.
            let waited = Atomic<Bool>(false)
            let slow = SlowMigration { connection in
                for _ in 0..<2_000 {
                    if backend == .postgres {
                        let waiting = try await connection.raw(
                            """
                            SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                            """
                        ).first()?.decode(column: "n", as: Int.self)
                        if waiting == 1 { waited.store(true, ordering: .sequentiallyConsistent) }
                    }
                    if waited.load(ordering: .sequentiallyConsistent) { return }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            let runner = MigrationRunner(migrations: Migrations.all + [slow], logger: TestLogging.logger)

            // when: both start at once
            let noteWaiting: @Sendable () -> Void = { waited.store(true, ordering: .sequentiallyConsistent) }
            async let one = OrchardDatabase.Backend.$waitingForWriteLock.withValue(noteWaiting) {
                try await runner.run(on: first)
            }
            async let two = OrchardDatabase.Backend.$waitingForWriteLock.withValue(noteWaiting) {
                try await runner.run(on: second)
            }
            let reports: [MigrationRunner.Report]
            do {
                reports = try await [one, two]
            } catch {
                // Pools must be shut down before they are released, also when the runner failed.
                try? await first.close()
                try? await second.close()
                throw error
            }

            // then: they overlapped, one waiting while the other applied
            let overlapped = waited.load(ordering: .sequentiallyConsistent)
            #expect(overlapped)
            let applied = reports.flatMap(\.applied).sorted()
            #expect(applied == runner.migrations.map(\.version))
            #expect(reports.allSatisfy { $0.currentVersion == runner.latestVersion })
            let rows = try await migrationRowCount(first)
            #expect(rows == runner.migrations.count)
            let markers = try await slowRowCount(first)
            #expect(markers == 1)
            try await first.close()
            try await second.close()
        }
    }

    @Test("a failing migration is rolled back and names itself", arguments: TestBackend.available)
    func failingMigration(backend: TestBackend) async throws {
        try await TestDatabase.withFresh(backend) { fresh in
            try await fresh.withOpen { database in
                // given
                let runner = MigrationRunner(
                    migrations: Migrations.all + [BrokenMigration()], logger: TestLogging.logger)

                // when
                let error = await #expect(throws: StorageError.self) { try await runner.run(on: database) }

                // then
                let expected = BrokenMigration()
                #expect(
                    error
                        == .migrationFailed(version: expected.version, name: expected.name, reason: error?.reason ?? "")
                )
                let version = try await runner.currentVersion(of: database)
                #expect(version == Migrations.all.last!.version)
                let tables = try await tableNames(database)
                #expect(!tables.contains("half_done"))
            }
        }
    }

    @Test("a database migrated by a newer Orchard is refused", arguments: TestBackend.available)
    func newerDatabase(backend: TestBackend) async throws {
        try await TestDatabase.withFresh(backend) { fresh in
            try await fresh.withOpen { database in
                // given
                _ = try await MigrationRunner(
                    migrations: Migrations.all + [SlowMigration()], logger: TestLogging.logger
                ).run(on: database)

                // when / then
                await #expect(throws: StorageError.self) {
                    try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                }
            }
        }
    }

    @Test("SQLite databases use WAL and enforce foreign keys")
    func sqlitePragmas() async throws {
        try await TestDatabase.withFresh(.sqlite) { fresh in
            try await fresh.withOpen { database in
                _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
                let mode = try await database.withConnection {
                    try await $0.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
                }
                #expect(mode == "wal")
                await #expect(throws: (any Error).self) {
                    try await database.withConnection {
                        try await $0.raw(
                            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES ('x', 999, 0, 0, 0)"
                        ).run()
                    }
                }
            }
        }
    }

    private func tableNames(_ database: OrchardDatabase) async throws -> Set<String> {
        let query: SQLQueryString =
            database.backend == .sqlite
            ? "SELECT name AS table_name FROM sqlite_master WHERE type = 'table'"
            : "SELECT tablename AS table_name FROM pg_tables WHERE schemaname = current_schema()"
        return try await database.withConnection { connection in
            Set(try await connection.raw(query).all().map { try $0.decode(column: "table_name", as: String.self) })
        }
    }

    private func migrationRowCount(_ database: OrchardDatabase) async throws -> Int {
        try await count("SELECT COUNT(*) AS n FROM schema_migrations", database)
    }

    private func slowRowCount(_ database: OrchardDatabase) async throws -> Int {
        try await count("SELECT COUNT(*) AS n FROM slow_marker", database)
    }

    private func count(_ query: String, _ database: OrchardDatabase) async throws -> Int {
        try await database.withConnection {
            try await $0.raw(SQLQueryString(query)).first()?.decode(column: "n", as: Int.self) ?? -1
        }
    }
}

extension StorageError {
    fileprivate var reason: String? {
        if case .migrationFailed(_, _, let reason) = self { return reason }
        return nil
    }
}

/// Holds its runner's lock until `whileHeld` returns (until another runner is seen waiting), and
/// fails if applied twice.
private struct SlowMigration: Migration {
    let version = 9_001
    let name = "slow test migration"
    var whileHeld: @Sendable (any SQLDatabase) async throws -> Void = { _ in }

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute(["CREATE TABLE slow_marker (id \(ddl.bigint) PRIMARY KEY)"])
        try await whileHeld(database)
        try await database.execute(["INSERT INTO slow_marker (id) VALUES (1)"])
    }
}

/// Creates a table, then fails: the table must not survive.
private struct BrokenMigration: Migration {
    let version = 9_002
    let name = "broken test migration"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute(["CREATE TABLE half_done (id \(ddl.bigint))", "SELECT * FROM no_such_table"])
    }
}
