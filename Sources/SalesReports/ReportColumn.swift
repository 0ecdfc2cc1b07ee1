/// How the values of a report column are read and checked.
public enum ColumnType: Sendable, Hashable {
    /// Free text (trimmed; Apple's `" "` placeholder reads as blank).
    case text
    /// A whole number, possibly negative.
    case integer
    /// An exact decimal (``DecimalAmount``).
    case decimal
    /// A day, `MM/DD/YYYY` or `YYYY-MM-DD`.
    case date
}

/// A column a report kind knows: its exact header text, type, and whether a blank is allowed.
public struct ReportColumn: Sendable, Hashable {
    /// The header text, e.g. `Developer Proceeds`.
    public let name: String
    /// How values are read.
    public let type: ColumnType
    /// `true` when a header of this kind must contain the column.
    public let isRequiredInHeader: Bool
    /// `true` when every row must have a non-blank value in the column.
    public let isRequiredInRows: Bool

    /// Creates a column description; `required` means in the header and non-blank in every row,
    /// `inHeader` means in the header but possibly blank.
    public init(_ name: String, _ type: ColumnType = .text, required: Bool = false, inHeader: Bool = false) {
        self.name = name
        self.type = type
        self.isRequiredInHeader = required || inHeader
        self.isRequiredInRows = required
    }
}
