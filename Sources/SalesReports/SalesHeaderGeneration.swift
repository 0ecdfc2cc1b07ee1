/// The historical layouts of the Summary Sales header (docs/REPORTS.md, Summary Sales), for writing files as
/// Apple did at the time and for testing that every one of them is read.
public enum SalesHeaderGeneration: Int, Sendable, CaseIterable {
    /// 2011: `Provider` … `Period`.
    case columns20 = 20
    /// 2015: + `Category`, `CMB`.
    case columns22 = 22
    /// + `Device`, `Supported Platforms`.
    case columns24 = 24
    /// + `Proceeds Reason`, `Preserved Pricing`, `Client`.
    case columns27 = 27
    /// Current: + `Order Type`.
    case columns28 = 28

    /// The header names of this generation, in file order.
    public var columnNames: [String] {
        Array(ReportKind.salesColumns.prefix(rawValue).map(\.name))
    }
}
