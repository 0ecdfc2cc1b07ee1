/// The header line of a report: its column names in file order and the report kind they
/// identify. Columns are always looked up by name, never by position, because Apple inserts
/// columns over time.
public struct ReportHeader: Sendable, Hashable {
    /// The kind of report the header identifies.
    public let kind: ReportKind
    /// The trimmed column names, in file order.
    public let names: [String]
    private let indexByName: [String: Int]
    /// For each column of `kind.columns`, its position in this file, resolved once per file so
    /// rows are read by position, not by hashing names.
    let columnSlots: [Int?]
    /// The names of columns this library does not know for the kind (Apple's newer additions).
    public let unknownColumns: [String]

    /// Checks a header line: known kind, no duplicate names, every column the kind requires.
    /// The thrown message is completed with file and line by the reader.
    init(names: [String]) throws(SourceFailure) {
        var indexByName: [String: Int] = [:]
        for (index, name) in names.enumerated() where !name.isEmpty {
            guard indexByName.updateValue(index, forKey: name) == nil else {
                throw SourceFailure(reason: .badHeader, message: "header names column '\(name)' twice")
            }
        }
        guard let kind = ReportKind.detect(names: Set(names)) else {
            let start = names.prefix(3).map { "'\($0.prefix(40))'" }.joined(separator: ", ")
            throw SourceFailure(
                reason: .badHeader,
                message: "not a Sales and Trends or Financial report: unknown header starting \(start)")
        }
        let missing = kind.columns.filter { $0.isRequiredInHeader && indexByName[$0.name] == nil }
        guard missing.isEmpty else {
            let list = missing.map { "'\($0.name)'" }.joined(separator: ", ")
            throw SourceFailure(
                reason: .badHeader,
                message: "\(kind.displayName) report header lacks column\(missing.count == 1 ? "" : "s") \(list)")
        }
        self.kind = kind
        self.names = names
        self.indexByName = indexByName
        self.columnSlots = kind.columns.map { indexByName[$0.name] }
        let known = Set(kind.columns.map(\.name))
        self.unknownColumns = names.filter { !$0.isEmpty && !known.contains($0) }
    }

    /// The 0-based position of a column, or `nil` when the file has no such column.
    public func index(of name: String) -> Int? {
        indexByName[name]
    }
}
