import Foundation
package import NIOCore
import PostgresKit
import SQLKit
package import SQLiteKit

/// One value of a bulk row.
package enum BulkValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case null
}

/// Rows already encoded for one backend's bulk path: `COPY` text for PostgreSQL, positional binds
/// for SQLite. Encoding is plain CPU work, so it can run on a parser's own thread.
package enum BulkBatch: Sendable {
    case copy(ByteBuffer, rows: Int)
    case binds([SQLiteData], rows: Int)

    package var rows: Int {
        switch self {
        case .copy(_, let rows), .binds(_, let rows): rows
        }
    }
}

/// Encodes rows into ``BulkBatch``es of the size the backend writes best.
package struct BulkEncoder {
    package let backend: OrchardDatabase.Backend
    private let columnCount: Int
    package let rowsPerBatch: Int
    private var buffer = ByteBuffer()
    private var binds: [SQLiteData] = []
    private var column = 0
    private var rows = 0

    package init(backend: OrchardDatabase.Backend, columnCount: Int) {
        self.backend = backend
        self.columnCount = columnCount
        switch backend {
        // SQLite allows 32,766 binds a statement.
        case .sqlite: rowsPerBatch = max(1, 30_000 / columnCount)
        // A COPY chunk of a few MB.
        case .postgres: rowsPerBatch = 20_000
        }
        reserve()
    }

    private mutating func reserve() {
        switch backend {
        case .sqlite: binds.reserveCapacity(rowsPerBatch * columnCount)
        case .postgres: buffer.reserveCapacity(rowsPerBatch * columnCount * 10)
        }
    }

    private mutating func separate() {
        if backend == .postgres && column > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
        column += 1
    }

    package mutating func append(_ value: BulkValue) {
        switch value {
        case .text(let text): append(text: text)
        case .integer(let number): append(integer: number)
        case .null: appendNull()
        }
    }

    package mutating func append(text: String) {
        separate()
        switch backend {
        case .sqlite: binds.append(.text(text))
        case .postgres: Self.writeEscaped(text, to: &buffer)
        }
    }

    /// Appends text given as UTF-8 bytes (already checked to be UTF-8).
    package mutating func append(bytes: UnsafeRawBufferPointer) {
        separate()
        switch backend {
        case .sqlite: binds.append(.text(String(decoding: bytes, as: UTF8.self)))
        case .postgres: Self.writeEscaped(bytes, to: &buffer)
        }
    }

    package mutating func append(integer: Int64) {
        separate()
        switch backend {
        case .sqlite: binds.append(.integer(Int(integer)))
        case .postgres: Self.writeDecimal(integer, to: &buffer)
        }
    }

    package mutating func appendNull() {
        separate()
        switch backend {
        case .sqlite: binds.append(.null)
        case .postgres: buffer.writeStaticString("\\N")
        }
    }

    /// Ends the row; `true` when the batch is full and should be taken.
    @discardableResult
    package mutating func endRow() -> Bool {
        precondition(column == columnCount, "a bulk row has one value per column")
        column = 0
        rows += 1
        if backend == .postgres { buffer.writeInteger(UInt8(ascii: "\n")) }
        return rows == rowsPerBatch
    }

    /// The rows encoded since the last call, or `nil` when there are none.
    package mutating func take() -> BulkBatch? {
        guard rows > 0 else { return nil }
        let batch: BulkBatch
        switch backend {
        case .sqlite:
            batch = .binds(binds, rows: rows)
            binds = []
        case .postgres:
            batch = .copy(buffer, rows: rows)
            buffer = ByteBuffer()
        }
        rows = 0
        reserve()
        return batch
    }

    private static func writeDecimal(_ value: Int64, to buffer: inout ByteBuffer) {
        if value >= 0 && value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value))
        } else {
            buffer.writeString(String(value))
        }
    }

    /// COPY's text format: backslash, tab, newline and carriage return are escaped.
    private static func writeEscaped(_ text: String, to buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { writeEscaped(UnsafeRawBufferPointer($0), to: &buffer) }
    }

    private static func writeEscaped(_ bytes: UnsafeRawBufferPointer, to buffer: inout ByteBuffer) {
        let needsEscape = bytes.contains { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard needsEscape else {
            buffer.writeBytes(bytes)
            return
        }
        for byte in bytes {
            switch byte {
            case 0x5C: buffer.writeStaticString("\\\\")
            case 0x09: buffer.writeStaticString("\\t")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}

/// Writes many rows into one table fast, on the connection (and so in the transaction) it is given:
/// `COPY ... FROM STDIN` on PostgreSQL, multi-row `INSERT`s with positional binds on SQLite.
/// Never one statement per row.
///
/// One batch is written while the caller produces the next (the database works on one core, the
/// caller on the other); `flush()` waits for both.
package struct BulkWriter {
    private let connection: OrchardDatabase.DriverConnection
    private let table: String
    private let columns: [String]
    private var encoder: BulkEncoder
    package private(set) var written = 0
    private var inFlight: Task<Void, any Error>?

    /// - Parameters:
    ///   - table, columns: trusted identifiers (never user input): they are written into the SQL.
    package init(connection: OrchardDatabase.DriverConnection, table: String, columns: [String]) {
        self.connection = connection
        self.table = table
        self.columns = columns
        encoder = BulkEncoder(backend: connection.backend, columnCount: columns.count)
    }

    /// Adds one row; `values` are in `columns` order.
    package mutating func append(_ values: [BulkValue]) async throws {
        precondition(values.count == columns.count, "a bulk row has one value per column")
        for value in values { encoder.append(value) }
        if encoder.endRow(), let batch = encoder.take() { try await write(batch) }
    }

    /// Starts writing an encoded batch once the batch before it is written.
    package mutating func write(_ batch: BulkBatch) async throws {
        try await inFlight?.value
        let connection = connection
        let table = table
        let columns = columns
        inFlight = Task {
            switch (batch, connection) {
            case (.binds(let binds, let rows), .sqlite(let sqlite)):
                try await Self.insert(binds, rows: rows, table: table, columns: columns, into: sqlite)
            case (.copy(let buffer, _), .postgres(let postgres)):
                try await postgres.copyFrom(
                    table: table, columns: columns, format: .text(.init()), logger: postgres.logger
                ) { writer in try await writer.write(buffer) }
            default:
                preconditionFailure("a bulk batch is written to the backend it was encoded for")
            }
        }
        written += batch.rows
    }

    /// Writes what is pending and waits until every row is written; call once after the last row.
    package mutating func flush() async throws {
        if let batch = encoder.take() { try await write(batch) }
        try await inFlight?.value
        inFlight = nil
    }

    /// Waits for a batch still being written, ignoring its outcome; call before giving up on the
    /// connection's transaction, so nothing writes into it after the rollback.
    package mutating func abandon() async {
        _ = try? await inFlight?.value
        inFlight = nil
    }

    private static func insert(
        _ binds: [SQLiteData], rows: Int, table: String, columns: [String], into sqlite: SQLiteConnection
    ) async throws {
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        let sql =
            "INSERT INTO \(table) (\(columns.joined(separator: ","))) VALUES "
            + Array(repeating: tuple, count: rows).joined(separator: ",")
        try await sqlite.query(sql, binds) { _ in }
    }
}

extension OrchardDatabase.DriverConnection {
    package var backend: OrchardDatabase.Backend {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }
}
