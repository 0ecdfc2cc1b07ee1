import Foundation
import OrchardCore
import OrchardTestSupport
import SQLKit
import SalesReports
import Testing

@testable import OrchardStorage

/// The raw report archive (docs/ARCHITECTURE.md, Raw report archive): in the database on
/// PostgreSQL, so that any host parses any report again; `orchard archive migrate` moves a
/// directory in.
@Suite("Raw report archive in the database")
struct ReportArchiveTests {
    /// Every archived file by its hash, read back as `orchard reparse` reads it.
    static func archived(_ database: OrchardDatabase) async throws -> [String: Data] {
        let hashes = try await database.withConnection { connection in
            try await connection.raw("SELECT sha256 FROM report_archive").all().map {
                try $0.decode(column: "sha256", as: String.self)
            }
        }
        var files: [String: Data] = [:]
        for sha256 in hashes {
            guard
                case .bytes(let data, _)? = try await ReportArchive.database.source(sha256: sha256, database: database)
            else { continue }
            files[sha256] = data
        }
        return files
    }

    @Test(
        "a file larger than a part is stored in parts, read back whole, stored once, and its parts go with it",
        .needsPostgres)
    func parts() async throws {
        try await withMigrated(.postgres) { database in
            // Bytes that differ from part to part, written a word at a time (a byte at a time through
            // the system's generator is millions of calls on a concurrency thread in the debug build).
            var filled = Data(count: 2 * ReportArchive.partSize + 12_345)
            filled.withUnsafeMutableBytes { bytes in
                let words = bytes.bindMemory(to: UInt64.self)
                var state: UInt64 = 0x9E37_79B9_7F4A_7C15
                for index in words.indices {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    words[index] = state
                }
            }
            let content = filled
            let sha = RawReportStore.hash(data: content)
            for _ in 0..<2 {
                try await database.withTransaction { connection in
                    try await ReportArchive.insert(content, sha256: sha, now: MetricsStoreTests.now, on: connection)
                }
            }
            let parts = try await database.withConnection { connection in
                try await connection.raw(
                    "SELECT part, size FROM report_archive_parts p JOIN report_archive a USING (sha256) ORDER BY part"
                ).all().map { try $0.decode(column: "part", as: Int.self) }
            }
            #expect(parts == [0, 1, 2])
            #expect(try await Self.archived(database) == [sha: content])
            let forgotten = try await database.withTransaction { connection in
                try await ReportArchive.database.forget([sha], on: connection)
            }
            #expect(forgotten == 1)
            let left = try await database.withConnection { connection in
                try await connection.raw("SELECT COUNT(*) AS n FROM report_archive_parts").first()!.decode(
                    column: "n", as: Int.self)
            }
            #expect(left == 0)
        }
    }

    @Test(
        "on PostgreSQL every report is kept in the database as received, once, nothing on disk; it reads back and goes with the purge",
        .needsPostgres)
    func database() async throws {
        try await withMigrated(.postgres) { database in
            try await withTemporaryDirectory { directory in
                let ingestor = ReportIngestor(database: database, archive: .database, logger: TestLogging.logger)
                let day = MetricsStoreTests.day
                let path = try SalesFileBuilder.write(MetricsStoreTests.rows, day: day, in: directory)
                let sent = try Data(contentsOf: URL(fileURLWithPath: path))
                _ = try await ingestor.ingest(path: path, accountNumber: "1", now: MetricsStoreTests.now)
                // the same bytes for another account: stored once
                _ = try await ingestor.ingest(path: path, accountNumber: "2", now: MetricsStoreTests.now)

                let sha = RawReportStore.hash(data: sent)
                #expect(try await Self.archived(database) == [sha: sent])
                #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("raw").path))
                guard
                    case .bytes(let data, _)? = try await ReportArchive.database.source(sha256: sha, database: database)
                else {
                    Issue.record("the archive does not give the report back")
                    return
                }
                #expect(data == sent)
                #expect(
                    try await ReportArchive.database.source(
                        sha256: String(repeating: "0", count: 64), database: database) == nil)

                // purged with the last account that names it, not before
                let accounts = StoreAccountStore(database: database)
                let purge = AccountPurge(database: database, archive: .database)
                for number in ["1", "2"] {
                    _ = try await accounts.markAccessible(number: number, now: MetricsStoreTests.now)
                }
                #expect(try await accounts.revoke(number: "1", now: MetricsStoreTests.now))
                #expect(try await purge.purge(number: "1", now: MetricsStoreTests.now)?.files == 0)
                #expect(try await Self.archived(database).count == 1)
                #expect(try await accounts.revoke(number: "2", now: MetricsStoreTests.now))
                #expect(try await purge.purge(number: "2", now: MetricsStoreTests.now)?.files == 1)
                #expect(try await Self.archived(database).isEmpty)
            }
        }
    }

    @Test(
        "archive migrate moves each file whose bytes match its name, leaves a damaged one, and is safe to run again",
        .needsPostgres)
    func migrate() async throws {
        try await withMigrated(.postgres) { database in
            try await withTemporaryDirectory { directory in
                let raw = RawReportStore(directory: directory.appendingPathComponent("raw"))
                let first = try raw.store(data: Data("first report".utf8))
                let second = try raw.store(data: Data(try Gzip.compress(Array("second report".utf8))))
                // a file whose bytes were changed on disk after it was stored
                let damaged = try raw.store(data: Data("third report".utf8))
                try Data("tampered".utf8).write(to: URL(fileURLWithPath: raw.path(sha256: damaged)))

                let result = try await ReportArchive.migrate(from: raw, into: database, now: MetricsStoreTests.now)
                #expect(result.moved == 2 && result.alreadyThere == 0)
                #expect(result.damaged == [raw.path(sha256: damaged)])
                let archived = try await Self.archived(database)
                #expect(Set(archived.keys) == [first, second])
                #expect(archived[first] == Data("first report".utf8))
                #expect(!FileManager.default.fileExists(atPath: raw.path(sha256: first)))
                #expect(FileManager.default.fileExists(atPath: raw.path(sha256: damaged)))

                // again, with one more file that the database has already (another host moved it)
                let again = try raw.store(data: Data("first report".utf8))
                #expect(again == first)
                let rerun = try await ReportArchive.migrate(from: raw, into: database, now: MetricsStoreTests.now)
                #expect(rerun.moved == 0 && rerun.alreadyThere == 1 && rerun.damaged.count == 1)
                #expect(try await Self.archived(database).count == 2)
            }
        }
    }
}
