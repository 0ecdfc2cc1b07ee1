import Foundation
import OrchardTestSupport
import SQLKit
import SalesReports
import Synchronization
import Testing

@testable import OrchardStorage

@Suite("Bulk writes keep text as it is")
struct BulkTextTests {
    @Test("quotes, backslashes and non-ASCII text survive the bulk path", arguments: TestBackend.available)
    func awkwardText(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            try await withTemporaryDirectory { directory in
                // given
                let day = ReportDate(year: 2023, month: 7, day: 18)!
                let skus = ["o'brien's app", "back\\slash", "Pomme 🍎 ''", "x');DROP TABLE apps;--"]
                let rows = skus.map { SalesFileBuilder.row(sku: $0, type: "1", units: 1, device: $0, day: day) }
                let path = try SalesFileBuilder.write(rows, day: day, in: directory)

                // when
                _ = try await ReportIngestor(database: database, archive: nil, logger: TestLogging.logger)
                    .ingest(path: path, accountNumber: "1", now: Date())

                // then
                let stored = try await database.withConnection { connection in
                    try await connection.raw("SELECT sku, device FROM sales_facts ORDER BY line").all().map {
                        [
                            try $0.decode(column: "sku", as: String.self),
                            try $0.decode(column: "device", as: String.self),
                        ]
                    }
                }
                #expect(stored == skus.map { [$0, $0] })
                let apps = try await database.withConnection { connection in
                    try await connection.raw("SELECT sku FROM apps ORDER BY sku").all().map {
                        try $0.decode(column: "sku", as: String.self)
                    }
                }
                #expect(Set(apps) == Set(skus))
            }
        }
    }

    @Test("a NUL byte in a field is a clear error on SQLite")
    func nulByte() throws {
        // given
        var encoder = BulkEncoder(backend: .sqlite, columnCount: 1)

        // when / then
        #expect(throws: BulkTextError.self) { try encoder.append(text: "a\u{0}b") }
    }
}
