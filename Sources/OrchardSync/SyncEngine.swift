package import AppStoreConnect
package import Foundation
package import Logging
import Metrics
package import OrchardStorage
package import SalesReports

/// The sync engine of docs/STATUSES.md and docs/JOBS.md: invitation checks (activation, expiry,
/// revocation), backfill, the daily sync and purges, as job handlers. Every Apple request goes
/// through the service identity's token and the worker's ``RequestLimiter``; every report through
/// ``ReportIngestor`` under the identity it was asked for.
package struct SyncEngine: Sendable {
    let database: OrchardDatabase
    let reporter: ReporterClient
    let service: ServiceIdentity
    let settings: SyncSettings
    let limiter: RequestLimiter
    let ingestor: ReportIngestor
    let archive: ReportArchive?
    let queue: JobQueue
    let accounts: StoreAccountStore
    let integrations: IntegrationStore
    let ledger: ReportLedger
    let versions: ReportVersions
    let now: @Sendable () -> Date
    let logger: Logger

    package init(
        database: OrchardDatabase, reporter: ReporterClient, service: ServiceIdentity, settings: SyncSettings,
        archive: ReportArchive?, limiter: RequestLimiter? = nil, queue: JobQueue? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "orchard.sync")
    ) {
        self.database = database
        self.reporter = reporter
        self.service = service
        self.settings = settings
        self.limiter =
            limiter ?? RequestLimiter(limit: settings.concurrency, perAccount: settings.perAccountConcurrency)
        self.ingestor = ReportIngestor(database: database, archive: archive, logger: logger)
        self.archive = archive
        self.queue = queue ?? JobQueue(database: database)
        self.accounts = StoreAccountStore(database: database)
        self.integrations = IntegrationStore(database: database)
        self.ledger = ReportLedger(database: database)
        self.versions = ReportVersions(database: database)
        self.now = now
        self.logger = logger
    }

    /// The newest report day Apple may have published (``ReportCalendar``).
    package func latestReportDay() -> ReportDate {
        ReportCalendar.latestDay(at: now())
    }

    // MARK: - Apple, politely

    /// Sends one Reporter request for `account` through the limiter, counting it by outcome; a
    /// refused service token is recorded (all syncing stops) and rate limits pause every request.
    func askApple<Result: Sendable>(
        _ command: String, account: String, credential: ServiceIdentity.Credential,
        _ body: @Sendable @escaping (ReporterAccessToken) async throws -> Result
    ) async throws -> Result {
        do {
            let result = try await limiter.run(account: account) { try await body(credential.token) }
            Counter(label: "orchard_apple_requests_total", dimensions: [("command", command), ("outcome", "ok")])
                .increment()
            if credential.retesting { try await service.recordAcceptance(of: credential, logger: logger) }
            return result
        } catch let error as ReporterError {
            Counter(
                label: "orchard_apple_requests_total",
                dimensions: [("command", command), ("outcome", error.metricCode)]
            ).increment()
            switch error {
            case .invalidToken, .expiredToken:
                try await service.recordRefusal(error, of: credential, now: now(), logger: logger)
                throw JobPostponed(
                    until: now().addingTimeInterval(settings.unusableTokenRetry),
                    reason: "Apple refused the service access token (\(error))")
            case .rateLimited(let retryAfter):
                let wait = retryAfter ?? .seconds(60)
                await limiter.pause(for: wait)
                throw SyncFailure(message: error.description, retryAfter: TimeInterval(wait.components.seconds))
            default:
                throw error
            }
        }
    }

    /// The service identity's token, or the job waits.
    func credential() async throws -> ServiceIdentity.Credential {
        do {
            return try await service.usableCredential(now: now())
        } catch let unusable as ServiceIdentity.Unusable {
            throw JobPostponed(until: now().addingTimeInterval(settings.unusableTokenRetry), reason: unusable.reason)
        }
    }

    // MARK: - One report

    /// What fetching one report came to.
    package enum FetchOutcome: Sendable, Equatable {
        case ingested(rows: Int)
        case restated(rows: Int)
        case unchanged
        /// Apple has no sales for it (213): recorded as an empty day.
        case empty
        /// Apple has not published it yet (210).
        case notPublishedYet
        /// Older than Apple keeps.
        case tooOld
        /// Recorded as failed for this report, with why; other reports go on.
        case failed(String)
    }

    /// Fetches one report with the service token and ingests it under `identity`. A file that does
    /// not parse is downloaded again, `parseAttempts` times in all, then recorded as failed with the
    /// parser's message; nothing of it is ever visible.
    ///
    /// A subscription report is asked for in ``ReportIdentity/version``; when Apple refuses it and
    /// names the latest version, that one is remembered for every worker and asked for at once.
    package func fetch(_ identity: ReportIdentity, credential: ServiceIdentity.Credential, negotiated: Bool = false)
        async throws -> FetchOutcome
    {
        var lastProblem = ""
        for attempt in 1...max(1, settings.parseAttempts) {
            let file: ReportFile
            do {
                file = try await download(identity, credential: credential)
            } catch let error as ReporterError {
                if identity.type.isSubscription, !negotiated, let latest = error.latestVersion,
                    latest != identity.version
                {
                    try await versions.remember(latest, for: identity.type)
                    logger.notice(
                        "Apple named a newer report version; asking for it from now on",
                        metadata: ["type": "\(identity.type.rawValue)", "version": "\(latest)"])
                    var newer = identity
                    newer.version = latest
                    return try await fetch(newer, credential: credential, negotiated: true)
                }
                switch error {
                case .noSales:
                    // A known zero; a day that had sales is restated to none.
                    try await ingestor.recordNoSales(identity, now: now())
                    return .empty
                case .notAvailableYet:
                    try await ledger.record(identity, state: .notPublishedYet, now: now())
                    return .notPublishedYet
                case .reportTooOld(let message):
                    try await ledger.record(identity, state: .failed(.reportTooOld), message: message, now: now())
                    return .tooOld
                case .invalidVendor, .invalidParameters, .accountRequired, .unexpectedResponse:
                    let failure: LedgerFailure =
                        switch error {
                        case .invalidVendor: .invalidVendor
                        case .accountRequired: .accountRequired
                        case .invalidParameters: .invalidParameters
                        default: .unexpectedResponse
                        }
                    try await ledger.record(identity, state: .failed(failure), message: error.description, now: now())
                    return .failed(error.description)
                default:
                    // Apple unavailable, the connection broken (after the client's retries), or the
                    // account no longer visible: the job fails and is tried again later.
                    throw error
                }
            }
            do {
                let result = try await ingestor.ingest(
                    .bytes(file.gzipData, name: file.fileName), identity: identity, now: now())
                switch result.outcome {
                case .ingested(let rows): return .ingested(rows: rows)
                case .restated(let rows): return .restated(rows: rows)
                case .unchanged: return .unchanged
                }
            } catch let error where Self.isMalformed(error) {
                lastProblem = String(describing: error)
                Counter(label: "orchard_reports_malformed_total").increment()
                logger.warning(
                    "report does not parse; downloading it again",
                    metadata: ["report": "\(identity)", "attempt": "\(attempt)", "error": "\(lastProblem)"])
            }
        }
        try await ledger.record(identity, state: .failed(.malformed), message: lastProblem, now: now())
        return .failed(lastProblem)
    }

    /// Downloads one report: `Finance.getReport` for a Financial report (its subtype is the
    /// region, its date the fiscal month's first day), `Sales.getReport` for the others.
    private func download(_ identity: ReportIdentity, credential: ServiceIdentity.Credential) async throws
        -> ReportFile
    {
        let reporter = reporter
        let account = identity.accountNumber
        if identity.type == .financial {
            let period = FiscalPeriod(containing: identity.date)
            let request = FinanceReportRequest(
                vendor: identity.vendor, regionCode: identity.subtype, fiscalYear: period.year,
                fiscalPeriod: period.period)
            return try await askApple("Finance.getReport", account: account, credential: credential) {
                try await reporter.financeReport(token: $0, account: account, request: request)
            }
        }
        let request = SalesReportRequest(
            vendor: identity.vendor, type: identity.type, subtype: identity.subtype, frequency: identity.frequency,
            date: identity.date, version: identity.type.isSubscription ? identity.version : nil)
        return try await askApple("Sales.getReport", account: account, credential: credential) {
            try await reporter.salesReport(token: $0, account: account, request: request)
        }
    }

    static func isMalformed(_ error: any Error) -> Bool {
        error is ReportError || error is ReportIngestor.Failure
    }
}

/// A sync failure the queue retries, after Apple's `Retry-After` when it gave one.
package struct SyncFailure: JobFailure, CustomStringConvertible {
    package var message: String
    package var retryAfter: TimeInterval?
    package var isPermanent = false

    package var description: String { message }
}

extension ReporterError {
    /// A short label for metrics and ledger error codes.
    var metricCode: String {
        switch self {
        case .invalidToken: "invalid_token"
        case .expiredToken: "expired_token"
        case .notAvailableYet: "not_available_yet"
        case .noSales: "no_sales"
        case .accountRequired: "account_required"
        case .invalidAccount: "invalid_account"
        case .invalidVendor: "invalid_vendor"
        case .invalidParameters: "invalid_parameters"
        case .reportTooOld: "report_too_old"
        case .rateLimited: "rate_limited"
        case .appleUnavailable: "apple_unavailable"
        case .unexpectedResponse: "unexpected_response"
        case .transport: "transport"
        }
    }
}
