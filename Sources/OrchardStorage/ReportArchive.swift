package import Foundation
import SQLKit

/// Where every ingested report file is kept as received, for `orchard reparse` after a parser fix:
///
/// - on SQLite, the data directory's `raw/` (``RawReportStore``): one host, one disk;
/// - on PostgreSQL, the database's `report_archive`, so that every host (each with its own data
///   directory) reads every report, whichever host fetched it. Content-addressed by SHA-256, each
///   file stored once, its bytes as Apple sent them (gzip); written in the same transaction as the
///   ledger row that names it, so a report in the ledger is always in the archive.
package enum ReportArchive: Sendable {
    case directory(RawReportStore)
    case database

    /// The archive a process on `database` uses: the database for PostgreSQL, the data directory's
    /// `raw/` for SQLite.
    package init(backend: OrchardDatabase.Backend, dataDirectory: String) {
        self = backend == .postgres ? .database : .directory(RawReportStore(dataDirectory: dataDirectory))
    }

    /// The directory the parse copies files into as it hashes them; none for the database.
    var directoryStore: RawReportStore? {
        if case .directory(let store) = self { return store }
        return nil
    }

    /// Keeps `source` under `sha256` in the caller's transaction (the database archive; the
    /// directory's copy was made by the parse). Bytes the archive holds already are not sent again.
    func keep(_ source: ReportSource, sha256: String, now: Date, on connection: any SQLDatabase) async throws {
        guard case .database = self else { return }
        guard
            try await connection.raw("SELECT 1 AS one FROM report_archive WHERE sha256 = \(bind: sha256)").first()
                == nil
        else { return }
        // Exactly the bytes received (Apple's gzip; a file `orchard import` was given as it is), so
        // that parsing them again finds the hash the ledger holds.
        switch source {
        case .bytes(let data, _):
            try await Self.insert(data, sha256: sha256, now: now, on: connection)
        case .file(let path):
            guard let file = FileHandle(forReadingAtPath: path) else {
                throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
            }
            defer { try? file.close() }
            let size = try file.seekToEnd()
            try file.seek(toOffset: 0)
            try await Self.insert(size: Int(size), sha256: sha256, now: now, on: connection) {
                try file.read(upToCount: Self.partSize) ?? Data()
            }
        }
    }

    /// Bytes per row of `report_archive_parts`: a file is never in memory whole on its way in.
    static let partSize = 4 << 20

    static func insert(_ content: Data, sha256: String, now: Date, on connection: any SQLDatabase) async throws {
        var offset = content.startIndex
        try await insert(size: content.count, sha256: sha256, now: now, on: connection) {
            let end = content.index(offset, offsetBy: partSize, limitedBy: content.endIndex) ?? content.endIndex
            defer { offset = end }
            return content[offset..<end]
        }
    }

    /// Inserts a file of `size` bytes, `next` giving its parts in order (empty at the end), unless
    /// the archive has it (another transaction may have stored the same bytes a moment before).
    static func insert(
        size: Int, sha256: String, now: Date, on connection: any SQLDatabase, next: () throws -> Data
    ) async throws {
        let inserted = try await connection.raw(
            """
            INSERT INTO report_archive (sha256, content, size, stored_at)
            VALUES (\(bind: sha256), \(bind: Data()), \(bind: size), \(bind: now))
            ON CONFLICT (sha256) DO NOTHING RETURNING sha256
            """
        ).first()
        guard inserted != nil else { return }
        var part: Int64 = 0
        var stored = 0
        while true {
            let content = try next()
            guard !content.isEmpty else { break }
            try await connection.raw(
                """
                INSERT INTO report_archive_parts (sha256, part, content)
                VALUES (\(bind: sha256), \(bind: part), \(bind: Data(content)))
                """
            ).run()
            part += 1
            stored += content.count
        }
        guard stored == size else {
            throw CocoaError(
                .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "\(sha256): read \(stored) of \(size) bytes"])
        }
    }

    /// The report file with this hash, to parse again; nil when the archive does not hold it.
    package func source(sha256: String, database: OrchardDatabase) async throws -> ReportSource? {
        switch self {
        case .directory(let store):
            let path = store.path(sha256: sha256)
            return FileManager.default.fileExists(atPath: path) ? .file(path: path) : nil
        case .database:
            let content = try await database.withConnection { connection -> Data? in
                guard
                    var content = try await connection.raw(
                        "SELECT content FROM report_archive WHERE sha256 = \(bind: sha256)"
                    ).first()?.decode(column: "content", as: Data.self)
                else { return nil }
                // Since migration 15 the bytes are in parts (read in order), the row's content empty.
                for row in try await connection.raw(
                    "SELECT content FROM report_archive_parts WHERE sha256 = \(bind: sha256) ORDER BY part"
                ).all() {
                    content.append(try row.decode(column: "content", as: Data.self))
                }
                return content
            }
            return content.map { .bytes($0, name: "report_archive/\(sha256)") }
        }
    }

    /// Forgets, in the caller's transaction, those of `sha256s` that no ledger row names any more
    /// (the database archive; a directory's files are removed after the commit, ``removeFiles(_:)``).
    @discardableResult
    func forget(_ sha256s: [String], on connection: any SQLDatabase) async throws -> Int {
        guard case .database = self else { return 0 }
        var forgotten = 0
        for sha256 in sha256s {
            forgotten +=
                try await connection.raw(
                    """
                    DELETE FROM report_archive WHERE sha256 = \(bind: sha256)
                        AND NOT EXISTS (SELECT 1 FROM report_ledger WHERE sha256 = \(bind: sha256))
                    RETURNING sha256
                    """
                ).all().count
        }
        return forgotten
    }

    /// Removes the directory's files of `sha256s`; the number removed.
    @discardableResult
    func removeFiles(_ sha256s: [String]) -> Int {
        guard case .directory(let store) = self else { return 0 }
        return sha256s.filter { (try? FileManager.default.removeItem(atPath: store.path(sha256: $0))) != nil }.count
    }

    /// What `orchard archive migrate` did.
    package struct Migration: Sendable, Equatable {
        package var moved = 0
        package var alreadyThere = 0
        /// Files whose bytes do not hash to their name: left where they are.
        package var damaged: [String] = []
    }

    /// Moves every file of `directory` into the database archive (`orchard archive migrate`): each
    /// is checked against its name's SHA-256, inserted unless the archive holds it, and removed from
    /// the directory once the insert is committed. Safe to run again, and while workers run.
    package static func migrate(
        from directory: RawReportStore, into database: OrchardDatabase, now: Date
    ) async throws -> Migration {
        var result = Migration()
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: directory.directory.path)) ?? []
        for folder in folders.sorted() where folder.count == 2 {
            let files =
                (try? FileManager.default.contentsOfDirectory(
                    atPath: directory.directory.appendingPathComponent(folder).path)) ?? []
            for name in files.sorted() where name.count == 64 && name.hasPrefix(folder) {
                let path = directory.path(sha256: name)
                let content = try Data(contentsOf: URL(fileURLWithPath: path))
                guard RawReportStore.hash(data: content) == name else {
                    result.damaged.append(path)
                    continue
                }
                let inserted = try await database.withTransaction { connection in
                    let there =
                        try await connection.raw("SELECT 1 AS one FROM report_archive WHERE sha256 = \(bind: name)")
                        .first() != nil
                    if !there { try await insert(content, sha256: name, now: now, on: connection) }
                    return !there
                }
                if inserted { result.moved += 1 } else { result.alreadyThere += 1 }
                try FileManager.default.removeItem(atPath: path)
            }
        }
        return result
    }
}
