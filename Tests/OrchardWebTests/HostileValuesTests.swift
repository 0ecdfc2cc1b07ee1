import Foundation
import HTTPTypes
import HummingbirdTesting
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SalesReports
import Testing

@testable import OrchardWeb

/// Every page a user meets, rendered with hostile values in every field a user (or Apple's data)
/// controls: no value ever closes its attribute or opens an element.
@Suite("Pages with hostile values, over real HTTP")
struct HostileValuesTests {
    static let hostile = #""><script>alert(1)</script>'&x"#

    static func expectSafe(_ page: TestResponse, _ what: String) {
        #expect(!page.text.contains("<script>alert(1)"), "\(what) lets markup through")
        #expect(!page.text.contains(#""><script"#), "\(what) lets a value close its attribute")
        #expect(!page.text.contains("'&x\""), "\(what) writes the raw value in an attribute")
    }

    @Test(
        "sign-in, API tokens, Data Integration, the account page, the dashboard and the operator page escape every value",
        arguments: TestBackend.available)
    func everyPage(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            // signed out: next and a failed sign-in's address are written back into the form
            let visitor = Browser(client)
            let signIn = try await visitor.request(
                "/signin?next=" + Self.hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            Self.expectSafe(signIn, "the sign-in page's next")
            let failed = try await AccountPageTests.submit(
                visitor, "/signin", [("email", "ada" + Self.hostile + "@example.com"), ("password", "wrong one here")])
            Self.expectSafe(failed, "a failed sign-in's address")
            let inPath = try await visitor.request(
                "/signin?next=/dashboard%3Fapp%3D%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
            Self.expectSafe(inPath, "the sign-in page's next with markup in its query")

            // Ada, the operator, with a named token, an account, and an app named by the hostile value
            let ada = Browser(client)
            _ = try await AccountPageTests.submit(
                ada, "/signup", [("email", "ada@example.com"), ("password", AccountPageTests.password)])
            try await harness.promote("ada@example.com")
            _ = try await AccountPageTests.submit(ada, "/account/api-tokens", [("name", Self.hostile)])
            let adaID = try #require(
                try await UserStore(database: harness.database).credentials(email: "ada@example.com")?.user.id)
            let day = ReportCalendar.latestDay(at: harness.clock.now)
            let stores = StoreAccountStore(database: harness.database)
            try await stores.register(
                number: "1234", name: "Acme " + Self.hostile, vendors: ["1"], now: harness.clock.now)
            _ = try await stores.markAccessible(number: "1234", now: harness.clock.now)
            let integration = try await IntegrationStore(database: harness.database).create(
                userID: adaID, accountNumber: "1234", now: harness.clock.now)
            try await withTemporaryDirectory { directory in
                let rows = [
                    SalesFileBuilder.row(
                        sku: "APP" + Self.hostile, type: "1", units: 3, proceeds: "0.70", price: "0.99",
                        appleIdentifier: "1", title: "Title " + Self.hostile, day: day)
                ]
                _ = try await ReportIngestor(database: harness.database, archive: nil, logger: TestLogging.logger)
                    .ingest(
                        path: try SalesFileBuilder.write(rows, day: day, in: directory), accountNumber: "1234",
                        now: harness.clock.now)
            }

            for path in [
                "/account/api-tokens", "/integrations", "/integrations/\(integration.id)",
                "/dashboard?from=\(day.isoText)&to=\(day.isoText)",
                "/dashboard?from=\(day.isoText)&to=\(day.isoText)&app="
                    + ("APP" + Self.hostile).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
                "/operator", "/account",
            ] {
                let page = try await ada.request(path)
                #expect(page.status == .ok, "\(path) answers \(page.status)")
                Self.expectSafe(page, path)
            }
            let dashboard = try await ada.request("/dashboard?from=\(day.isoText)&to=\(day.isoText)")
            #expect(
                dashboard.text.contains("APP&quot;&gt;&lt;script&gt;"), "the app filter's option is not there, escaped")
        }
    }
}
