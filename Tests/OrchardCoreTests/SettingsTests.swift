import Foundation
import Testing

@testable import OrchardCore

@Suite("Settings")
struct SettingsTests {
    @Test("nothing set gives the documented defaults")
    func defaults() throws {
        // given / when
        let settings = try Settings { _ in nil }

        // then
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8080)
        #expect(settings.databaseURL == .sqlite(path: "./orchard.sqlite"))
        #expect(settings.reporterURL.absoluteString == "https://reportingitc-reporter.apple.com")
        #expect(settings.serviceAppleID == nil)
        #expect(settings.invitationCheckSeconds == 300)
        #expect(settings.invitationWindow == 96 * 3_600)
        #expect(settings.backfillDays == 365)
        #expect(settings.syncConcurrency == 8)
        #expect(settings.funnelTokenMinutes == 60)
        #expect(settings.runWorkers)
    }

    @Test("valid values are parsed into typed settings")
    func validValues() throws {
        // given
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        let raw: [SettingKey: String] = [
            .host: "0.0.0.0", .port: "9000", .databaseURL: "postgres://orchard:pw@db.internal:5433/orchard",
            .logLevel: "DEBUG", .runWorkers: "no", .reporterURL: "http://127.0.0.1:9090",
            .serviceAppleID: "reports@example.com", .serviceAccessToken: "c1f0a2e4-0000-4000-8000-000000000001",
            .masterKey: key, .invitationCheckSeconds: "30", .invitationWindowHours: "24", .backfillDays: "30",
            .syncConcurrency: "2", .funnelTokenMinutes: "15",
        ]

        // when
        let settings = try Settings { raw[$0] }

        // then
        #expect(settings.host == "0.0.0.0")
        #expect(settings.port == 9000)
        #expect(settings.databaseURL == .postgres(url: "postgres://orchard:pw@db.internal:5433/orchard"))
        #expect(settings.logLevel == .debug)
        #expect(!settings.runWorkers)
        #expect(settings.reporterURL.absoluteString == "http://127.0.0.1:9090")
        #expect(settings.serviceAppleID == "reports@example.com")
        #expect(settings.serviceAccessToken?.revealed == "c1f0a2e4-0000-4000-8000-000000000001")
        #expect(settings.masterKey?.revealed == key)
        #expect(settings.invitationCheckSeconds == 30)
        #expect(settings.invitationWindow == 24 * 3_600)
        #expect(settings.backfillDays == 30)
        #expect(settings.syncConcurrency == 2)
        #expect(settings.funnelTokenMinutes == 15)
    }

    @Test("every malformed setting is named in one error")
    func everyProblemNamed() {
        // given
        let raw: [SettingKey: String] = [
            .port: "eighty", .databaseURL: "mysql://x", .logLevel: "loud", .reporterURL: "ftp://apple",
            .serviceAppleID: "not-an-email", .masterKey: "c2hvcnQ=", .backfillDays: "0", .syncConcurrency: "-3",
            .runWorkers: "maybe",
        ]

        // when
        let error = #expect(throws: SettingsError.self) { try Settings { raw[$0] } }

        // then
        let named = Set(error?.problems.map(\.key) ?? [])
        #expect(named == Set(raw.keys))
        let text = error?.description ?? ""
        #expect(text.contains("ORCHARD_PORT"))
        #expect(text.contains("'eighty'"))
        #expect(text.contains("DATABASE_URL"))
        #expect(text.contains("9 problems"))
    }

    @Test("secrets are never echoed in errors")
    func secretsNotEchoed() {
        // given
        let raw: [SettingKey: String] = [.masterKey: "hunter2-not-base64", .serviceAccessToken: "abc def secret"]

        // when
        let error = #expect(throws: SettingsError.self) { try Settings { raw[$0] } }

        // then
        let text = error?.description ?? ""
        #expect(error?.problems.count == 2)
        #expect(!text.contains("hunter2"))
        #expect(!text.contains("secret"))
    }

    @Test("a database URL's password is masked in errors and descriptions")
    func databasePasswordMasked() {
        // given
        let raw: [SettingKey: String] = [.databaseURL: "postgres://orchard:s3cr3t@host"]

        // when
        let error = #expect(throws: SettingsError.self) { try Settings { raw[$0] } }

        // then
        #expect(error?.description.contains("s3cr3t") == false)
        #expect(DatabaseURL.postgres(url: "postgres://u:s3cr3t@h:1/db").description == "postgres://u:***@h:1/db")
        #expect(Secret("abc").description == "<redacted>")
    }

    @Test(
        "database URLs",
        arguments: [
            ("sqlite:///var/lib/orchard.sqlite", DatabaseURL.sqlite(path: "/var/lib/orchard.sqlite")),
            ("sqlite://./orchard.sqlite", .sqlite(path: "./orchard.sqlite")),
            ("postgresql://a:b@h/db", .postgres(url: "postgresql://a:b@h/db")),
        ])
    func databaseURLs(text: String, expected: DatabaseURL) {
        #expect(DatabaseURL(parsing: text) == expected)
    }

    @Test("malformed database URLs are rejected", arguments: ["sqlite://", "postgres://h/db", "postgres://u@h", "x"])
    func malformedDatabaseURLs(text: String) {
        #expect(DatabaseURL(parsing: text) == nil)
    }

    @Test("ORCHARD_MASTER_KEY may list several keys, comma-separated; each must be a 256-bit key")
    func masterKeyRing() throws {
        // given
        let (current, previous) = (Data(repeating: 1, count: 32), Data(repeating: 2, count: 32))
        let ring = "\(current.base64EncodedString()),\(previous.base64EncodedString())"

        // when
        let settings = try Settings { $0 == .masterKey ? ring : nil }

        // then
        #expect(settings.masterKey?.revealed == ring)
        #expect(throws: SettingsError.self) {
            try Settings { $0 == .masterKey ? "\(current.base64EncodedString()),c2hvcnQ=" : nil }
        }
    }
}
