package import Foundation
import SalesReports

/// Where the bytes of a report come from.
package enum ReportSource: Sendable {
    /// A file on disk (`orchard import`, `orchard reparse`).
    case file(path: String)
    /// Bytes downloaded from Apple (plain or gzip), named `name` in errors.
    case bytes(Data, name: String)

    var name: String {
        switch self {
        case .file(let path): path
        case .bytes(_, let name): name
        }
    }
}

/// Parses one report on a thread of its own and hands its facts, encoded for the database's bulk
/// path, to the ingestion transaction. Copying the raw file, hashing, gzip decompression and
/// parsing never run on Swift concurrency's cooperative threads, so ingestions cannot stall the
/// HTTP server; while the database writes one batch, this thread encodes the next.
///
/// Order of events: ``Event/head(_:)`` (the file's hash and first row, enough to tell its identity),
/// then, once the consumer has the report's ledger id (``start(reportID:)``), batches and the
/// tally at the end.
final class ReportParseThread: Sendable {
    struct Head: Sendable {
        var sha256: String
        var kind: ReportKind
        /// Begin and End Date of the first Sales row.
        var firstSalesDates: (begin: ReportDate, end: ReportDate)?
        /// The first date of the first row of another kind.
        var firstRecordDate: ReportDate?
    }

    struct AppName: Sendable, Equatable {
        var appleIdentifier: String?
        var title: String?
    }

    /// An in-app purchase (or other non-app product) and the app it belongs to.
    struct Product: Sendable, Equatable {
        var appSKU: String
        var title: String
        var productType: String
    }

    struct Tally: Sendable {
        var rows = 0
        var days = Set<ReportDate>()
        var apps: [String: AppName] = [:]
        /// Products other than apps, by SKU: the dashboard lists an app's in-app purchases.
        var products: [String: Product] = [:]
        /// The report's own daily rollups, when they could be added up on the way.
        var rollups: RollupRows?
    }

    enum Event: Sendable {
        case head(Head)
        case batch(BulkBatch)
        case end(Tally)
    }

    /// The columns of `sales_facts`, in the order the batches carry them. Money is the row's own
    /// amount, `Units × |per-unit amount|` (docs/REPORTS.md, Money), in integer millionths.
    static let factColumns = [
        "report_id", "line", "day", "app_sku", "sku", "product_type", "bucket", "units", "proceeds_micros",
        "proceeds_currency", "sales_micros", "customer_currency", "country", "device",
    ]

    /// The table a report kind's rows go to, and its columns in the order the batches carry them;
    /// `nil` for a kind whose rows are only counted (the Subscriber report: its files stay in the
    /// archive).
    static func table(for kind: ReportKind) -> (name: String, columns: [String])? {
        switch kind {
        case .summarySales: ("sales_facts", factColumns)
        case .subscription: ("subscription_states", SubscriptionEncoder.stateColumns)
        case .subscriptionEvent: ("subscription_events", SubscriptionEncoder.eventColumns)
        case .financial: ("financial_lines", FinancialEncoder.columns)
        case .subscriber: nil
        }
    }

    /// What the consumer tells the thread once the ledger row exists.
    struct Start: Sendable {
        var reportID: Int64
        var accountID: Int64
        /// The day the report is for (the Subscription report has no date column).
        var day: ReportDate
    }

    private let channel = ThreadChannel<Event, any Error>(capacity: 2)
    /// The ledger row, the one value the consumer sends the thread; finished without it when the consumer gives up.
    private let started = ThreadChannel<Start, Never>(capacity: 1)

    private init() {}

    /// Starts parsing `source` on a new thread; the raw file is copied into `rawStore` on the way.
    static func start(source: ReportSource, rawStore: RawReportStore?, backend: OrchardDatabase.Backend)
        -> ReportParseThread
    {
        let parse = ReportParseThread()
        let thread = Thread { parse.run(source: source, rawStore: rawStore, backend: backend) }
        thread.name = "orchard.ingest.parse"
        thread.stackSize = 4 << 20
        thread.start()
        return parse
    }

    /// The next event; `nil` after the tally.
    func next() async throws -> Event? {
        try await channel.next()
    }

    /// Lets the thread write rows for the ledger row `start`. Never waits: the channel has room for it.
    func start(_ start: Start) {
        _ = started.send(start)
    }

    /// Stops the thread (at its next hand-over) and drops what it parsed.
    func cancel() {
        started.finish()
        channel.cancel()
    }

    private func run(source: ReportSource, rawStore: RawReportStore?, backend: OrchardDatabase.Backend) {
        do {
            try parse(source: source, rawStore: rawStore, backend: backend)
        } catch {
            channel.finish(throwing: error)
        }
    }

