/// Reads a report file row by row: `.txt` or gzip (`.txt.gz`, recognised by its magic bytes,
/// any number of members), in chunks, so memory stays bounded whatever the file size.
///
/// ```swift
/// let reader = try ReportReader(path: "S_D_85442109_20230718.txt.gz")
/// while let row = try reader.nextSalesRow() { ... }
/// ```
///
/// Every problem is a ``ReportError`` naming the file, line and column; a reader never returns
/// a partial file silently (a truncated gzip is an error at the line where the data ends).
public final class ReportReader {
    /// The file name used in errors (the path as given, or the name passed with bytes).
    public let file: String
    /// The header: column names and report kind.
    public let header: ReportHeader
    /// A Financial report's `Total_*` footer, once read (already checked against the rows).
    public internal(set) var financialFooter: FinancialFooter?

    var scanner: TSVScanner
    private let checkedColumns: [(index: Int, column: ReportColumn)]
    var financialTotals = FinancialFooter(rows: 0, amount: .zero, units: 0)
    /// `true` when ``forEachSalesRow(_:)`` stopped at a row it must see again.
    var revisitsLine = false

    /// A reader of the rest of a file whose header another reader has read: `source` starts
    /// at a line boundary, and line numbers count from that boundary.
    init(continuing header: ReportHeader, source: any ByteSource, file: String) {
        self.file = file
        self.header = header
        self.scanner = TSVScanner(source: source, stripsByteOrderMark: false)
        self.checkedColumns = ReportReader.checkedColumns(of: header)
    }

    deinit { scanner.deallocate() }

    /// The kind of report, from its header.
    public var kind: ReportKind { header.kind }

    /// Opens a file on disk.
    public convenience init(path: String) throws(ReportError) {
        let source: FileByteSource
        do {
            source = try FileByteSource(path: path)
        } catch {
            throw ReportError(file: path, line: 0, reason: error.reason, message: error.message)
        }
        try self.init(source: source, file: path, pipelined: true)
    }

    /// Reads a file already in memory (plain or gzip), named `file` in errors.
    public convenience init(bytes: [UInt8], file: String) throws(ReportError) {
        try self.init(source: MemoryByteSource(bytes), file: file)
    }

    init(
        source: any ByteSource, file: String, chunkSize: Int = 1 << 20, pipelined: Bool = false
    ) throws(ReportError) {
        self.file = file
        var opened: TSVScanner?
        do throws(SourceFailure) {
            opened = TSVScanner(
                source: try ReportReader.decompressing(source, pipelined: pipelined), chunkSize: chunkSize)
            guard try opened!.nextLine() else {
                throw SourceFailure(reason: .empty, message: "file is empty; expected a report header")
            }
            let scanner = opened!
            guard scanner.lineIsASCII || FieldParser.isValidUTF8(scanner.line) else {
                throw SourceFailure(reason: .badHeader, message: "not a report: the first line is not UTF-8 text")
            }
            let names = (0..<scanner.fieldCount).map { ReportReader.string(FieldParser.trimmed(scanner.field($0))) }
            self.header = try ReportHeader(names: names)
        } catch {
            opened?.deallocate()
            throw ReportError(file: file, line: 1, reason: error.reason, message: error.message)
        }
        self.scanner = opened!
        self.checkedColumns = ReportReader.checkedColumns(of: header)
    }

    private static func checkedColumns(of header: ReportHeader) -> [(index: Int, column: ReportColumn)] {
        header.kind.columns.compactMap { column in
            guard let index = header.index(of: column.name), column.type != .text || column.isRequiredInRows else {
                return nil
            }
            return (index, column)
        }
    }

