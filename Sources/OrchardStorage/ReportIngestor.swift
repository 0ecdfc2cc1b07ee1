package import Foundation
package import Logging
package import OrchardCore
import SQLKit
import SalesReports

/// Ingests one report file (DESIGN.md section 5): parse with SalesReports, then in one transaction
/// replace that report's facts, refresh the apps it names, recompute the rollups of the days it
/// touches and record the ledger row. Re-ingesting the same bytes changes nothing; different bytes
/// for the same report replace the old rows and mark it `restated`; a failure leaves the previous state.
package struct ReportIngestor: Sendable {
    package enum Outcome: Sendable, Equatable {
        case ingested(rows: Int)
        case restated(rows: Int)
        case unchanged
    }

    package struct Result: Sendable, Equatable {
        package var identity: ReportIdentity
        package var outcome: Outcome
        /// The days whose rollups were recomputed.
        package var days: [String]
    }

    package enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case cannotTellDate(file: String)
        case amountOutOfRange(file: String, line: Int)

        package var description: String {
            switch self {
            case .cannotTellDate(let file):
                "\(file): cannot tell which day the report is for; name it as Apple does (S_D_<vendor>_<yyyymmdd>.txt.gz)"
            case .amountOutOfRange(let file, let line): "\(file):\(line): an amount is too large to store exactly"
            }
        }
    }

    let database: OrchardDatabase
    let rawStore: RawReportStore?
    let logger: Logger

    package init(database: OrchardDatabase, rawStore: RawReportStore?, logger: Logger = Logger(label: "orchard.ingest"))
    {
        self.database = database
        self.rawStore = rawStore
        self.logger = logger
    }

    static let factColumns = [
        "report_id", "line", "day", "app_sku", "sku", "product_type", "bucket", "units", "proceeds_micros",
        "proceeds_currency", "price_micros", "customer_currency", "country", "device",
    ]

    /// Ingests the file at `path` for `accountNumber`.
    ///
    /// - Parameters:
    ///   - vendor: the vendor number when the file name does not say it.
    ///   - force: parse and replace even when the bytes are unchanged (after a parser fix).
    ///   - progress: called with the number of rows written so far, every 50,000 rows.
    package func ingest(
        path: String, accountNumber: String, vendor: String? = nil, now: Date, force: Bool = false,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Result {
        try await ingest(
            path: path, accountNumber: accountNumber, vendor: vendor, known: nil, now: now, force: force,
            progress: progress)
    }

    /// Parses a stored raw file again for its ledger identity and replaces the report's rows.
    package func reparse(path: String, identity: ReportIdentity, now: Date) async throws -> Result {
        try await ingest(
            path: path, accountNumber: identity.accountNumber, vendor: identity.vendor, known: identity, now: now,
            force: true, progress: nil)
    }

    private func ingest(
        path: String, accountNumber: String, vendor: String?, known: ReportIdentity?, now: Date, force: Bool,
        progress: (@Sendable (Int) -> Void)?
    ) async throws -> Result {
        let sha = try rawStore?.store(fileAt: path) ?? RawReportStore.hash(fileAt: path)
        let backend = database.backend
        return try await database.withDriverConnection { driver, connection in
            let reader = try ReportReader(path: path)
            let fileName = ReportIdentity.parseFileName(path)
            var first: SalesRow? = nil
            var firstRecord: ReportRecord? = nil
            if reader.kind == .summarySales {
                first = try reader.nextSalesRow()
            } else {
                firstRecord = try reader.nextRecord()
            }
            let identity =
                try known
                ?? Self.identity(
                    reader: reader, first: first, firstRecord: firstRecord, fileName: fileName, path: path,
                    accountNumber: accountNumber, vendor: vendor)

            let started = ContinuousClock.now
            return try await backend.transaction(on: connection) {
                let accountID = try await Self.ensureAccount(accountNumber, now: now, on: connection)
                let previous = try await Self.ledgerRow(identity, accountID: accountID, on: connection)
                if !force, let previous, previous.sha256 == sha,
                    ["fetched", "restated", "empty"].contains(previous.state)
                {
                    return Result(identity: identity, outcome: .unchanged, days: [])
                }
                let reportID = try await Self.upsertLedger(identity, accountID: accountID, on: connection)
                let previousDays = try await connection.raw(
                    "SELECT DISTINCT day FROM sales_facts WHERE report_id = \(bind: reportID)"
                ).all().map { try $0.decode(column: "day", as: String.self) }
                try await connection.raw("DELETE FROM sales_facts WHERE report_id = \(bind: reportID)").run()

                var rows = 0
                var days = Set(previousDays)
                if reader.kind == .summarySales {
                    let written = try await Self.writeSales(
                        from: reader, first: first, reportID: reportID, driver: driver, path: path, progress: progress)
                    rows = written.rows
                    days.formUnion(written.days.map(\.isoText))
                    try await Self.upsertApps(written.apps, accountID: accountID, on: connection)
                } else {
                    rows = firstRecord == nil ? 0 : 1
                    while try reader.nextRecord() != nil { rows += 1 }
                }
                progress?(rows)
                if backend == .postgres, rows > 10_000 {
                    // Fresh statistics, so the rollup query groups with a hash table, not a sort.
                    try await connection.raw("ANALYZE sales_facts").run()
                }
                let factsWritten = ContinuousClock.now
                logger.debug("facts written", metadata: ["rows": "\(rows)", "seconds": "\(factsWritten - started)"])
                let rolledUp = identity.type == "Sales" && identity.frequency == "Daily" ? days.sorted() : []
                try await DailyRollups.recompute(accountID: accountID, days: rolledUp, backend: backend, on: connection)
                logger.debug(
                    "rollups recomputed",
                    metadata: ["days": "\(rolledUp.count)", "seconds": "\(ContinuousClock.now - factsWritten)"])
                let state =
                    previous?.sha256 != nil && previous?.sha256 != sha ? "restated" : rows == 0 ? "empty" : "fetched"
                try await connection.raw(
                    """
                    UPDATE report_ledger SET state = \(bind: state), error_code = NULL, fetched_at = \(bind: now),
                        row_count = \(bind: rows), sha256 = \(bind: sha)
                    WHERE id = \(bind: reportID)
                    """
                ).run()
                return Result(
                    identity: identity, outcome: state == "restated" ? .restated(rows: rows) : .ingested(rows: rows),
                    days: rolledUp)
            }
        }
    }

    /// Streams a Sales report's rows into `sales_facts`; returns the row count, the days seen and
    /// the apps named (with the Apple ID and title of their app rows).
    private static func writeSales(
        from reader: ReportReader, first: SalesRow?, reportID: Int64, driver: OrchardDatabase.DriverConnection,
        path: String, progress: (@Sendable (Int) -> Void)?
    ) async throws -> (rows: Int, days: Set<ReportDate>, apps: [String: (appleIdentifier: String?, title: String?)]) {
        var facts = BulkWriter(connection: driver, table: "sales_facts", columns: Self.factColumns)
        var apps: [String: (appleIdentifier: String?, title: String?)] = [:]
        var days = Set<ReportDate>()
        var rows = 0
        var lastDay: ReportDate? = nil
        var lastApp = ""
        var lastAppRow = ""
        var row = first
        do {
            while let current = row {
                try await facts.append(Self.factValues(current, reportID: reportID, file: path))
                // Rows come grouped by day and app: skip the set and dictionary when nothing changed.
                if current.beginDate != lastDay {
                    lastDay = current.beginDate
                    days.insert(current.beginDate)
                }
                let appSKU = current.appSKU
                if current.productType.bucket.isAppRow {
                    if appSKU != lastAppRow {
                        lastAppRow = appSKU
                        apps[appSKU] = (current.appleIdentifier, current.title)
                    }
                } else if appSKU != lastApp {
                    lastApp = appSKU
                    if apps[appSKU] == nil { apps[appSKU] = (nil, nil) }
                }
                rows += 1
                if rows % 50_000 == 0 { progress?(rows) }
                row = try reader.nextSalesRow()
            }
            try await facts.flush()
        } catch {
            // Nothing may write into the transaction after it is rolled back.
            await facts.abandon()
            throw error
        }
        return (rows, days, apps)
    }

    private static func identity(
        reader: ReportReader, first: SalesRow?, firstRecord: ReportRecord?, fileName: ReportIdentity.FileName,
        path: String, accountNumber: String, vendor: String?
    ) throws -> ReportIdentity {
        let (type, subtype) = ReportIdentity.typeAndSubtype(of: reader.kind)
        let frequency: String
        let date: String
        if let first {
            frequency = ReportIdentity.frequency(begin: first.beginDate, end: first.endDate)
            date = first.beginDate.isoText
        } else if let record = firstRecord,
            let start = ["Start Date", "Event Date", "Date", "Transaction Date"].lazy.compactMap({ record.date($0) })
                .first
        {
            // Financial reports cover Apple's fiscal periods; subscription reports are daily.
            frequency = reader.kind == .financial ? "Fiscal" : "Daily"
            date = start.isoText
        } else if let named = fileName.date, let namedFrequency = fileName.frequency {
            frequency = namedFrequency
            date = named
        } else {
            throw Failure.cannotTellDate(file: path)
        }
        return ReportIdentity(
            accountNumber: accountNumber, vendor: vendor ?? fileName.vendor ?? "unknown", type: type, subtype: subtype,
            frequency: frequency, date: date, version: fileName.version ?? (type == "Sales" ? "1_0" : "1_3"))
    }

    private static func factValues(_ row: SalesRow, reportID: Int64, file: String) throws -> [BulkValue] {
        guard let proceeds = Int64(exactly: row.developerProceeds.millionths),
            let price = Int64(exactly: row.customerPrice.millionths)
        else { throw Failure.amountOutOfRange(file: file, line: row.line) }
        return [
            .integer(reportID), .integer(Int64(row.line)), .text(row.beginDate.isoText), .text(row.appSKU),
            .text(row.sku), .text(row.productType.identifier), .text(row.productType.bucket.rawValue),
            .integer(row.units), .integer(proceeds), .text(row.proceedsCurrency), .integer(price),
            .text(row.customerCurrency), .text(row.countryCode), .text(row.device),
        ]
    }

    private static func ensureAccount(_ number: String, now: Date, on connection: any SQLDatabase) async throws -> Int64
    {
        try await connection.raw(
            """
            INSERT INTO store_accounts (number, name, first_seen_at) VALUES (\(bind: number), \(bind: number), \(bind: now))
            ON CONFLICT (number) DO NOTHING
            """
        ).run()
        return try await connection.raw("SELECT id FROM store_accounts WHERE number = \(bind: number)").first()!
            .decode(column: "id", as: Int64.self)
    }

    private static func ledgerRow(_ identity: ReportIdentity, accountID: Int64, on connection: any SQLDatabase)
        async throws -> (state: String, sha256: String?)?
    {
        guard
            let row = try await connection.raw(
                "SELECT state, sha256 FROM report_ledger WHERE " + ReportLedger.matching(identity, accountID: accountID)
            ).first()
        else { return nil }
        return (try row.decode(column: "state", as: String.self), try row.decode(column: "sha256", as: String?.self))
    }

    private static func upsertLedger(_ identity: ReportIdentity, accountID: Int64, on connection: any SQLDatabase)
        async throws -> Int64
    {
        try await ReportLedger.upsert(identity, accountID: accountID, state: "fetched", errorCode: nil, on: connection)
    }

    private static func upsertApps(
        _ apps: [String: (appleIdentifier: String?, title: String?)], accountID: Int64, on connection: any SQLDatabase
    ) async throws {
        for (sku, app) in apps.sorted(by: { $0.key < $1.key }) {
            try await connection.raw(
                """
                INSERT INTO apps (store_account_id, sku, apple_identifier, title)
                VALUES (\(bind: accountID), \(bind: sku), \(bind: app.appleIdentifier), \(bind: app.title))
                ON CONFLICT (store_account_id, sku) DO UPDATE SET
                    apple_identifier = COALESCE(excluded.apple_identifier, apps.apple_identifier),
                    title = COALESCE(excluded.title, apps.title)
                """
            ).run()
        }
    }
}
