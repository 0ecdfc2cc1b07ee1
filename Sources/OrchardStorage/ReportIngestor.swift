package import Foundation
package import Logging
import SQLKit
package import SalesReports

/// Ingests one report (docs/ARCHITECTURE.md, ingestion): parse with SalesReports on a thread of its own, then in
/// one transaction, serialised per store account, replace that report's facts, refresh the apps it
/// names, recompute the rollups of the days it touches and record the ledger row. Re-ingesting the
/// same bytes changes nothing; different bytes for the same report replace the old rows and mark it
/// `restated`; a failure at any point leaves the previous state, with nothing of it visible.
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
        package var days: [ReportDate]
    }

    package enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case cannotTellDate(file: String)
        case wrongReport(file: String, expected: String, found: String)

        package var description: String {
            switch self {
            case .cannotTellDate(let file):
                "\(file): cannot tell which day the report is for; name it as Apple does (S_D_<vendor>_<yyyymmdd>.txt.gz)"
            case .wrongReport(let file, let expected, let found):
                "\(file): expected \(expected) but the file is \(found); nothing was ingested"
            }
        }
    }

    let database: OrchardDatabase
    let archive: ReportArchive?
    let logger: Logger

    package init(database: OrchardDatabase, archive: ReportArchive?, logger: Logger = Logger(label: "orchard.ingest")) {
        self.database = database
        self.archive = archive
        self.logger = logger
    }

    /// Ingests a report whose identity the caller knows (the sync, from its request to Apple):
    /// nothing is guessed from a file name. The file must be that report: its kind, and for Sales
    /// reports its first day and period, are checked against `identity`.
    ///
    /// - Parameters:
    ///   - force: parse and replace even when the bytes are unchanged (after a parser fix).
    ///   - progress: called with the number of rows written so far, after each batch.
    package func ingest(
        _ source: ReportSource, identity: ReportIdentity, now: Date, force: Bool = false,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Result {
        // The daily sync downloads its restatement window again every day and nearly all of it is
        // unchanged: bytes the ledger already holds are recognised by a read, with no parse and no
        // write transaction.
        if !force, case .bytes(let data, _) = source {
            let sha256 = RawReportStore.hash(data: data)
            if let previous = try await ledgerRow(identity), previous.sha256 == sha256, previous.state.hasContent {
                return Result(identity: identity, outcome: .unchanged, days: [])
            }
        }
        return try await ingest(source, now: now, force: force, progress: progress) { head in
            try Self.check(head, against: identity, file: source.name)
            return identity
        }
    }

    /// Ingests a report file for `accountNumber`, telling its identity from its rows and Apple's file
    /// name (`orchard import`).
    ///
    /// - Parameters:
    ///   - vendor: the vendor number when the file name does not say it.
    package func ingest(
        path: String, accountNumber: String, vendor: String? = nil, now: Date, force: Bool = false,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Result {
        try await ingest(.file(path: path), now: now, force: force, progress: progress) { head in
            try Self.identity(of: head, path: path, accountNumber: accountNumber, vendor: vendor)
        }
    }

    /// Parses a stored raw file again for its ledger identity and replaces the report's rows.
    package func reparse(path: String, identity: ReportIdentity, now: Date) async throws -> Result {
        try await ingest(.file(path: path), identity: identity, now: now, force: true)
    }

    private func ingest(
        _ source: ReportSource, now: Date, force: Bool, progress: (@Sendable (Int) -> Void)?,
        identify: (ReportParseThread.Head) throws -> ReportIdentity
    ) async throws -> Result {
        let parse = ReportParseThread.start(
            source: source, rawStore: archive?.directoryStore, backend: database.backend)
        // Whatever happens below, the parse thread ends.
        defer { parse.cancel() }
        guard case .head(let head) = try await parse.next() else {
            preconditionFailure("a report's parse starts with its head")
        }
        let identity = try identify(head)
        let backend = database.backend
        let logger = logger
        return try await database.withDriverTransaction { driver, connection in
            do {
                let accountID = try await Self.lockAccount(
                    identity.accountNumber, now: now, backend: backend, on: connection)
                let previous = try await Self.ledgerRow(identity, accountID: accountID, on: connection)
                if !force, let previous, previous.sha256 == head.sha256, previous.state.hasContent {
                    return Result(identity: identity, outcome: .unchanged, days: [])
                }
                let reportID = try await ReportLedger.upsert(
                    identity, accountID: accountID, state: .fetched, on: connection)
                // A report new to the ledger has a new id and so no rows yet: nothing to read or delete
                // (the daily sync's new day, every day for every account; on PostgreSQL both statements
                // scan the facts' block-range index, whose newest ranges are not summarised yet).
                let isNew = previous == nil
                let previousDays =
                    identity.isDailySales && !isNew ? try await Self.factDays(of: reportID, on: connection) : []
                // Event Dates whose sums change with this report (its old rows', another version's).
                var touched: Set<String> = []
                if identity.type.isSubscription {
                    touched = try await Self.clearSubscription(identity, reportID: reportID, on: connection)
                } else if !isNew {
                    try await Self.deleteRows(of: reportID, type: identity.type, on: connection)
                }

                let started = ContinuousClock.now
                parse.start(.init(reportID: reportID, accountID: accountID, day: identity.date))
                let table = ReportParseThread.table(for: head.kind) ?? ReportParseThread.table(for: .summarySales)!
                var facts = BulkWriter(connection: driver, table: table.name, columns: table.columns)
                var tally = ReportParseThread.Tally()
                do {
                    while let event = try await parse.next() {
                        switch event {
                        case .head: preconditionFailure("a report's parse has one head")
                        case .batch(let batch):
                            try await facts.write(batch)
                            progress?(facts.written)
                        case .end(let end): tally = end
                        }
                    }
                    try await facts.flush()
                } catch {
                    // Nothing may write into the transaction after it is rolled back.
                    await facts.abandon()
                    throw error
                }
                if identity.isDailySales, tally.days.count > 1 {
                    throw Failure.wrongReport(
                        file: source.name, expected: "a daily report of \(identity.date.isoText)",
                        found: "rows for \(tally.days.count) days")
                }
                try await Self.upsertApps(tally.apps, accountID: accountID, on: connection)
                try await Self.upsertProducts(tally.products, accountID: accountID, on: connection)
                let factsWritten = ContinuousClock.now
                logger.debug(
                    "facts written", metadata: ["rows": "\(tally.rows)", "seconds": "\(factsWritten - started)"])
                // The ledger row is complete before the rollups choose their reports from it.
                let restated = previous?.sha256 != nil && previous?.sha256 != head.sha256
                let state: LedgerState = restated ? .restated : tally.rows == 0 ? .empty : .fetched
                try await connection.raw(
                    """
                    UPDATE report_ledger SET state = \(bind: state.storedName), error_code = NULL, error_message = NULL,
                        fetched_at = \(bind: now), row_count = \(bind: tally.rows), sha256 = \(bind: head.sha256)
                    WHERE id = \(bind: reportID)
                    """
                ).run()
                try await archive?.keep(source, sha256: head.sha256, now: now, on: connection)
                if identity.type.isSubscription {
                    try await Self.refreshSubscriptionDays(
                        identity, reportID: reportID, accountID: accountID, touched: touched, on: connection)
                }
                // Cached subscription and payouts answers of this account are now stale, and so are its apps'
                // names after a weekly or monthly sales report (a daily one's rollups raise the version).
                if identity.type.isSubscription || identity.type == .financial
                    || (identity.type == .sales && !identity.isDailySales)
                {
                    try await Self.raiseVersion(of: accountID, on: connection)
                }
                let days = identity.isDailySales ? tally.days.union(previousDays).sorted() : []
                let ownSlices = try await DailyRollups.recompute(
                    accountID: accountID, days: days, backend: backend, on: connection,
                    own: tally.rollups.map { .init(reportID: reportID, rows: $0, driver: driver) },
                    freshStatistics: tally.rows > 10_000)
                logger.debug(
                    "rollups recomputed",
                    metadata: [
                        "days": "\(days.count)", "slicedFromRows": "\(ownSlices)",
                        "seconds": "\(ContinuousClock.now - factsWritten)",
                    ])
                return Result(
                    identity: identity,
                    outcome: restated ? .restated(rows: tally.rows) : .ingested(rows: tally.rows), days: days)
            }
        }
    }

    /// Records Apple's "no sales" (Reporter 213) for a report: a known zero. When the report had rows
    /// (Apple restated a day that had sales to none), they go as an empty file's would: in one
    /// transaction under the account's lock the facts are deleted, the ledger row becomes `empty` with
    /// no file, and the rollups of the days they covered are recomputed; then the raw file is removed
    /// when no ledger row names it any more. Returns the days recomputed.
    @discardableResult
    package func recordNoSales(_ identity: ReportIdentity, now: Date) async throws -> [ReportDate] {
        // Most days without sales never had any: recorded without the account's lock.
        // A subscription report may have had rows under another version of the day: the locked path
        // replaces them.
        // A Financial report's "no sales" changes a month's status (docs/PAYOUTS.md): the locked path
        // makes cached payouts stale.
        let hadFile =
            identity.type.isSubscription || identity.type == .financial
            ? true : try await ledgerRow(identity)?.sha256 != nil
        guard hadFile else {
            try await ReportLedger(database: database).record(identity, state: .empty, now: now)
            return []
        }
        let backend = database.backend
        let (days, file): ([ReportDate], String?) = try await database.withTransaction { connection in
            let accountID = try await Self.lockAccount(
                identity.accountNumber, now: now, backend: backend, on: connection)
            let previous = try await Self.ledgerRow(identity, accountID: accountID, on: connection)
            let reportID = try await ReportLedger.upsert(identity, accountID: accountID, state: .empty, on: connection)
            let previousDays = identity.isDailySales ? try await Self.factDays(of: reportID, on: connection) : []
            if identity.type.isSubscription {
                let touched = try await Self.clearSubscription(identity, reportID: reportID, on: connection)
                try await Self.refreshSubscriptionDays(
                    identity, reportID: reportID, accountID: accountID, touched: touched, on: connection)
                try await Self.raiseVersion(of: accountID, on: connection)
            } else {
                try await Self.deleteRows(of: reportID, type: identity.type, on: connection)
                if identity.type == .financial { try await Self.raiseVersion(of: accountID, on: connection) }
            }
            try await connection.raw(
                """
                UPDATE report_ledger SET state = \(bind: LedgerState.empty.storedName), error_code = NULL,
                    error_message = NULL, fetched_at = \(bind: now), row_count = 0, sha256 = NULL
                WHERE id = \(bind: reportID)
                """
            ).run()
            let days = identity.isDailySales ? previousDays.sorted() : []
            try await DailyRollups.recompute(accountID: accountID, days: days, backend: backend, on: connection)
            guard let sha256 = previous?.sha256,
                try await connection.raw("SELECT id FROM report_ledger WHERE sha256 = \(bind: sha256)").first() == nil
            else { return (days, nil) }
            try await archive?.forget([sha256], on: connection)
            return (days, sha256)
        }
        if let file { archive?.removeFiles([file]) }
        if !days.isEmpty {
            logger.info(
                "report restated to no sales: its rows are gone",
                metadata: ["report": "\(identity)", "days": "\(days.map(\.isoText))"])
        }
        return days
    }

    /// The days a report's stored facts cover (a Daily Sales report's rollups are recomputed for them).
    static func factDays(of reportID: Int64, on connection: any SQLDatabase) async throws -> [ReportDate] {
        try await connection.raw("SELECT DISTINCT day FROM sales_facts WHERE report_id = \(bind: reportID)").all()
            .map { try ReportDate(stored: try $0.decode(column: "day", as: String.self), column: "day") }
    }

    /// Makes cached answers about the account stale (``MetricsCache``) without changing a day's store
    /// metrics (``MetricChanges``).
    static func raiseVersion(of accountID: Int64, on connection: any SQLDatabase) async throws {
        try await MetricChanges.raise(accountID, days: nil, on: connection)
    }

    /// Deletes the rows a report's earlier ingestion wrote.
    static func deleteRows(of reportID: Int64, type: ReportType, on connection: any SQLDatabase) async throws {
        let table: String
        switch type {
        case .sales: table = "sales_facts"
        case .subscription: table = "subscription_states"
        case .subscriptionEvent: table = "subscription_events"
        case .financial: table = "financial_lines"
        case .subscriber: return
        }
        try await connection.raw("DELETE FROM " + SQLQueryString(table) + " WHERE report_id = \(bind: reportID)").run()
    }

    /// Deletes a subscription report's earlier rows, and those and the ledger row of the same day
    /// in another version (Apple moved to a newer one: no day counts twice). Returns the Event
    /// Dates the deleted event rows had, whose sums are recomputed.
    static func clearSubscription(_ identity: ReportIdentity, reportID: Int64, on connection: any SQLDatabase)
        async throws -> Set<String>
    {
        let others = try await connection.raw(
            """
            SELECT o.id FROM report_ledger o JOIN report_ledger r ON r.id = \(bind: reportID)
            WHERE o.store_account_id = r.store_account_id AND o.vendor = r.vendor AND o.report_type = r.report_type
              AND o.report_subtype = r.report_subtype AND o.frequency = r.frequency AND o.report_date = r.report_date
              AND o.id <> r.id
            """
        ).all().map { try $0.decode(column: "id", as: Int64.self) }
        let touched =
            identity.type == .subscriptionEvent
            ? try await SubscriptionDays.eventDates(of: [reportID] + others, on: connection) : []
        try await deleteRows(of: reportID, type: identity.type, on: connection)
        for other in others {
            try await deleteRows(of: other, type: identity.type, on: connection)
            try await connection.raw("DELETE FROM report_ledger WHERE id = \(bind: other)").run()
        }
        return touched
    }

    /// Recomputes the day sums a subscription report changed: the Subscription report's day, or
    /// every Event Date its rows (and the rows it replaced) have.
    static func refreshSubscriptionDays(
        _ identity: ReportIdentity, reportID: Int64, accountID: Int64, touched: Set<String>,
        on connection: any SQLDatabase
    ) async throws {
        switch identity.type {
        case .subscription:
            try await SubscriptionDays.recomputeStates(accountID: accountID, day: identity.date.isoText, on: connection)
        case .subscriptionEvent:
            let dates = touched.union(try await SubscriptionDays.eventDates(of: [reportID], on: connection))
            try await SubscriptionDays.recomputeEvents(accountID: accountID, dates: dates, on: connection)
        default:
            break
        }
    }

    /// The identity a file tells: its kind, its first row's dates, and Apple's file name.
    static func identity(
        of head: ReportParseThread.Head, path: String, accountNumber: String, vendor: String?
    ) throws -> ReportIdentity {
        let fileName = ReportIdentity.parseFileName(path)
        let type = ReportType(head.kind)
        let frequency: ReportFrequency
        let date: ReportDate
        if let dates = head.firstSalesDates {
            frequency = ReportFrequency(begin: dates.begin, end: dates.end)
            date = dates.begin
        } else if let start = head.firstRecordDate {
            // Financial reports cover Apple's fiscal periods; subscription reports are daily.
            frequency = type == .financial ? .fiscal : .daily
            date = start
        } else if let named = fileName.date, let namedFrequency = fileName.frequency {
            frequency = namedFrequency
            date = named
        } else {
            throw Failure.cannotTellDate(file: path)
        }
        return ReportIdentity(
            accountNumber: accountNumber, vendor: vendor ?? fileName.vendor ?? ReportIdentity.unknownVendor,
            type: type, subtype: type == .financial ? fileName.region ?? ReportIdentity.allRegions : nil,
            frequency: frequency, date: date, version: fileName.version)
    }

    /// Refuses a file that is not the report the caller asked Apple for.
    static func check(_ head: ReportParseThread.Head, against identity: ReportIdentity, file: String) throws {
        let type = ReportType(head.kind)
        guard type == identity.type else {
            throw Failure.wrongReport(
                file: file, expected: "a \(identity.type.rawValue) report", found: "\(type.rawValue)")
        }
        if type == .financial, let start = head.firstRecordDate, start != identity.date {
            throw Failure.wrongReport(
                file: file, expected: "the fiscal month from \(identity.date.isoText)",
                found: "rows from \(start.isoText)")
        }
        if let dates = head.firstSalesDates {
            let frequency = ReportFrequency(begin: dates.begin, end: dates.end)
            guard frequency == identity.frequency, dates.begin == identity.date else {
                throw Failure.wrongReport(
                    file: file, expected: "\(identity.frequency.rawValue) from \(identity.date.isoText)",
                    found: "\(frequency.rawValue) from \(dates.begin.isoText)")
            }
        }
    }

    /// Makes sure the store account exists and takes its row lock for the transaction: ingestions
    /// of one account are serialised, so concurrent recomputes of a day's rollups never miss or
    /// double another vendor's facts. (SQLite's `BEGIN IMMEDIATE` already serialises writers.)
    private static func lockAccount(
        _ number: String, now: Date, backend: OrchardDatabase.Backend, on connection: any SQLDatabase
    ) async throws -> Int64 {
        try await connection.raw(
            """
            INSERT INTO store_accounts (number, name, first_seen_at) VALUES (\(bind: number), \(bind: number), \(bind: now))
            ON CONFLICT (number) DO NOTHING
            """
        ).run()
        // NO KEY UPDATE: serialises ingestions of the account without blocking rows that only
        // reference it (a job queued for the account takes KEY SHARE).
        let lock: SQLQueryString = backend == .postgres ? " FOR NO KEY UPDATE" : ""
        return try await connection.raw("SELECT id FROM store_accounts WHERE number = \(bind: number)" + lock).first()!
            .decode(column: "id", as: Int64.self)
    }

    /// The ledger row of `identity`, read without a lock; `nil` when there is none.
    private func ledgerRow(_ identity: ReportIdentity) async throws -> (state: LedgerState, sha256: String?)? {
        try await database.withConnection { connection in
            guard
                let accountID = try await connection.raw(
                    "SELECT id FROM store_accounts WHERE number = \(bind: identity.accountNumber)"
                ).first()?.decode(column: "id", as: Int64.self)
            else { return nil }
            return try await Self.ledgerRow(identity, accountID: accountID, on: connection)
        }
    }

    private static func ledgerRow(_ identity: ReportIdentity, accountID: Int64, on connection: any SQLDatabase)
        async throws -> (state: LedgerState, sha256: String?)?
    {
        guard
            let row = try await connection.raw(
                "SELECT state, error_code, sha256 FROM report_ledger WHERE "
                    + ReportLedger.matching(identity, accountID: accountID)
            ).first()
        else { return nil }
        let state = try LedgerState(
            storedName: try row.decode(column: "state", as: String.self),
            errorCode: try row.decode(column: "error_code", as: String?.self))
        return (state, try row.decode(column: "sha256", as: String?.self))
    }

    /// Keeps each in-app purchase's app, title and type (the newest report's).
    private static func upsertProducts(
        _ products: [String: ReportParseThread.Product], accountID: Int64, on connection: any SQLDatabase
    ) async throws {
        for (sku, product) in products.sorted(by: { $0.key < $1.key }) {
            try await connection.raw(
                """
                INSERT INTO products (store_account_id, sku, app_sku, title, product_type)
                VALUES (\(bind: accountID), \(bind: sku), \(bind: product.appSKU), \(bind: product.title),
                    \(bind: product.productType))
                ON CONFLICT (store_account_id, sku) DO UPDATE SET app_sku = excluded.app_sku,
                    title = CASE WHEN excluded.title = '' THEN products.title ELSE excluded.title END,
                    product_type = excluded.product_type
                """
            ).run()
        }
    }

    private static func upsertApps(
        _ apps: [String: ReportParseThread.AppName], accountID: Int64, on connection: any SQLDatabase
    ) async throws {
        for (sku, app) in apps.sorted(by: { $0.key < $1.key }) {
            let appleIdentifier = app.appleIdentifier.flatMap { $0.isEmpty ? nil : $0 }
            let title = app.title.flatMap { $0.isEmpty ? nil : $0 }
            try await connection.raw(
                """
                INSERT INTO apps (store_account_id, sku, apple_identifier, title)
                VALUES (\(bind: accountID), \(bind: sku), \(bind: appleIdentifier), \(bind: title))
                ON CONFLICT (store_account_id, sku) DO UPDATE SET
                    apple_identifier = COALESCE(excluded.apple_identifier, apps.apple_identifier),
                    title = COALESCE(excluded.title, apps.title)
                """
            ).run()
        }
    }
}
