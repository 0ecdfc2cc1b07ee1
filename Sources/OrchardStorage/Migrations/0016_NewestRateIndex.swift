import SQLKit

/// The newest ECB rate's day, which every dashboard page reads (to say when rates stopped arriving),
/// from an index instead of a scan of every stored rate (135,000 rows: most of a page's time).
struct NewestRateIndex: Migration {
    let version = 16
    let name = "an index for the newest published exchange rate"

    func prepare(on database: any SQLDatabase, ddl: DDL) async throws {
        try await database.execute(["CREATE INDEX fx_rates_source_day ON fx_rates (source, day)"])
    }
}
