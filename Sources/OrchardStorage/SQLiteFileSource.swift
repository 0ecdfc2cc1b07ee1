import Foundation
import Logging
import NIOCore
import SQLiteKit

/// Opens SQLite connections to one file with the settings Orchard relies on.
///
/// SQLiteKit's own source turns on foreign keys only; Orchard also needs WAL (readers do not
/// block the writer) and a busy timeout (a second process waits for the write lock instead
/// of failing with SQLITE_BUSY).
struct SQLiteFileSource: ConnectionPoolSource {
    let path: String
    private let inner: SQLiteConnectionSource

    init(path: String) {
        self.path = path
        self.inner = SQLiteConnectionSource(configuration: .init(storage: .file(path: path), enableForeignKeys: true))
    }

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
        }
        return inner.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            connection.query("PRAGMA busy_timeout = 10000").flatMap { _ in
                connection.query("PRAGMA journal_mode = WAL")
            }.flatMap { _ in
                connection.query("PRAGMA synchronous = NORMAL")
            }.map { _ in connection }
                .flatMapError { error in
                    connection.close().flatMapThrowing { throw error }
                }
        }
    }
}
