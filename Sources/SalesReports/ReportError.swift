/// A report file that cannot be read exactly, with where and why.
///
/// `description` reads `file:line:column: message`, e.g.
/// `sales.txt:17:8: 'abc' is not a whole number in column 'Units'`. Lines are 1-based and
/// count every line of the (decompressed) file, header included. The column is the 1-based
/// **field index** (tab-separated position), not a byte offset; it is `nil` when the problem
/// is the whole line or the file (a truncated gzip, a ragged row, a missing header column).
public struct ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Reason: String, Sendable, Hashable {
        /// The file cannot be opened or read.
        case unreadable
        /// The gzip data is corrupt or truncated.
        case badCompression
        /// The file is empty (no header line).
        case empty
        /// The header is not that of a known report, or lacks a required column.
        case badHeader
        /// A row has a different number of fields than the header.
        case raggedRow
        /// A field that must be a whole or decimal number is not one.
        case badNumber
        /// A field that must be a date is not a valid `MM/DD/YYYY` or `YYYY-MM-DD` date.
        case badDate
        /// A field that must not be blank is blank.
        case missingValue
        /// The line is not valid UTF-8 (binary data).
        case badText
        /// A line is longer than the reader accepts (binary data without line breaks).
        case lineTooLong
        /// A total does not fit the exact number types.
        case overflow
        /// A Financial report's `Total_*` footer disagrees with its rows.
        case footerMismatch
        /// The report kind is not the one asked for.
        case wrongKind
        /// A value cannot be written in the report format (e.g. a tab inside a field).
        case unwritable
    }

    /// The file name as given by the caller.
    public var file: String
    /// The 1-based line number, or 0 when the problem is not at a line (e.g. opening the file).
    public var line: Int
    /// The 1-based field index, or `nil` when the problem is not one field.
    public var column: Int?
    /// The category of the problem.
    public var reason: Reason
    /// A human sentence, without the location prefix.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int, column: Int? = nil, reason: Reason, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
        self.message = message
    }

    /// `file:line:column: message` (the parts that are known).
    public var description: String {
        var location = file
        if line > 0 { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): \(message)"
    }
}