    /// Wraps `source` in a gzip decompressor when it starts with the gzip magic bytes.
    static func decompressing(_ source: any ByteSource, pipelined: Bool) throws(SourceFailure) -> any ByteSource {
        let magic = UnsafeMutableRawBufferPointer.allocate(byteCount: 2, alignment: 1)
        defer { magic.deallocate() }
        var count = 0
        while count < 2 {
            let read = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: magic[count...]))
            if read == 0 { break }
            count += read
        }
        let prefixed = PrefixedByteSource(prefix: Array(magic.prefix(count)), rest: source)
        let isGzip = count == 2 && GzipByteSource.isGzip(UnsafeRawBufferPointer(magic))
        guard isGzip else { return prefixed }
        let gzip = GzipByteSource(input: prefixed)
        return pipelined ? PipelinedByteSource(gzip) : gzip
    }

    /// The next data row, checked; `nil` after the last one. Blank lines are skipped, and a
    /// Financial report's footer is read, checked and kept in ``financialFooter``.
    public func nextRecord() throws(ReportError) -> ReportRecord? {
        while try advance() {
            if scanner.lineStart == scanner.lineEnd { continue }
            if kind == .financial, try readFooterLine() { continue }
            try checkRow()
            var values: [String] = []
            values.reserveCapacity(scanner.fieldCount)
            for index in 0..<scanner.fieldCount {
                values.append(ReportReader.string(FieldParser.trimmed(scanner.field(index))))
            }
            let record = ReportRecord(header: header, line: scanner.lineNumber, values: values)
            if kind == .financial { try addToFinancialTotals(record) }
            return record
        }
        return nil
    }

    /// Reads the next line; errors of the byte source are located at the line being read.
    func advance() throws(ReportError) -> Bool {
        do {
            return try scanner.nextLine()
        } catch {
            throw sourceError(error)
        }
    }

    /// A failure of the byte source, located at the line being read.
    func sourceError(_ failure: SourceFailure) -> ReportError {
        ReportError(file: file, line: scanner.lineNumber + 1, reason: failure.reason, message: failure.message)
    }

    /// Checks the current line has the header's field count and is UTF-8 text.
    @inline(__always)
    func checkShape() throws(ReportError) {
        guard scanner.fieldCount == header.names.count else {
            throw failure(
                nil, .raggedRow, "row has \(scanner.fieldCount) fields but the header has \(header.names.count)")
        }
        if !scanner.lineIsASCII && !FieldParser.isValidUTF8(scanner.line) {
            throw failure(nil, .badText, "line is not valid UTF-8 text")
        }
    }

    /// Checks the current line: shape, then every typed or required column in the kind's
    /// column order, so the first problem reported is the same on every path.
    func checkRow() throws(ReportError) {
        try checkShape()
        for (index, column) in checkedColumns {
            try check(FieldParser.trimmed(scanner.field(index)), column: column, index: index)
        }
    }

    /// Checks one trimmed field against its column's type and requirement.
    func check(_ bytes: UnsafeRawBufferPointer, column: ReportColumn, index: Int) throws(ReportError) {
        if bytes.isEmpty {
            guard !column.isRequiredInRows else {
                throw failure(index, .missingValue, "column '\(column.name)' is blank")
            }
            return
        }
        switch column.type {
        case .text:
            return
        case .integer:
            guard FieldParser.integer(bytes) == nil else { return }
            throw failure(
                index, .badNumber, "\(quoted(bytes)) is not a whole number in column '\(column.name)'")
        case .decimal:
            guard FieldParser.decimalMillionths(bytes) == nil else { return }
            throw failure(index, .badNumber, "\(quoted(bytes)) is not a decimal number in column '\(column.name)'")
        case .date:
            guard FieldParser.date(bytes) == nil else { return }
            throw failure(
                index, .badDate, "\(quoted(bytes)) is not a date (MM/DD/YYYY or YYYY-MM-DD) in column '\(column.name)'")
        }
    }

    /// An error at the current line; `index` is the 0-based field index or `nil`.
    func failure(_ index: Int?, _ reason: ReportError.Reason, _ message: String) -> ReportError {
        ReportError(
            file: file, line: scanner.lineNumber, column: index.map { $0 + 1 }, reason: reason, message: message)
    }

    func quoted(_ bytes: UnsafeRawBufferPointer) -> String {
        let text = ReportReader.string(UnsafeRawBufferPointer(rebasing: bytes.prefix(40)))
        return "'\(text)\(bytes.count > 40 ? "…" : "")'"
    }

    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// Serves a few already-read bytes, then the rest of another source.
final class PrefixedByteSource: ByteSource {
    private var prefix: [UInt8]
    private let rest: any ByteSource

    init(prefix: [UInt8], rest: any ByteSource) {
        self.prefix = prefix
        self.rest = rest
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        guard !prefix.isEmpty else { return try rest.read(into: buffer) }
        let count = min(prefix.count, buffer.count)
        buffer.copyBytes(from: prefix[..<count])
        prefix.removeFirst(count)
        return count
    }
}
