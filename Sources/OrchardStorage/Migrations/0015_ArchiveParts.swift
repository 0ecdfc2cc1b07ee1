import SQLKit

/// The report archive's files in parts (docs/ARCHITECTURE.md, Raw report archive): a file is read
/// and sent a few MiB at a time instead of whole (a 170 MiB report imported uncompressed took half a
/// gigabyte of memory and several seconds in one bind), and PostgreSQL compresses the parts with LZ4
/// where it has it (pglz took 2.5 s over such a file, LZ4 0.6 s). A file's bytes are its
/// `report_archive.content` (whole, as stored before this migration; empty since) followed by its
/// parts in order.
struct ArchiveParts: Migration {
    let version = 15
    let name = "report archive: files stored in parts, compressed with LZ4 where PostgreSQL has it"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            """
            CREATE TABLE report_archive_parts (
                sha256 \(ddl.text) NOT NULL REFERENCES report_archive(sha256) ON DELETE CASCADE,
                part \(ddl.bigint) NOT NULL,
                content \(ddl.bytes) NOT NULL,
                PRIMARY KEY (sha256, part)
            )
            """
        ])
        guard ddl.backend == .postgres else { return }
        let lz4 = try await database.raw(
            """
            SELECT 1 AS one FROM pg_settings
            WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)
            """
        ).first()
        if lz4 != nil {
            try await database.raw("ALTER TABLE report_archive_parts ALTER COLUMN content SET COMPRESSION lz4").run()
        }
    }
}
