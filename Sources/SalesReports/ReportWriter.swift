/// Writes report files in Apple's layout: a header line, tab-separated rows ending `\n`, no
/// quoting, Summary Sales blanks as Apple's single-space placeholder (except the truly empty
/// `CMB`), and a Financial report's `Total_Rows`/`Total_Amount`/`Total_Units` footer computed
/// from the rows. Optionally gzip, in one member or in several (as Apple's servers send).
public final class ReportWriter {
    /// The kind of report written.
    public let kind: ReportKind
    /// The header, in file order.
    public let columns: [String]
    /// Each column's number among the Summary Sales columns a `SalesRow` knows (nil: another column).
    private lazy var salesColumnNumbers = columns.map { SalesRow.columnNumbers[$0] }
    private let target: String
    private let fileSink: (any ByteSink)?
    private let memory = MemoryByteSink()
    private let sink: any ByteSink
    private var pending: [UInt8] = []
    private var financialRows = 0
    private var financialUnits: Int64 = 0
    private var financialAmount = DecimalAmount.zero
    private var finished = false

    /// A writer into memory; ``finish()`` returns the bytes. `gzipMemberSize` starts a new gzip
    /// member every so many uncompressed bytes.
    public convenience init(
        kind: ReportKind, columns: [String]? = nil, gzip: Bool = false, gzipMemberSize: Int? = nil
    ) {
        self.init(kind: kind, columns: columns, target: "report", file: nil, gzip: gzip, memberSize: gzipMemberSize)
    }

    /// A writer that streams into a new file at `path`.
    public convenience init(
        path: String, kind: ReportKind, columns: [String]? = nil, gzip: Bool = false, gzipMemberSize: Int? = nil
    ) throws(ReportError) {
        let file: FileByteSink
        do {
            file = try FileByteSink(path: path)
        } catch {
            throw ReportError(file: path, line: 0, reason: error.reason, message: error.message)
        }
        self.init(kind: kind, columns: columns, target: path, file: file, gzip: gzip, memberSize: gzipMemberSize)
    }

    private init(
        kind: ReportKind, columns: [String]?, target: String, file: (any ByteSink)?, gzip: Bool, memberSize: Int?
    ) {
        self.kind = kind
        self.columns = columns ?? kind.columns.map(\.name)
        self.target = target
        self.fileSink = file
        let base: any ByteSink = file ?? memory
        self.sink = gzip ? GzipByteSink(output: base, memberSize: memberSize.map { max($0, 1) }) : base
        pending.reserveCapacity(1 << 16)
        append(line: self.columns)
    }

    /// Writes one row given as values in ``columns`` order (blank values get the placeholder).
    public func write(values: [String]) throws(ReportError) {
        guard values.count == columns.count else {
            throw failure("row has \(values.count) values but the header has \(columns.count) columns")
        }
        for (index, value) in values.enumerated() where value.utf8.contains(where: { $0 == 9 || $0 == 10 || $0 == 13 })
        {
            throw failure("value for column '\(columns[index])' contains a tab or line break")
        }
        if kind == .financial { try count(values) }
        append(line: values)
        if pending.count >= 1 << 16 { try flush() }
    }

    /// Writes a Summary Sales row.
    public func write(_ row: SalesRow) throws(ReportError) {
        try write(values: zip(columns, salesColumnNumbers).map { row.value(atColumn: $1, named: $0) })
    }

    /// Writes a Summary Sales row with `Units` in decimal form when `decimalUnits` (`3.00`,
    /// `-1.00`): Apple documents Units as DECIMAL(18,2), and readers must accept both forms.
    public func write(_ row: SalesRow, decimalUnits: Bool) throws(ReportError) {
        guard decimalUnits else { return try write(row) }
        try write(
            values: zip(columns, salesColumnNumbers).map {
                $0 == "Units" ? "\(row.units).00" : row.value(atColumn: $1, named: $0)
            })
    }

    /// Writes a record read from another file, matching columns by name (blank when absent).
    public func write(_ record: ReportRecord) throws(ReportError) {
        try write(values: columns.map { record[$0] ?? "" })
    }

    /// Ends the file (footer, gzip trailer) and returns the bytes of an in-memory writer, or
    /// `[]` for a file writer.
    @discardableResult
    public func finish() throws(ReportError) -> [UInt8] {
        guard !finished else { return memory.bytes }
        finished = true
        if kind == .financial {
            append(line: ["Total_Rows", String(financialRows)])
            append(line: ["Total_Amount", financialAmount.description])
            append(line: ["Total_Units", String(financialUnits)])
        }
        try flush()
        do {
            try sink.finish()
        } catch {
            throw failure(error.message)
        }
        return memory.bytes
    }

    private func append(line values: [String]) {
        for (index, value) in values.enumerated() {
            if index > 0 { pending.append(9) }
            if value.isEmpty && kind == .summarySales && columns[index] != "CMB" {
                pending.append(0x20)
            } else {
                pending.append(contentsOf: value.utf8)
            }
        }
        pending.append(10)
    }

    private func count(_ values: [String]) throws(ReportError) {
        let quantity = columns.firstIndex(of: "Quantity").flatMap { Int64(values[$0].trimmingSpaces) } ?? 0
        let share =
            columns.firstIndex(of: "Extended Partner Share").flatMap { DecimalAmount(values[$0].trimmingSpaces) }
            ?? .zero
        let (units, overflow) = financialUnits.addingReportingOverflow(quantity)
        guard !overflow, let amount = financialAmount.adding(share) else { throw failure("totals overflow") }
        financialRows += 1
        financialUnits = units
        financialAmount = amount
    }

    private func flush() throws(ReportError) {
        guard !pending.isEmpty else { return }
        do {
            try pending.withUnsafeBytes { try sink.write($0) }
        } catch let error as SourceFailure {
            throw failure(error.message)
        } catch {
            throw failure("\(error)")
        }
        pending.removeAll(keepingCapacity: true)
    }

    private func failure(_ message: String) -> ReportError {
        ReportError(file: target, line: 0, reason: .unwritable, message: message)
    }
}

extension String {
    var trimmingSpaces: Substring {
        var text = self[...]
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
