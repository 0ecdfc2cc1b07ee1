/// One data row of a report, checked against its header: the right number of fields, valid
/// UTF-8, and every number and date column parseable. Values are trimmed (Apple's `" "`
/// placeholder reads as an empty string).
public struct ReportRecord: Sendable, Hashable {
    /// The header the row was read under.
    public let header: ReportHeader
    /// The 1-based line number in the (decompressed) file.
    public let line: Int
    /// The trimmed values, in header order.
    public let values: [String]

    init(header: ReportHeader, line: Int, values: [String]) {
        self.header = header
        self.line = line
        self.values = values
    }

    /// The trimmed value of a column, `""` when blank, `nil` when the file has no such column.
    public subscript(column: String) -> String? {
        header.index(of: column).map { values[$0] }
    }

    /// The value of a column, `""` when blank or absent.
    public func text(_ column: String) -> String {
        self[column] ?? ""
    }

    /// The whole number in a column, `nil` when blank, absent or (for a column not checked as a
    /// number) not a number.
    public func integer(_ column: String) -> Int64? {
        guard var text = self[column], !text.isEmpty else { return nil }
        return text.withUTF8 { FieldParser.integer(UnsafeRawBufferPointer($0)) }
    }

    /// The exact decimal in a column, `nil` when blank, absent or not a number.
    public func decimal(_ column: String) -> DecimalAmount? {
        guard let text = self[column], !text.isEmpty else { return nil }
        return DecimalAmount(text)
    }

    /// The date in a column, `nil` when blank, absent or not a date.
    public func date(_ column: String) -> ReportDate? {
        guard let text = self[column], !text.isEmpty else { return nil }
        return ReportDate(text)
    }

    /// The values of columns the library does not know for this kind, by column name.
    public var unknownColumns: [String: String] {
        guard !header.unknownColumns.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for name in header.unknownColumns { result[name] = self[name] }
        return result
    }

    /// The value of the kind's `slot`-th known column (``ReportKind/columns`` order), `""` when absent.
    func text(slot: Int) -> String {
        header.columnSlots[slot].map { values[$0] } ?? ""
    }
}
