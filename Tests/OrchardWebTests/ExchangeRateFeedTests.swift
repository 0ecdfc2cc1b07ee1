import AppStoreConnect
import AsyncHTTPClient
import Foundation
import Hummingbird
import OrchardCore
import OrchardStorage
import OrchardSync
import OrchardTestSupport
import SalesReports
import Synchronization
import Testing

/// The ECB's reference rates fetched from a local server that serves the ECB's own XML format.
@Suite struct ExchangeRateFeedTests {
    static func xml(_ days: [(String, [(String, String)])]) -> String {
        let cubes = days.map { day, rates in
            "<Cube time='\(day)'>" + rates.map { "<Cube currency='\($0.0)' rate='\($0.1)'/>" }.joined() + "</Cube>"
        }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
            <gesmes:subject>Reference rates</gesmes:subject><gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
            <Cube>\(cubes)</Cube></gesmes:Envelope>
            """
    }

    /// Serves `body()` at `/eurofxref-daily.xml` on a free loopback port.
    static func withServer(
        _ body: @escaping @Sendable () -> (Int, String), _ test: @Sendable (URL) async throws -> Void
    ) async throws {
        let router = Router()
        router.get("eurofxref-daily.xml") { _, _ -> Response in
            let (status, text) = body()
            return Response(
                status: .init(code: status), headers: [.contentType: "text/xml"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        try await LoopbackServer.withRunning(router) { port in
            try await test(URL(string: "http://127.0.0.1:\(port)/eurofxref-daily.xml")!)
        }
    }

    @Test(
        "new days are stored, the same file again changes nothing, a page that is not the ECB's is an error",
        arguments: TestBackend.available)
    func refresh(backend: TestBackend) async throws {
        let served = Mutex<(Int, String)>((200, Self.xml([("2026-12-04", [("USD", "1.0512"), ("JPY", "158.20")])])))
        try await Self.withServer({ served.withLock { $0 } }) { url in
            try await withMigrated(backend) { database in
                let feed = ExchangeRateFeed(
                    url: url, transport: .asyncHTTPClient(.shared), database: database, logger: TestLogging.logger)
                let rates = FXRateStore(database: database)
                // when
                #expect(try await feed.refresh() == 2)
                // then the day's rates convert
                let usd = try #require(try await rates.rate("USD", on: ReportDate(year: 2026, month: 12, day: 4)!))
                #expect(usd.perEUR == Decimal(string: "1.0512"))
                #expect(usd.day == "2026-12-04")
                // the same file: nothing stored
                #expect(try await feed.refresh() == 0)
                // the next day and a corrected rate of the first: only those
                served.withLock {
                    $0 = (
                        200,
                        Self.xml([
                            ("2026-12-07", [("USD", "1.0600"), ("JPY", "159.00")]),
                            ("2026-12-04", [("USD", "1.0513"), ("JPY", "158.20")]),
                        ])
                    )
                }
                #expect(try await feed.refresh() == 4)
                #expect(
                    try await rates.rate("USD", on: ReportDate(year: 2026, month: 12, day: 8)!)?.perEUR
                        == Decimal(string: "1.0600"))
                #expect(
                    try await rates.rate("USD", on: ReportDate(year: 2026, month: 12, day: 4)!)?.perEUR
                        == Decimal(string: "1.0513"))
                // a page that is not the ECB's, and an error status: clear errors, nothing stored
                served.withLock { $0 = (200, "<html><body>Maintenance</body></html>") }
                await #expect(throws: ExchangeRateFeed.Failure.self) { try await feed.refresh() }
                served.withLock { $0 = (503, "") }
                do {
                    try await feed.refresh()
                    Issue.record("a 503 was taken for rates")
                } catch let failure as ExchangeRateFeed.Failure {
                    #expect(failure.description.hasSuffix("answered 503"))
                }
                #expect(try await rates.stored(from: "2026-12-01", to: "2026-12-31").count == 2)
            }
        }
    }

    @Test("the ECB's XML: days and rates read; anything else named")
    func parse() throws {
        let days = try ExchangeRateFeed.parse(
            Self.xml([("2026-12-04", [("USD", "1.0512")]), ("2026-12-03", [("USD", "1.05"), ("CHF", "0.93")])]),
            source: "test")
        #expect(
            days == [
                .init(day: "2026-12-04", rates: ["USD": "1.0512"]),
                .init(day: "2026-12-03", rates: ["USD": "1.05", "CHF": "0.93"]),
            ])
        #expect(throws: ExchangeRateFeed.Failure.self) { try ExchangeRateFeed.parse("{}", source: "test") }
        #expect(throws: ExchangeRateFeed.Failure.self) {
            try ExchangeRateFeed.parse(Self.xml([("2026-12-04", [("USD", "-1")])]), source: "test")
        }
        #expect(throws: ExchangeRateFeed.Failure.self) {
            try ExchangeRateFeed.parse(Self.xml([("yesterday", [("USD", "1.0")])]), source: "test")
        }
        var settings = try Settings(rawValue: { $0 == .fxURL ? "none" : nil })
        #expect(settings.fxURL == nil)
        settings = try Settings(rawValue: { _ in nil })
        #expect(settings.fxURL?.host == "www.ecb.europa.eu")
        #expect(throws: SettingsError.self) { try Settings(rawValue: { $0 == .fxURL ? "ftp://x" : nil }) }
    }
}
