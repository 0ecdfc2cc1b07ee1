import Foundation
import Logging
import NIOCore
import SQLiteKit

/// Opens SQLite connections to one file with the settings Orchard relies on.
///
/// SQLiteKit's own source turns on foreign keys only; Orchard also needs WAL (readers do not
/// block the writer) and a busy timeout (a second process waits for the write lock instead
/// of failing with SQLITE_BUSY) and `secure_delete` (deleted or overwritten content, an erased funnel
/// token's ciphertext among it, is zeroed in the file instead of left in free space).
struct SQLiteFileSource: ConnectionPoolSource {
    /// How long a statement waits for another connection's write lock (`busy_timeout`).
    static let busyTimeoutMilliseconds = 10_000

    /// Puts `busy_timeout` back after a wait for another process's write lock made asleep instead
    /// (`PRAGMA busy_timeout = 0`: SQLite's busy handler would hold one of the SQLite threads).
    static var restoreBusyTimeout: SQLQueryString {
        "PRAGMA busy_timeout = \(unsafeRaw: String(busyTimeoutMilliseconds))"
    }

    let path: String
    private let inner: SQLiteConnectionSource

    init(path: String) {
        self.path = path
        // Foreign keys are turned on below, with the other settings, where a busy database is retried.
        self.inner = SQLiteConnectionSource(configuration: .init(storage: .file(path: path), enableForeignKeys: false))
    }

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
        }
        return inner.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            // Only its owner reads the database (secrets, customers' figures): 0600 before SQLite makes
            // the WAL and shared-memory files, which take the database file's permissions; an older
            // install's files are tightened too.
            Self.ownerOnly(path)
            let settings = [
                "PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)", "PRAGMA foreign_keys = ON",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL", "PRAGMA secure_delete = ON",
            ]
            return settings.reduce(eventLoop.makeSucceededVoidFuture()) { previous, statement in
                previous.flatMap { Self.run(statement, on: connection, eventLoop: eventLoop, attemptsLeft: 100) }
            }.map { connection }
                .flatMapError { error in
                    connection.close().flatMapThrowing { throw error }
                }
        }
    }

    /// Makes the database file and its WAL and shared-memory files readable by their owner only.
    static func ownerOnly(_ path: String) {
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }

    /// While another process creates the file or switches it to WAL, SQLite answers `SQLITE_BUSY` at once,
    /// without consulting the busy timeout: try again for up to ten seconds.
    private static func run(
        _ statement: String, on connection: SQLiteConnection, eventLoop: any EventLoop, attemptsLeft: Int
    ) -> EventLoopFuture<Void> {
        connection.query(statement).map { _ in () }.flatMapError { error in
            guard attemptsLeft > 1, isBusy(error) else {
                return eventLoop.makeFailedFuture(error)
            }
            return eventLoop.scheduleTask(in: .milliseconds(100)) {}.futureResult.flatMap {
                run(statement, on: connection, eventLoop: eventLoop, attemptsLeft: attemptsLeft - 1)
            }
        }
    }

    /// `SQLITE_BUSY` or `SQLITE_LOCKED`, with any of their extended codes: another connection holds the lock.
    static func isBusy(_ error: any Error) -> Bool {
        switch (error as? SQLiteError)?.reason {
        case .busy, .busyInRecovery, .busyInSnapshot, .busyTimeout, .locked, .lockedBySharedCache,
            .lockedVirtualTable:
            true
        default:
            false
        }
    }
}
