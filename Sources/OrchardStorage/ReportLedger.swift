package import Foundation
import PostgresKit
import SQLKit
package import SalesReports

/// The report ledger: one row per report identity, with where it stands.
package struct ReportLedger: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    /// One ledger row.
    package struct Entry: Sendable, Equatable {
        package var identity: ReportIdentity
        package var state: LedgerState
        package var fetchedAt: Date?
        package var rowCount: Int
        package var sha256: String?
    }

    /// Records a state without a file: not published yet, empty (no sales) or failed (with the
    /// reason, e.g. the parser's message, in `message`).
    package func record(_ identity: ReportIdentity, state: LedgerState, message: String? = nil, now: Date)
        async throws
    {
        try await database.withTransaction { connection in
            try await connection.raw(
                """
                INSERT INTO store_accounts (number, name, first_seen_at)
                VALUES (\(bind: identity.accountNumber), \(bind: identity.accountNumber), \(bind: now))
                ON CONFLICT (number) DO NOTHING
                """
            ).run()
            let accountID = try await connection.raw(
                "SELECT id FROM store_accounts WHERE number = \(bind: identity.accountNumber)"
            ).first()!.decode(column: "id", as: Int64.self)
            let id = try await Self.upsert(identity, accountID: accountID, state: state, on: connection)
            try await connection.raw(
                """
                UPDATE report_ledger SET fetched_at = \(bind: now),
                    error_message = CASE WHEN state = 'failed' THEN \(bind: message) ELSE NULL END
                WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    /// The entries of an account, by date.
    package func entries(accountNumber: String) async throws -> [Entry] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT a.number, l.vendor, l.report_type, l.report_subtype, l.frequency, l.report_date, l.version,
                       l.state, l.error_code, l.fetched_at, l.row_count, l.sha256
                FROM report_ledger l JOIN store_accounts a ON a.id = l.store_account_id
                WHERE a.number = \(bind: accountNumber) ORDER BY l.report_date, l.id
                """
            ).all().map { row in
                Entry(
                    identity: try Self.identity(row),
                    state: try LedgerState(
                        storedName: try row.decode(column: "state", as: String.self),
                        errorCode: try row.decode(column: "error_code", as: String?.self)),
                    fetchedAt: try row.decode(column: "fetched_at", as: Date?.self),
                    rowCount: try row.decode(column: "row_count", as: Int.self),
                    sha256: try row.decode(column: "sha256", as: String?.self))
            }
        }
    }

    /// The state of each report of one kind of an account's vendor whose date lies in
    /// `from...to`, by its date (`YYYY-MM-DD`): what a backfill or sync still has to fetch.
    package func states(
        accountNumber: String, vendor: String, type: ReportType, subtype: String? = nil, frequency: ReportFrequency,
        from: ReportDate, to: ReportDate
    ) async throws -> [String: LedgerState] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT l.report_date, l.state, l.error_code
                FROM report_ledger l JOIN store_accounts a ON a.id = l.store_account_id
                WHERE a.number = \(bind: accountNumber) AND l.vendor = \(bind: vendor)
                  AND l.report_type = \(bind: type.rawValue) AND l.frequency = \(bind: frequency.rawValue)
                  AND l.report_date BETWEEN \(bind: from.isoText) AND \(bind: to.isoText)
                  AND (\(bind: subtype) IS NULL OR l.report_subtype = \(bind: subtype))
                """
            ).all().reduce(into: [String: LedgerState]()) { states, row in
                let state = try LedgerState(
                    storedName: try row.decode(column: "state", as: String.self),
                    errorCode: try row.decode(column: "error_code", as: String?.self))
                let date = try row.decode(column: "report_date", as: String.self)
                // Of two versions of one day, the one with content tells.
                if states[date]?.hasContent != true { states[date] = state }
            }
        }
    }

    /// The message recorded with a failed report, e.g. the parser's.
    package func failure(_ identity: ReportIdentity) async throws -> String? {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT l.error_message FROM report_ledger l JOIN store_accounts a ON a.id = l.store_account_id
                WHERE a.number = \(bind: identity.accountNumber) AND l.vendor = \(bind: identity.vendor)
                  AND l.report_type = \(bind: identity.type.rawValue) AND l.report_subtype = \(bind: identity.subtype)
                  AND l.frequency = \(bind: identity.frequency.rawValue) AND l.report_date = \(bind: identity.date.isoText)
                  AND l.version = \(bind: identity.version)
                """
            ).first()?.decode(column: "error_message", as: String?.self)
        }
    }

    /// A report that failed for good, with Apple's (or the parser's) answer.
    package struct Failure: Sendable, Equatable {
        package var identity: ReportIdentity
        package var failure: LedgerFailure
        package var message: String?
        package var at: Date?
    }

    /// The account's failed reports of days from `since` on (those older than Apple keeps left
    /// out: nothing can be done about them), newest first.
    package func failures(accountNumber: String, since: ReportDate) async throws -> [Failure] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT a.number, l.vendor, l.report_type, l.report_subtype, l.frequency, l.report_date, l.version,
                       l.error_code, l.error_message, l.fetched_at
                FROM report_ledger l JOIN store_accounts a ON a.id = l.store_account_id
                WHERE l.state = 'failed'
                  AND l.error_code <> \(bind: LedgerFailure.reportTooOld.rawValue)
                  AND l.report_date >= \(bind: since.isoText) AND a.number = \(bind: accountNumber)
                ORDER BY l.report_date DESC, l.vendor
                """
            ).all().map(Self.failure)
        }
    }

    /// ``failures(accountNumber:since:)`` of the accounts `userID` has an active integration with:
    /// every page lists them, so the query is prepared.
    package func failures(activeIntegrationsOf userID: Int64, since: ReportDate) async throws -> [String: [Failure]] {
        let failures = try await database.rows(ActiveFailures(userID: userID, since: since.isoText)).map(Self.failure)
        return Dictionary(grouping: failures, by: \.identity.accountNumber)
    }

    private struct ActiveFailures: PreparedQuery {
        static let name = "orchard_active_failures"
        static let sql = """
            SELECT a.number, l.vendor, l.report_type, l.report_subtype, l.frequency, l.report_date, l.version,
                   l.error_code, l.error_message, l.fetched_at
            FROM integrations i JOIN store_accounts a ON a.id = i.store_account_id
            JOIN report_ledger l ON l.store_account_id = a.id
            WHERE i.user_id = $1 AND i.status = 'active' AND l.state = 'failed' AND l.error_code <> $2
              AND l.report_date >= $3
            ORDER BY l.report_date DESC, l.vendor
            """
        let userID: Int64
        let since: String
        var binds: [any PostgresThrowingDynamicTypeEncodable & Encodable & Sendable] {
            [userID, LedgerFailure.reportTooOld.rawValue, since]
        }
    }

    private static func failure(_ row: any SQLRow) throws -> Failure {
        let code = try row.decode(column: "error_code", as: String?.self)
        guard let failure = code.flatMap(LedgerFailure.init(rawValue:)) else {
            throw StoredValueError(column: "report_ledger.error_code", value: code ?? "NULL")
        }
        return Failure(
            identity: try Self.identity(row), failure: failure,
            message: try row.decode(column: "error_message", as: String?.self),
            at: try row.decode(column: "fetched_at", as: Date?.self))
    }

    /// Every vendor the account has reports of, sorted.
    package func vendors(accountNumber: String) async throws -> [String] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT DISTINCT l.vendor FROM report_ledger l JOIN store_accounts a ON a.id = l.store_account_id
                WHERE a.number = \(bind: accountNumber) ORDER BY l.vendor
                """
            ).all().map { try $0.decode(column: "vendor", as: String.self) }
        }
    }

    /// The first and last day of daily sales reports the account has content for, and how many
    /// days (of any vendor) that is.
    package func heldDays(accountNumber: String) async throws -> (first: ReportDate, last: ReportDate, days: Int)? {
        try await database.withConnection { connection in
            guard
                let row = try await connection.raw(
                    """
                    SELECT MIN(l.report_date) AS first, MAX(l.report_date) AS last,
                           COUNT(DISTINCT l.report_date) AS days
                    FROM report_ledger l JOIN store_accounts a ON a.id = l.store_account_id
                    WHERE a.number = \(bind: accountNumber) AND l.report_type = \(bind: ReportType.sales.rawValue)
                      AND l.frequency = \(bind: ReportFrequency.daily.rawValue)
                      AND l.state IN ('fetched', 'empty', 'restated')
                    """
                ).first(),
                let first = try row.decode(column: "first", as: String?.self),
                let last = try row.decode(column: "last", as: String?.self)
            else { return nil }
            return (
                try ReportDate(stored: first, column: "report_ledger.report_date"),
                try ReportDate(stored: last, column: "report_ledger.report_date"),
                try row.decode(column: "days", as: Int.self)
            )
        }
    }

    /// Ledger rows that have a stored file, optionally of one account.
    package func allWithFiles(accountNumber: String?) async throws -> [(identity: ReportIdentity, sha256: String)] {
        try await database.withConnection { connection in
            let filter: SQLQueryString = accountNumber.map { "AND a.number = \(bind: $0)" } ?? ""
            return try await connection.raw(
                """
                SELECT a.number, l.vendor, l.report_type, l.report_subtype, l.frequency, l.report_date, l.version, l.sha256
                FROM report_ledger l JOIN store_accounts a ON a.id = l.store_account_id
                WHERE l.sha256 IS NOT NULL
                """ + " " + filter + " ORDER BY l.id"
            ).all().map { row in (try Self.identity(row), try row.decode(column: "sha256", as: String.self)) }
        }
    }

    /// Reads the identity columns of a ledger row (joined with its account's `number`).
    static func identity(_ row: any SQLRow) throws -> ReportIdentity {
        ReportIdentity(
            accountNumber: try row.decode(column: "number", as: String.self),
            vendor: try row.decode(column: "vendor", as: String.self),
            type: try ReportType(stored: try row.decode(column: "report_type", as: String.self)),
            subtype: try row.decode(column: "report_subtype", as: String.self),
            frequency: try ReportFrequency(stored: try row.decode(column: "frequency", as: String.self)),
            date: try ReportDate(
                stored: try row.decode(column: "report_date", as: String.self), column: "report_ledger.report_date"),
            version: try row.decode(column: "version", as: String.self))
    }

    static func matching(_ identity: ReportIdentity, accountID: Int64) -> SQLQueryString {
        """
        store_account_id = \(bind: accountID) AND vendor = \(bind: identity.vendor)
        AND report_type = \(bind: identity.type.rawValue) AND report_subtype = \(bind: identity.subtype)
        AND frequency = \(bind: identity.frequency.rawValue) AND report_date = \(bind: identity.date.isoText)
        AND version = \(bind: identity.version)
        """
    }

    /// Inserts or updates the ledger row of `identity`; a row that has content keeps its state
    /// unless the new state is `fetched` (a newer answer without a file never hides rows).
    static func upsert(
        _ identity: ReportIdentity, accountID: Int64, state: LedgerState, on connection: any SQLDatabase
    ) async throws -> Int64 {
        let errorCode: String? = if case .failed(let failure) = state { failure.rawValue } else { nil }
        return try await connection.raw(
            """
            INSERT INTO report_ledger
                (store_account_id, vendor, report_type, report_subtype, frequency, report_date, version, state, error_code)
            VALUES (\(bind: accountID), \(bind: identity.vendor), \(bind: identity.type.rawValue),
                    \(bind: identity.subtype), \(bind: identity.frequency.rawValue), \(bind: identity.date.isoText),
                    \(bind: identity.version), \(bind: state.storedName), \(bind: errorCode))
            ON CONFLICT (store_account_id, vendor, report_type, report_subtype, frequency, report_date, version)
            DO UPDATE SET state = CASE WHEN report_ledger.sha256 IS NULL OR excluded.state = 'fetched'
                                       THEN excluded.state ELSE report_ledger.state END,
                          error_code = excluded.error_code
            RETURNING id
            """
        ).first()!.decode(column: "id", as: Int64.self)
    }
}
