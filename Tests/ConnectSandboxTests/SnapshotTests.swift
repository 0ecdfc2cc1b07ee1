import ConnectSandbox
import Foundation
import NIOCore
import SalesReports
import Testing

/// `orchard demo` keeps its sandbox between runs as a snapshot: the world read back must be the
/// world that was saved, down to the bytes of its reports.
@Suite("Sandbox snapshots")
struct SnapshotTests {
    @Test("a saved world reads back with the same accounts, tokens, memberships, invitations, keys and reports")
    func roundTrip() throws {
        // given: a world with two accounts, a token, a membership, an accepted and a pending invitation, a key
        let clock = SandboxClock()
        clock.set(ReporterProtocolTests.now, frozen: true)
        let world = SandboxWorld(options: .init(seed: 5, serviceAppleID: "svc@orchard.example"), clock: clock)
        let first = try world.createAccount(name: "First Co.", apps: 2)
        let second = try world.createAccount(name: "Second Co.", apps: 4, seed: 99, historyDays: 30)
        let (_, token) = try world.createUser(appleId: "owner@example.com", accounts: [first.number, second.number])
        try world.invite(email: "svc@orchard.example", to: first.number, roles: [.sales])
        try world.acceptInvitation(email: "svc@orchard.example", account: first.number)
        try world.invite(email: "svc@orchard.example", to: second.number, roles: [.sales])
        _ = try world.registerKey(accounts: [first.number])

        // when: it goes through JSON into a fresh world
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let saved = world.snapshot()
        let text = try encoder.encode(saved)
        let restored = SandboxWorld(options: .init(seed: 5, serviceAppleID: "svc@orchard.example"), clock: clock)
        let before = restored.revision
        try restored.restore(try decoder.decode(SandboxSnapshot.self, from: text))

        // then
        #expect(restored.revision != before)
        #expect(restored.snapshot() == saved)
        #expect(restored.check(token: token.value) == .valid(appleId: "owner@example.com"))
        #expect(restored.visibleAccounts(of: "svc@orchard.example", for: .sales).map(\.number) == [first.number])
        #expect(restored.accounts.map(\.apps) == world.accounts.map(\.apps))
        #expect(restored.keys.map(\.keyId) == world.keys.map(\.keyId))
        let day = ReportDate(containing: ReporterProtocolTests.now).adding(days: -3)
        for account in [first, second] {
            let original = try Self.reportBytes(world, account: account.number, day: day)
            #expect(!original.isEmpty)
            #expect(try Self.reportBytes(restored, account: account.number, day: day) == original)
        }
        // and the next account made gets a number of its own, as it would have in the saved world
        #expect(try restored.createAccount(name: "Third").number == (try world.createAccount(name: "Third").number))
    }

    @Test("a snapshot whose account cannot be regenerated is refused with a reason")
    func unreadable() throws {
        let world = SandboxWorld()
        try world.createAccount(name: "Only Co.")
        var text = String(decoding: try JSONEncoder().encode(world.snapshot()), as: UTF8.self)
        text = text.replacingOccurrences(of: #""seed":""#, with: #""seed":"not a number"#)
        let decoder = JSONDecoder()
        let snapshot = try decoder.decode(SandboxSnapshot.self, from: Data(text.utf8))
        #expect(throws: SandboxWorldError.self) { try SandboxWorld().restore(snapshot) }
    }

    static func reportBytes(_ world: SandboxWorld, account number: Int, day: ReportDate) throws -> [UInt8] {
        let account = try world.account(number)
        let outcome = try ReportLibrary().salesReport(
            .sales, account: account, vendor: account.vendors[0], period: ReportPeriod(.daily, containing: day),
            now: ReporterProtocolTests.now)
        guard case .file(let file) = outcome else { return [] }
        return Array(buffer: file.body)
    }
}
