import Foundation
package import NIOCore
import PostgresKit
import SQLKit
import SQLiteKit

/// One value of a bulk row.
package enum BulkValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case null
}

/// Rows already encoded for one backend's bulk path: `COPY` text for PostgreSQL, the `VALUES` list
/// of a multi-row `INSERT` for SQLite. Encoding is plain CPU work, so it can run on a parser's own
/// thread.
package enum BulkBatch: Sendable {
    case copy(ByteBuffer, rows: Int)
    /// `(…),(…)`: values written as SQL literals (integers, and text quoted with `'` doubled), so
    /// SQLite parses them as it parses the statement, with no bind per value.
    case values(String, rows: Int)

    package var rows: Int {
        switch self {
        case .copy(_, let rows), .values(_, let rows): rows
        }
    }
}

/// A text value SQLite cannot hold as a literal.
package struct BulkTextError: Error, Sendable, CustomStringConvertible {
    package var description: String { "a text value contains a NUL byte" }
}

/// Encodes rows into ``BulkBatch``es of the size the backend writes best.
package struct BulkEncoder {
    package let backend: OrchardDatabase.Backend
    private let columnCount: Int
    package let rowsPerBatch: Int
    private var buffer = ByteBuffer()
    private var column = 0
    private var rows = 0

    package init(backend: OrchardDatabase.Backend, columnCount: Int) {
        self.backend = backend
        self.columnCount = columnCount
        switch backend {
        // About a megabyte of SQL a statement.
        case .sqlite: rowsPerBatch = 5_000
        // A COPY chunk of a few MB.
        case .postgres: rowsPerBatch = 20_000
        }
        buffer.reserveCapacity(rowsPerBatch * columnCount * 10)
    }

    private mutating func separate() {
        switch backend {
        case .postgres:
            if column > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
        case .sqlite:
            if column == 0 {
                if rows > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                buffer.writeInteger(UInt8(ascii: "("))
            } else {
                buffer.writeInteger(UInt8(ascii: ","))
            }
        }
        column += 1
    }

    package mutating func append(_ value: BulkValue) throws {
        switch value {
        case .text(let text): try append(text: text)
        case .integer(let number): append(integer: number)
        case .null: appendNull()
        }
    }

    package mutating func append(text: String) throws {
        var text = text
        try text.withUTF8 { try append(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Appends text given as UTF-8 bytes (already checked to be UTF-8).
    package mutating func append(bytes: UnsafeRawBufferPointer) throws {
        separate()
        switch backend {
        case .sqlite: try Self.writeQuoted(bytes, to: &buffer)
        case .postgres: Self.writeEscaped(bytes, to: &buffer)
        }
    }

    package mutating func append(integer: Int64) {
        separate()
        Self.writeDecimal(integer, to: &buffer)
    }

    package mutating func appendNull() {
        separate()
        switch backend {
        case .sqlite: buffer.writeStaticString("NULL")
        case .postgres: buffer.writeStaticString("\\N")
        }
    }

    /// Ends the row; `true` when the batch is full and should be taken.
    @discardableResult
    package mutating func endRow() -> Bool {
        precondition(column == columnCount, "a bulk row has one value per column")
        column = 0
        rows += 1
        switch backend {
        case .postgres: buffer.writeInteger(UInt8(ascii: "\n"))
        case .sqlite: buffer.writeInteger(UInt8(ascii: ")"))
        }
        return rows == rowsPerBatch
    }

    /// The rows encoded since the last call, or `nil` when there are none.
    package mutating func take() -> BulkBatch? {
        guard rows > 0 else { return nil }
        let batch: BulkBatch
        switch backend {
        case .sqlite: batch = .values(String(decoding: buffer.readableBytesView, as: UTF8.self), rows: rows)
        case .postgres: batch = .copy(buffer, rows: rows)
        }
        buffer = ByteBuffer()
        buffer.reserveCapacity(rowsPerBatch * columnCount * 10)
        rows = 0
        return batch
    }

    /// Writes an integer's decimal digits, without a `String` in between.
    private static func writeDecimal(_ value: Int64, to buffer: inout ByteBuffer) {
        if value >= 0 && value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(digits)[start..<20]))
        }
    }

    /// An SQL string literal: the only character to escape in `'…'` is `'` itself (doubled). SQLite
    /// reads statements as C strings, so a NUL byte is refused rather than cut short.
    private static func writeQuoted(_ bytes: UnsafeRawBufferPointer, to buffer: inout ByteBuffer) throws {
        buffer.writeInteger(UInt8(ascii: "'"))
        var plain = true
        for byte in bytes where byte == UInt8(ascii: "'") || byte == 0 {
            plain = false
            break
        }
        if plain {
            buffer.writeBytes(bytes)
        } else {
            for byte in bytes {
                if byte == 0 { throw BulkTextError() }
                if byte == UInt8(ascii: "'") { buffer.writeInteger(byte) }
                buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "'"))
    }

    /// COPY's text format: backslash, tab, newline and carriage return are escaped.
    private static func writeEscaped(_ bytes: UnsafeRawBufferPointer, to buffer: inout ByteBuffer) {
        var needsEscape = false
        for byte in bytes where byte == 0x5C || (byte <= 0x0D && (byte == 0x09 || byte == 0x0A || byte == 0x0D)) {
            needsEscape = true
            break
        }
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
/// `COPY ... FROM STDIN` on PostgreSQL, multi-row `INSERT`s of literal values on SQLite.
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
    /// How long one batch's COPY may take before it is given up.
    static let copyDeadline: Double = 20

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
        for value in values { try encoder.append(value) }
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
            case (.values(let values, _), .sqlite(let sqlite)):
                try await sqlite.query("INSERT INTO \(table) (\(columns.joined(separator: ","))) VALUES " + values) {
                    _ in
                }
            case (.copy(let buffer, _), .postgres(let postgres)):
                // A batch takes well under a second; a COPY cut off by a server restart may never
                // answer at all (see ``Deadline``). The connection is then closed: left open, it
                // stays in the COPY and every later statement on it (the ROLLBACK first) waits
                // for ever, holding its job at a worker's shutdown.
                do {
                    try await Deadline.within(BulkWriter.copyDeadline, "COPY into \(table)") {
                        try await postgres.copyFrom(
                            table: table, columns: columns, format: .text(.init()), logger: postgres.logger
                        ) { writer in try await writer.write(buffer) }
                    }
                } catch let exceeded as Deadline.Exceeded {
                    _ = try? await Deadline.within(5, "closing a connection stuck in a COPY") {
                        try await postgres.close()
                    }
                    throw exceeded
                }
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
}

extension OrchardDatabase.DriverConnection {
    package var backend: OrchardDatabase.Backend {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }
}
