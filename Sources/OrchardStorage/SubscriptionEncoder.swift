import SalesReports

/// Encodes the rows of a Subscription report as `subscription_states` rows and those of a
/// Subscription Event report as `subscription_events` rows, by the definitions of
/// docs/SUBSCRIPTIONS.md: subscriber counts by column name, monthly recurring revenue in exact
/// twelfths of millionths, each event with its class. Columns Orchard does not know stay in the
/// raw file, in the archive.
struct SubscriptionEncoder {
    static let stateColumns = [
        "report_id", "line", "store_account_id", "day", "app_apple_id", "app_name", "subscription_apple_id",
        "subscription_name", "duration", "country", "proceeds_currency", "proceeds_micros", "paid", "trials",
        "billing_retry", "grace_period", "mrr_twelfths",
    ]
    static let eventColumns = [
        "report_id", "line", "store_account_id", "event_date", "event", "category", "app_apple_id",
        "subscription_apple_id", "subscription_name", "country", "offer_type", "original_start_date", "quantity",
    ]

    var encoder: BulkEncoder
    let start: ReportParseThread.Start
    let kind: ReportKind
    let counts: SubscriptionDefinitions.CountColumns
    let file: String
    private let dayText: String

    init(backend: OrchardDatabase.Backend, start: ReportParseThread.Start, header: ReportHeader, file: String) {
        kind = header.kind
        encoder = BulkEncoder(
            backend: backend,
            columnCount: kind == .subscription ? Self.stateColumns.count : Self.eventColumns.count)
        self.start = start
        counts = SubscriptionDefinitions.CountColumns(header)
        self.file = file
        dayText = start.day.isoText
    }

    /// Adds one row; `true` when a batch is full.
    mutating func add(_ record: ReportRecord) throws(ReportError) -> Bool {
        do {
            switch kind {
            case .subscription: try addState(record)
            default: try addEvent(record)
            }
        } catch let error as ReportError {
            throw ReportError(
                file: file, line: record.line, column: error.column, reason: error.reason, message: error.message)
        } catch {
            throw ReportError(file: file, line: record.line, reason: .badText, message: "\(error)")
        }
        return encoder.endRow()
    }

    private mutating func addState(_ record: ReportRecord) throws {
        let counts = try counts.counts(of: record)
        let proceeds = record.decimal("Developer Proceeds")?.magnitude ?? .zero
        guard let proceedsMicros = Int64(exactly: proceeds.millionths) else {
            throw ReportError(
                file: file, line: record.line, reason: .overflow, message: "Developer Proceeds is too large")
        }
        let duration = record.text("Standard Subscription Duration")
        // An unknown duration is stored without a revenue figure: the account page names it.
        var mrr: Int64?
        if let twelfths = SubscriptionDefinitions.monthTwelfths(duration: duration) {
            let (perPeriod, overflowA) = counts.paid.multipliedReportingOverflow(by: proceedsMicros)
            let (monthly, overflowB) = perPeriod.multipliedReportingOverflow(by: twelfths)
            guard !overflowA, !overflowB else {
                throw ReportError(
                    file: file, line: record.line, reason: .overflow,
                    message: "subscribers × Developer Proceeds is too large to store exactly")
            }
            mrr = monthly
        } else if counts.paid == 0 {
            mrr = 0
        }
        encoder.append(integer: start.reportID)
        encoder.append(integer: Int64(record.line))
        encoder.append(integer: start.accountID)
        try encoder.append(text: dayText)
        try encoder.append(text: record.text("App Apple ID"))
        try encoder.append(text: record.text("App Name"))
        try encoder.append(text: record.text("Subscription Apple ID"))
        try encoder.append(text: record.text("Subscription Name"))
        try encoder.append(text: duration)
        try encoder.append(text: record.text("Country").uppercased())
        try encoder.append(text: record.text("Proceeds Currency").uppercased())
        encoder.append(integer: proceedsMicros)
        encoder.append(integer: counts.paid)
        encoder.append(integer: counts.trials)
        encoder.append(integer: counts.billingRetry)
        encoder.append(integer: counts.gracePeriod)
        if let mrr { encoder.append(integer: mrr) } else { encoder.appendNull() }
    }

    private mutating func addEvent(_ record: ReportRecord) throws {
        let event = record.text("Event")
        let offer = record.text("Subscription Offer Type")
        let eventClass = SubscriptionDefinitions.classify(event: event, offerType: offer)
        guard let date = record.date("Event Date") else {
            throw ReportError(file: file, line: record.line, reason: .missingValue, message: "Event Date is blank")
        }
        encoder.append(integer: start.reportID)
        encoder.append(integer: Int64(record.line))
        encoder.append(integer: start.accountID)
        try encoder.append(text: date.isoText)
        try encoder.append(text: event)
        try encoder.append(text: eventClass.rawValue)
        try encoder.append(text: record.text("App Apple ID"))
        try encoder.append(text: record.text("Subscription Apple ID"))
        try encoder.append(text: record.text("Subscription Name"))
        try encoder.append(text: record.text("Country").uppercased())
        try encoder.append(text: offer)
        if let original = record.date("Original Start Date") {
            try encoder.append(text: original.isoText)
        } else {
            encoder.appendNull()
        }
        encoder.append(integer: record.integer("Quantity") ?? 0)
    }
}