    private func parse(source: ReportSource, rawStore: RawReportStore?, backend: OrchardDatabase.Backend) throws {
        let reader: ReportReader
        let sha: String
        switch source {
        case .file(let path):
            sha = try rawStore?.store(fileAt: path) ?? RawReportStore.hash(fileAt: path)
            reader = try ReportReader(path: path)
        case .bytes(let data, let name):
            sha = try rawStore?.store(data: data) ?? RawReportStore.hash(data: data)
            reader = try ReportReader(bytes: [UInt8](data), file: name)
        }
        var head = Head(sha256: sha, kind: reader.kind)
        var firstRecord: ReportRecord? = nil
        if reader.kind == .summarySales {
            // A look at the first row, which the loop below sees again.
            try reader.forEachSalesRow { row in
                head.firstSalesDates = (row.beginDate, row.endDate)
                return false
            }
        } else {
            firstRecord = try reader.nextRecord()
            head.firstRecordDate = firstRecord.flatMap { record in
                ["Start Date", "Event Date", "Date", "Transaction Date"].lazy.compactMap { record.date($0) }.first
            }
        }
        guard channel.send(.head(head)), let start = started.receive() else { return }
        let reportID = start.reportID

        var tally = Tally()
        if reader.kind == .summarySales {
            var facts = FactEncoder(backend: backend, reportID: reportID, file: source.name)
            var consumerLeft = false
            // The loop's state through pointers: variables captured by the closure would be boxed
            // and checked for exclusive access on every row.
            try withUnsafeMutablePointer(to: &facts) { facts throws(ReportError) in
                try withUnsafeMutablePointer(to: &tally) { tally throws(ReportError) in
                    try reader.forEachSalesRow { (row) throws(ReportError) in
                        if try facts.pointee.add(row, to: &tally.pointee), let batch = facts.pointee.encoder.take() {
                            consumerLeft = !channel.send(.batch(batch))
                            return !consumerLeft
                        }
                        return true
                    }
                }
            }
            if consumerLeft { return }
            if let batch = facts.encoder.take() {
                guard channel.send(.batch(batch)) else { return }
            }
            tally.rollups = facts.rollups.finish()
        } else if ReportParseThread.table(for: reader.kind) != nil {
            var rows: any RecordEncoder =
                reader.kind == .financial
                ? FinancialEncoder(backend: backend, start: start, file: source.name)
                : SubscriptionEncoder(backend: backend, start: start, header: reader.header, file: source.name)
            var record = firstRecord
            while let current = record {
                if try rows.add(current), let batch = rows.encoder.take() {
                    guard channel.send(.batch(batch)) else { return }
                }
                tally.rows += 1
                record = try reader.nextRecord()
            }
            if let batch = rows.encoder.take() {
                guard channel.send(.batch(batch)) else { return }
            }
        } else {
            tally.rows = firstRecord == nil ? 0 : 1
            while try reader.nextRecord() != nil { tally.rows += 1 }
        }
        guard channel.send(.end(tally)) else { return }
        channel.finish()
    }
}

/// Encodes a report's records as rows of its table (``ReportParseThread/table(for:)``), batch by batch.
protocol RecordEncoder {
    var encoder: BulkEncoder { get set }
    /// Adds one record; `true` when a batch is full.
    mutating func add(_ record: ReportRecord) throws(ReportError) -> Bool
}

extension SubscriptionEncoder: RecordEncoder {}
extension FinancialEncoder: RecordEncoder {}

/// Encodes Sales rows as `sales_facts` rows straight from their bytes, and keeps the tally of days
/// and apps.
private struct FactEncoder {
    var encoder: BulkEncoder
    var rollups = RollupAccumulator()
    let reportID: Int64
    let file: String
    private var lastDay: ReportDate? = nil
    private var lastDayText = ""
    private var lastApp: [UInt8] = []
    private var lastAppRow: [UInt8] = []
    private var lastProduct: [UInt8] = []

    init(backend: OrchardDatabase.Backend, reportID: Int64, file: String) {
        encoder = BulkEncoder(backend: backend, columnCount: ReportParseThread.factColumns.count)
        self.reportID = reportID
        self.file = file
    }

    /// Adds one row; `true` when a batch is full.
    mutating func add(_ row: SalesRowBytes, to tally: inout ReportParseThread.Tally) throws(ReportError) -> Bool {
        guard let proceeds = Int64(exactly: row.proceeds), let sales = Int64(exactly: row.sales) else {
            throw ReportError(
                file: file, line: row.line, reason: .overflow, message: "an amount is too large to store exactly")
        }
        rollups.add(row, proceeds: proceeds, sales: sales)
        if row.beginDate != lastDay {
            lastDay = row.beginDate
            lastDayText = row.beginDate.isoText
            tally.days.insert(row.beginDate)
        }
        let appSKU = row.appSKU
        do {
            encoder.append(integer: reportID)
            encoder.append(integer: Int64(row.line))
            try encoder.append(text: lastDayText)
            try encoder.append(bytes: appSKU)
            try encoder.append(bytes: row.sku)
            try encoder.append(bytes: row.productType)
            try encoder.append(text: row.bucket.rawValue)
            encoder.append(integer: row.units)
            encoder.append(integer: proceeds)
            try encoder.append(bytes: row.proceedsCurrency)
            encoder.append(integer: sales)
            try encoder.append(bytes: row.customerCurrency)
            try encoder.append(bytes: row.countryCode)
            try encoder.append(bytes: row.device)
        } catch {
            throw ReportError(file: file, line: row.line, reason: .badText, message: "\(error)")
        }
        // Rows come grouped by app: look the app up only when it changes.
        if row.bucket.isAppRow {
            if !appSKU.elementsEqual(lastAppRow) {
                lastAppRow = Array(appSKU)
                tally.apps[Self.string(appSKU)] = .init(
                    appleIdentifier: Self.string(row.appleIdentifier), title: Self.string(row.title))
            }
        } else {
            if !appSKU.elementsEqual(lastApp) {
                lastApp = Array(appSKU)
                let sku = Self.string(appSKU)
                if tally.apps[sku] == nil { tally.apps[sku] = .init() }
            }
            if !row.sku.elementsEqual(lastProduct) {
                lastProduct = Array(row.sku)
                let sku = Self.string(row.sku)
                if tally.products[sku] == nil {
                    tally.products[sku] = .init(
                        appSKU: Self.string(appSKU), title: Self.string(row.title),
                        productType: Self.string(row.productType))
                }
            }
        }
        tally.rows += 1
        return encoder.endRow()
    }

    private static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
