/// The `Total_Rows`, `Total_Amount` and `Total_Units` lines that end a Financial report.
/// The reader checks each against the rows above it and fails on a mismatch.
public struct FinancialFooter: Sendable, Hashable {
    /// `Total_Rows`: the number of data rows, when the line is present.
    public var rows: Int?
    /// `Total_Amount`: the sum of `Extended Partner Share`, when the line is present.
    public var amount: DecimalAmount?
    /// `Total_Units`: the sum of `Quantity`, when the line is present.
    public var units: Int64?

    /// Creates a footer.
    public init(rows: Int? = nil, amount: DecimalAmount? = nil, units: Int64? = nil) {
        self.rows = rows
        self.amount = amount
        self.units = units
    }
}

extension ReportReader {
    /// Reads the current line as a footer line if it is one (`Total_…`); checks it.
    func readFooterLine() throws(ReportError) -> Bool {
        let name = ReportReader.string(FieldParser.trimmed(scanner.field(0)))
        guard name.hasPrefix("Total_") else {
            if financialFooter != nil { throw failure(nil, .raggedRow, "a row follows the Total_ footer") }
            return false
        }
        guard scanner.fieldCount == 2 else {
            throw failure(nil, .raggedRow, "footer line \(name) has \(scanner.fieldCount) fields, expected 2")
        }
        let value = FieldParser.trimmed(scanner.field(1))
        var footer = financialFooter ?? FinancialFooter()
        switch name {
        case "Total_Rows":
            guard let rows = FieldParser.integer(value) else {
                throw failure(1, .badNumber, "\(quoted(value)) is not a whole number in Total_Rows")
            }
            try expect(Int64(financialTotals.rows ?? 0) == rows, name, "\(rows)", "\(financialTotals.rows ?? 0)")
            footer.rows = Int(rows)
        case "Total_Units":
            guard let units = FieldParser.integer(value) else {
                throw failure(1, .badNumber, "\(quoted(value)) is not a whole number in Total_Units")
            }
            try expect(financialTotals.units == units, name, "\(units)", "\(financialTotals.units ?? 0)")
            footer.units = units
        case "Total_Amount":
            guard let millionths = FieldParser.decimalMillionths(value) else {
                throw failure(1, .badNumber, "\(quoted(value)) is not a decimal number in Total_Amount")
            }
            let amount = DecimalAmount(millionths: Int128(millionths))
            let sum = financialTotals.amount ?? .zero
            try expect(sum == amount, name, amount.description, sum.description)
            footer.amount = amount
        default:
            throw failure(0, .raggedRow, "unknown footer line '\(name)'")
        }
        financialFooter = footer
        return true
    }

    private func expect(_ agrees: Bool, _ name: String, _ stated: String, _ actual: String) throws(ReportError) {
        guard !agrees else { return }
        throw failure(1, .footerMismatch, "\(name) is \(stated) but the rows add up to \(actual)")
    }

    func addToFinancialTotals(_ record: ReportRecord) throws(ReportError) {
        let (units, unitsOverflow) = (financialTotals.units ?? 0).addingReportingOverflow(
            record.integer("Quantity") ?? 0)
        let amount = (financialTotals.amount ?? .zero).adding(record.decimal("Extended Partner Share") ?? .zero)
        guard !unitsOverflow, let amount else { throw failure(nil, .overflow, "totals overflow") }
        financialTotals = FinancialFooter(rows: (financialTotals.rows ?? 0) + 1, amount: amount, units: units)
    }
}
