import Foundation
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import Testing

/// What Orchard writes to disk is its process's alone (the SQLite file holds
/// sealed secrets and customers' figures, the raw archive their sales): directories 0700, files 0600.
@Suite("Files on disk are the owner's alone")
struct FilePermissionTests {
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) & 0o777
    }

    @Test("the SQLite file, its WAL and shared memory are 0600 in a 0700 directory, an older 0644 file included")
    func sqliteFiles() async throws {
        try await withTemporaryDirectory { directory in
            let folder = directory.appendingPathComponent("data/db")
            let path = folder.appendingPathComponent("orchard.sqlite").path
            let database = try await OrchardDatabase.open(.sqlite(path: path), logger: TestLogging.logger)
            _ = try await MigrationRunner(logger: TestLogging.logger).run(on: database)
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(FileManager.default.fileExists(atPath: file), "\(file) missing")
                #expect(try Self.mode(file) == 0o600, "\(file) is not 0600")
            }
            #expect(try Self.mode(folder.path) == 0o700)
            try await database.close()

            // an install made before: world-readable files are tightened at the next open
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            let again = try await OrchardDatabase.open(.sqlite(path: path), logger: TestLogging.logger)
            _ = try await MigrationRunner(logger: TestLogging.logger).run(on: again)
            #expect(try Self.mode(path) == 0o600)
            try await again.close()
        }
    }

    @Test("raw reports are 0600 in 0700 directories, whether copied in or downloaded")
    func rawReports() async throws {
        try await withTemporaryDirectory { directory in
            let store = RawReportStore(dataDirectory: directory.appendingPathComponent("data").path)
            let source = directory.appendingPathComponent("report.txt")
            try Data("a report".utf8).write(to: source)
            let copied = try store.store(fileAt: source.path)
            let downloaded = try store.store(data: Data("another report".utf8))
            for sha in [copied, downloaded] {
                let file = store.path(sha256: sha)
                #expect(try Self.mode(file) == 0o600, "\(file) is not 0600")
                #expect(try Self.mode((file as NSString).deletingLastPathComponent) == 0o700)
            }
            #expect(try Self.mode(store.directory.path) == 0o700)
        }
    }
}
