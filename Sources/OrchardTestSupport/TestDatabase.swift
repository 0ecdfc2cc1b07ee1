package import Foundation
package import Logging
package import OrchardCore
package import OrchardStorage
import SQLKit

#if canImport(Glibc)
import Glibc
#endif

/// A database backend a test can run on. SQLite always; PostgreSQL when `scripts/test` provides a
/// server through `ORCHARD_TEST_POSTGRES_URL` (an admin URL; each test gets a database of its own).
package enum TestBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    /// The environment variable `scripts/test` sets to the throwaway PostgreSQL cluster's admin URL.
    package static let postgresURLVariable = "ORCHARD_TEST_POSTGRES_URL"

    /// The backends available in this run, for `@Test(arguments:)`.
    package static var available: [TestBackend] {
        ProcessInfo.processInfo.environment[postgresURLVariable]?.isEmpty == false ? [.sqlite, .postgres] : [.sqlite]
    }

    package var description: String { rawValue }

    /// The file `scripts/test` reads to check that the PostgreSQL variants ran.
    package static let logVariable = "ORCHARD_TEST_BACKEND_LOG"

    /// Appends `<backend> <test>` to the backend log, if one is set (one `write` per line, appended
    /// atomically, so tests running in parallel do not interleave).
    static func record(_ backend: TestBackend, test: String) {
        guard let path = ProcessInfo.processInfo.environment[logVariable], !path.isEmpty else { return }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let line = Array("\(backend.rawValue) \(test)\n".utf8)
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}

/// A fresh, empty database for one test, removed afterwards.
package struct TestDatabase: Sendable {
    package let backend: TestBackend
    /// The URL of the fresh database (for a second pool or a child process on the same data).
    package let url: DatabaseURL
    private let cleanup: @Sendable () async throws -> Void

    /// Creates a fresh database, runs `body` with it, and removes it even when `body` throws.
    ///
    /// `test` names the test in the backend log `scripts/test` checks (`ORCHARD_TEST_BACKEND_LOG`):
    /// every test that runs on SQLite with a `backend` argument must also have run on PostgreSQL.
    package static func withFresh<Result: Sendable>(
        _ backend: TestBackend, test: String = #function,
        _ body: (TestDatabase) async throws -> Result
    ) async throws -> Result {
        let database = try await make(backend)
        TestBackend.record(backend, test: test)
        do {
            let result = try await body(database)
            try await database.cleanup()
            return result
        } catch {
            try? await database.cleanup()
            throw error
        }
    }

    /// Opens a new connection pool on this database; the caller closes it.
    package func open(maxConnections: Int = 2) async throws -> OrchardDatabase {
        try await OrchardDatabase.open(url, maxConnections: maxConnections, logger: TestLogging.logger)
    }

    /// Opens a pool of `maxConnections`, runs `body`, closes the pool.
    package func withOpen<Result: Sendable>(
        maxConnections: Int = 2, _ body: (OrchardDatabase) async throws -> Result
    ) async throws -> Result {
        let database = try await open(maxConnections: maxConnections)
        do {
            let result = try await body(database)
            try await database.close()
            return result
        } catch {
            try? await database.close()
            throw error
        }
    }

    private static func make(_ backend: TestBackend) async throws -> TestDatabase {
        let name = "orchard_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return TestDatabase(
                backend: backend, url: .sqlite(path: directory.appendingPathComponent("orchard.sqlite").path),
                cleanup: { try FileManager.default.removeItem(at: directory) })
        case .postgres:
            guard let adminText = ProcessInfo.processInfo.environment[TestBackend.postgresURLVariable],
                let admin = DatabaseURL(parsing: adminText), var components = URLComponents(string: adminText)
            else {
                throw TestSupportError.postgresNotConfigured
            }
            try await withAdmin(admin) { try await $0.raw("CREATE DATABASE \(ident: name)").run() }
            components.path = "/\(name)"
            return TestDatabase(
                backend: backend, url: .postgres(url: components.string!),
                cleanup: {
                    try await withAdmin(admin) {
                        try await $0.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
                    }
                })
        }
    }

    private static func withAdmin(_ url: DatabaseURL, _ body: @Sendable (any SQLDatabase) async throws -> Void)
        async throws
    {
        let admin = try await OrchardDatabase.open(url, maxConnections: 1, logger: TestLogging.logger)
        do {
            try await admin.withConnection(body)
            try await admin.close()
        } catch {
            try? await admin.close()
            throw error
        }
    }
}

/// A fresh database of `backend` with every migration applied, for one test; `test` names it in the
/// backend log (see ``TestDatabase/withFresh(_:test:_:)``).
package func withMigrated(
    _ backend: TestBackend, maxConnections: Int = 2, test: String = #function,
    _ body: @escaping @Sendable (OrchardDatabase) async throws -> Void
) async throws {
    try await TestDatabase.withFresh(backend, test: test) { fresh in
        try await fresh.withOpen(maxConnections: maxConnections) { database in
            _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
            try await body(database)
        }
    }
}

package enum TestSupportError: Error, CustomStringConvertible {
    case postgresNotConfigured

    package var description: String {
        "PostgreSQL tests need \(TestBackend.postgresURLVariable); scripts/test sets it"
    }
}

/// Loggers for tests: quiet unless `ORCHARD_TEST_LOG_LEVEL` asks otherwise.
package enum TestLogging {
    package static var logger: Logger {
        var logger = Logger(label: "orchard.test")
        logger.logLevel =
            ProcessInfo.processInfo.environment["ORCHARD_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            ?? .critical
        return logger
    }
}

/// A job of any kind and payload, for tests of the queue and the worker themselves.
package struct TestJob: QueueableJob {
    package var kind: String
    package var payload: String
    package var dedupeKey: String?

    package init(kind: String, payload: String = "{}", dedupeKey: String? = nil) {
        self.kind = kind
        self.payload = payload
        self.dedupeKey = dedupeKey
    }
}

extension JobQueue {
    /// Queues a ``TestJob``.
    @discardableResult
    package func enqueue(
        kind: String, payload: String = "{}", dedupeKey: String? = nil, storeAccountID: Int64? = nil,
        runAfter: Date, maxAttempts: Int = 8, now: Date
    ) async throws -> Int64? {
        try await enqueue(
            TestJob(kind: kind, payload: payload, dedupeKey: dedupeKey), storeAccountID: storeAccountID,
            runAfter: runAfter, maxAttempts: maxAttempts, now: now)
    }
}
