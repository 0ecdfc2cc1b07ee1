import Foundation
import OrchardCore
import Testing

@testable import orchard

@Suite("Reading settings from the command line and the environment")
struct SettingsLoaderTests {
    @Test("the command line wins over the environment, which wins over the defaults")
    func precedence() throws {
        // given
        let environment = ["ORCHARD_PORT": "9000", "ORCHARD_HOST": "0.0.0.0", "ORCHARD_BACKFILL_DAYS": "30"]

        // when
        let settings = try SettingsLoader.load(commandLine: [.port: "7000"], environment: environment)

        // then
        #expect(settings.port == 7000)
        #expect(settings.host == "0.0.0.0")
        #expect(settings.backfillDays == 30)
        #expect(settings.syncConcurrency == 8)
    }

    @Test("ORCHARD_DATABASE_URL wins over DATABASE_URL, which is read when it is alone")
    func databaseURLNames() throws {
        let both = try SettingsLoader.load(
            environment: ["ORCHARD_DATABASE_URL": "sqlite:///a.sqlite", "DATABASE_URL": "sqlite:///b.sqlite"])
        #expect(both.databaseURL == .sqlite(path: "/a.sqlite"))
        let alone = try SettingsLoader.load(environment: ["DATABASE_URL": "postgres://u:p@h:5/db"])
        #expect(alone.databaseURL == .postgres(url: "postgres://u:p@h:5/db"))
        let flag = try SettingsLoader.load(
            commandLine: [.databaseURL: "sqlite:///c.sqlite"], environment: ["DATABASE_URL": "sqlite:///b.sqlite"])
        #expect(flag.databaseURL == .sqlite(path: "/c.sqlite"))
    }

    @Test("every ORCHARD_* variable of docs/SETTINGS.md is read")
    func documentedVariables() throws {
        // given
        let environment = [
            "ORCHARD_REPORTER_URL": "http://127.0.0.1:9090",
            "ORCHARD_SERVICE_APPLE_ID": "svc@example.com", "ORCHARD_SERVICE_ACCESS_TOKEN": "tok",
            "ORCHARD_MASTER_KEY": String(repeating: "A", count: 43) + "=",
            "ORCHARD_INVITATION_CHECK_SECONDS": "5", "ORCHARD_INVITATION_WINDOW_HOURS": "12",
            "ORCHARD_BACKFILL_DAYS": "10", "ORCHARD_SYNC_CONCURRENCY": "3", "ORCHARD_FUNNEL_TOKEN_MINUTES": "20",
            "ORCHARD_DATA_DIR": "/tmp/orchard-data",
        ]

        // when
        let settings = try SettingsLoader.load(environment: environment)

        // then
        #expect(settings.reporterURL.port == 9090)
        #expect(settings.serviceAppleID == "svc@example.com")
        #expect(settings.serviceAccessToken?.revealed == "tok")
        #expect(settings.masterKey != nil)
        #expect(settings.invitationCheckSeconds == 5)
        #expect(settings.invitationWindow == 12 * 3_600)
        #expect(settings.backfillDays == 10)
        #expect(settings.syncConcurrency == 3)
        #expect(settings.funnelTokenMinutes == 20)
        #expect(settings.dataDirectory == "/tmp/orchard-data")
    }

    @Test("bad values from both sources are reported together")
    func badValues() {
        let error = #expect(throws: SettingsError.self) {
            try SettingsLoader.load(commandLine: [.port: "x"], environment: ["ORCHARD_SYNC_CONCURRENCY": "many"])
        }
        #expect(Set(error?.problems.map(\.key) ?? []) == [.port, .syncConcurrency])
    }
}
