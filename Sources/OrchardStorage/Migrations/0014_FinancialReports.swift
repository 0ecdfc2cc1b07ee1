import SQLKit

/// What payouts are made of (docs/PAYOUTS.md): one row per row of a Financial report, replaced a
/// whole report at a time as `sales_facts` are. The report's region is its ledger row's subtype and
/// its fiscal month the ledger row's date (the period's first day), copied here for reads.
struct FinancialReports: Migration {
    let version = 14
    let name = "financial reports: the rows of each region's Financial report per fiscal month"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute([
            """
            CREATE TABLE financial_lines (
                report_id \(ddl.bigint) NOT NULL,
                line \(ddl.bigint) NOT NULL,
                store_account_id \(ddl.bigint) NOT NULL,
                period_start \(ddl.keyText) NOT NULL,
                sku \(ddl.keyText) NOT NULL,
                apple_identifier \(ddl.text) NOT NULL,
                title \(ddl.text) NOT NULL,
                product_type \(ddl.text) NOT NULL,
                country \(ddl.keyText) NOT NULL,
                quantity \(ddl.bigint) NOT NULL,
                amount_micros \(ddl.bigint) NOT NULL,
                currency \(ddl.keyText) NOT NULL,
                is_return \(ddl.bigint) NOT NULL,
                PRIMARY KEY (report_id, line)
            )
            """,
            "CREATE INDEX financial_lines_account_period ON financial_lines (store_account_id, period_start)",
        ])
    }
}
