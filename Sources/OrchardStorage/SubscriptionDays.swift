import SQLKit

/// `subscription_days` and `subscription_event_days`: the Subscription and Subscription Event
/// reports' rows summed per account and day, recomputed inside the ingestion's transaction for the
/// days a report touches (docs/SUBSCRIPTIONS.md). A question without an app, subscription or
/// country filter reads them: a year is a few thousand rows instead of millions.
enum SubscriptionDays {
    /// The Event Dates of a Subscription Event report's stored rows.
    static func eventDates(of reportIDs: [Int64], on connection: any SQLDatabase) async throws -> Set<String> {
        guard !reportIDs.isEmpty else { return [] }
        let list = SQLQueryString("(") + reportIDs.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ") + ")"
        return Set(
            try await connection.raw("SELECT DISTINCT event_date FROM subscription_events WHERE report_id IN " + list)
                .all().map { try $0.decode(column: "event_date", as: String.self) })
    }

    /// Sums the account's Subscription rows of `day` again.
    static func recomputeStates(accountID: Int64, day: String, on connection: any SQLDatabase) async throws {
        try await connection.raw(
            "DELETE FROM subscription_days WHERE store_account_id = \(bind: accountID) AND day = \(bind: day)"
        ).run()
        try await connection.raw(
            """
            INSERT INTO subscription_days (store_account_id, day, proceeds_currency, paid, trials, billing_retry,
                grace_period, mrr_twelfths, unknown_paid)
            SELECT store_account_id, day, proceeds_currency, SUM(paid), SUM(trials), SUM(billing_retry),
                SUM(grace_period), SUM(COALESCE(mrr_twelfths, 0)),
                SUM(CASE WHEN mrr_twelfths IS NULL THEN paid ELSE 0 END)
            FROM subscription_states WHERE store_account_id = \(bind: accountID) AND day = \(bind: day)
            GROUP BY store_account_id, day, proceeds_currency
            """
        ).run()
    }

    /// Sums the account's Subscription Event rows of each of `dates` again.
    static func recomputeEvents(accountID: Int64, dates: Set<String>, on connection: any SQLDatabase) async throws {
        for date in dates.sorted() {
            try await connection.raw(
                """
                DELETE FROM subscription_event_days WHERE store_account_id = \(bind: accountID)
                    AND event_date = \(bind: date)
                """
            ).run()
            try await connection.raw(
                """
                INSERT INTO subscription_event_days (store_account_id, event_date, event, category,
                    original_start_date, quantity)
                SELECT store_account_id, event_date, event, category, COALESCE(original_start_date, ''), SUM(quantity)
                FROM subscription_events WHERE store_account_id = \(bind: accountID) AND event_date = \(bind: date)
                GROUP BY store_account_id, event_date, event, category, COALESCE(original_start_date, '')
                """
            ).run()
        }
    }
}
