import Foundation
import NIOCore
import PostgresKit
import SQLKit
import SQLiteKit

/// One value of a bulk row.
package enum BulkValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case null
}

/// Writes many rows into one table fast, on the connection (and so in the transaction) it is given:
/// `COPY ... FROM STDIN` on PostgreSQL, multi-row `INSERT`s with positional binds on SQLite.
/// Never one statement per row.
///
/// One batch is written while the caller produces the next (the database works on one core, the
/// parser on the other); `flush()` waits for both.
package struct BulkWriter {
    private let connection: OrchardDatabase.DriverConnection
    private let table: String
    private let columns: [String]
    private var pending: [BulkValue] = []
    private var pendingRows = 0
    private let rowsPerBatch: Int
    package private(set) var written = 0
    private var inFlight: Task<Void, any Error>?

    /// - Parameters:
    ///   - table, columns: trusted identifiers (never user input): they are written into the SQL.
    package init(connection: OrchardDatabase.DriverConnection, table: String, columns: [String]) {
        self.connection = connection
        self.table = table
        self.columns = columns
        switch connection {
        // SQLite allows 32,766 binds a statement.
        case .sqlite: rowsPerBatch = max(1, 30_000 / columns.count)
        // A COPY chunk of a few MB.
        case .postgres: rowsPerBatch = 20_000
        }
        pending.reserveCapacity(rowsPerBatch * columns.count)
    }

    /// Adds one row; `values` are in `columns` order.
    package mutating func append(_ values: [BulkValue]) async throws {
        precondition(values.count == columns.count, "a bulk row has one value per column")
        pending.append(contentsOf: values)
        pendingRows += 1
        if pendingRows == rowsPerBatch { try await send() }
    }

    /// Writes what is pending and waits until every row is written; call once after the last row.
    package mutating func flush() async throws {
        try await send()
        try await inFlight?.value
        inFlight = nil
    }

    /// Waits for a batch still being written, ignoring its outcome; call before giving up on the
    /// connection's transaction, so nothing writes into it after the rollback.
    package mutating func abandon() async {
        _ = try? await inFlight?.value
        inFlight = nil
    }

    /// Starts writing the pending rows once the batch before them is written.
    private mutating func send() async throws {
        guard pendingRows > 0 else { return }
        try await inFlight?.value
        let batch = pending
        let rows = pendingRows
        let connection = connection
        let table = table
        let columns = columns
        inFlight = Task {
            switch connection {
            case .sqlite(let sqlite):
                try await Self.insert(batch, rows: rows, table: table, columns: columns, into: sqlite)
            case .postgres(let postgres):
                try await Self.copy(batch, rows: rows, table: table, columns: columns, into: postgres)
            }
        }
        written += pendingRows
        pending = []
        pending.reserveCapacity(rowsPerBatch * columns.count)
        pendingRows = 0
    }

    private static func insert(
        _ pending: [BulkValue], rows pendingRows: Int, table: String, columns: [String], into sqlite: SQLiteConnection
    ) async throws {
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        let sql =
            "INSERT INTO \(table) (\(columns.joined(separator: ","))) VALUES "
            + Array(repeating: tuple, count: pendingRows).joined(separator: ",")
        let binds: [SQLiteData] = pending.map {
            switch $0 {
            case .text(let text): .text(text)
            case .integer(let number): .integer(Int(number))
            case .null: .null
            }
        }
        try await sqlite.query(sql, binds) { _ in }
    }

    private static func copy(
        _ pending: [BulkValue], rows pendingRows: Int, table: String, columns: [String],
        into postgres: PostgresConnection
    ) async throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(pendingRows * columns.count * 12)
        for row in 0..<pendingRows {
            for column in 0..<columns.count {
                if column > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                switch pending[row * columns.count + column] {
                case .text(let text): Self.writeEscaped(text, to: &buffer)
                case .integer(let number): buffer.writeString(String(number))
                case .null: buffer.writeString("\\N")
                }
            }
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        try await postgres.copyFrom(table: table, columns: columns, format: .text(.init()), logger: postgres.logger) {
            writer in
            try await writer.write(buffer)
        }
    }

    /// COPY's text format: backslash, tab, newline and carriage return are escaped.
    private static func writeEscaped(_ text: String, to buffer: inout ByteBuffer) {
        let needsEscape = text.utf8.contains { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard needsEscape else {
            buffer.writeString(text)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case 0x5C: buffer.writeString("\\\\")
            case 0x09: buffer.writeString("\\t")
            case 0x0A: buffer.writeString("\\n")
            case 0x0D: buffer.writeString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
