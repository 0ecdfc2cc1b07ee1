import SQLKit

/// The raw report archive in the database (docs/ARCHITECTURE.md, Raw report archive): on PostgreSQL
/// every host reads every report from here, so `orchard reparse` runs anywhere. Content-addressed by
/// SHA-256 and stored once, the bytes as Apple sent them (gzip). SQLite keeps the `raw/` directory
/// and leaves the table empty.
struct ReportArchiveTable: Migration {
    let version = 11
    let name = "report archive: raw report files in the database, by SHA-256"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            """
            CREATE TABLE report_archive (
                sha256 \(ddl.text) PRIMARY KEY,
                content \(ddl.bytes) NOT NULL,
                size \(ddl.bigint) NOT NULL,
                stored_at \(ddl.timestamp) NOT NULL
            )
            """
        ])
    }
}
