import ConnectSandbox
import Foundation
import NIOHTTP1
import OrchardTestSupport
import SalesReports
import Testing

/// The control API of docs/SANDBOX.md and the service identity's journey through it.
@Suite("Control API")
struct ControlAPITests {
    static let now = ReporterProtocolTests.now

    @Test("accounts, users, invitation, acceptance and removal drive what Sales.getAccounts lists")
    func serviceJourney() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let control = "\(sandbox.baseURL)/sandbox/v1"
            // given: an account, and the service Apple ID with its own token
            let account = try await SandboxHTTP.json(
                .POST, "\(control)/accounts", #"{"name":"Acme","apps":2,"seed":9}"#)
            #expect(account.status == 201)
            let number = try #require(account.json["number"] as? String)
            #expect((account.json["apps"] as? [[String: Any]])?.count == 2)
            #expect((account.json["vendors"] as? [String])?.count == 1)
            let service = try await SandboxHTTP.json(
                .POST, "\(control)/users", #"{"appleId":"svc@orchard.example","accounts":[]}"#)
            #expect(service.status == 201)
            let token = try #require(service.json["accessToken"] as? String)
            #expect(service.json["expiresAt"] as? String != nil)

            // when / then: before the invitation is accepted, the service sees nothing
            let invitation = try await SandboxHTTP.json(
                .POST, "\(control)/accounts/\(number)/invitations",
                #"{"email":"svc@orchard.example","roles":["SALES"]}"#)
            #expect(invitation.status == 201)
            #expect(invitation.json["state"] as? String == "pending")
            #expect(try await accounts(sandbox, token).contains(number) == false)

            let accepted = try await SandboxHTTP.json(
                .POST, "\(control)/accounts/\(number)/invitations/svc@orchard.example/accept")
            #expect(accepted.status == 200)
            #expect(try await accounts(sandbox, token).contains("<Number>\(number)</Number>"))

            let removed = try await SandboxHTTP.json(.DELETE, "\(control)/accounts/\(number)/users/svc@orchard.example")
            #expect(removed.status == 204)
            #expect(try await accounts(sandbox, token).contains(number) == false)
        }
    }

    @Test("a new token replaces the old one; GET /state masks every token")
    func tokensAndState() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let control = "\(sandbox.baseURL)/sandbox/v1"
            let (_, old) = try sandbox.makeAccountWithUser(appleId: "a@example.com")
            let minted = try await SandboxHTTP.json(
                .POST, "\(control)/users/a@example.com/token", #"{"expiresInDays":30}"#)
            #expect(minted.status == 201)
            let new = try #require(minted.json["accessToken"] as? String)
            #expect(try await accounts(sandbox, old).contains("<Code>124</Code>"))
            #expect(try await accounts(sandbox, new).contains("<Accounts>"))
            let state = try await SandboxHTTP.json(.GET, "\(control)/state")
            #expect(state.status == 200)
            #expect(!state.text.contains(new) && !state.text.contains(old))
            let users = try #require(state.json["users"] as? [[String: Any]])
            #expect(users.first?["accessToken"] as? String == "****" + new.suffix(4))
            #expect((state.json["accounts"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test("an invitation expires after three days (clock moved through the control API)")
    func invitationExpiry() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let control = "\(sandbox.baseURL)/sandbox/v1"
            let account = try sandbox.world.createAccount(name: "Acme")
            _ = try await SandboxHTTP.json(
                .POST, "\(control)/accounts/\(account.number)/invitations",
                #"{"email":"late@example.com","roles":["SALES"]}"#)
            let clock = try await SandboxHTTP.json(.PUT, "\(control)/clock", #"{"advanceSeconds":259201}"#)
            #expect(clock.status == 200)
            let accept = try await SandboxHTTP.json(
                .POST, "\(control)/accounts/\(account.number)/invitations/late@example.com/accept")
            #expect(accept.status == 410)
            let state = try await SandboxHTTP.json(.GET, "\(control)/state")
            #expect((state.json["invitations"] as? [[String: Any]])?.first?["state"] as? String == "expired")
        }
    }

    @Test("invitations to the service Apple ID accept themselves after --auto-accept-after")
    func autoAccept() async throws {
        try await SandboxServer.withRunning(serviceAppleID: "svc@orchard.example", autoAcceptAfter: 60, now: Self.now) {
            sandbox in
            let account = try sandbox.world.createAccount(name: "Acme")
            let (_, token) = try sandbox.world.createUser(appleId: "svc@orchard.example", accounts: [])
            try sandbox.world.invite(email: "svc@orchard.example", to: account.number, roles: [.sales])
            #expect(try await accounts(sandbox, token.value).contains("\(account.number)") == false)
            sandbox.clock.advance(by: 61)
            #expect(try await accounts(sandbox, token.value).contains("<Number>\(account.number)</Number>"))
        }
    }

    @Test("bad bodies get 400/404 with Orchard's error shape")
    func errors() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let control = "\(sandbox.baseURL)/sandbox/v1"
            let bad = try await SandboxHTTP.json(.POST, "\(control)/accounts", #"{"apps":2}"#)
            #expect(bad.status == 400)
            #expect((bad.json["error"] as? [String: Any])?["code"] as? String == "invalid_request")
            let unknown = try await SandboxHTTP.json(
                .POST, "\(control)/users", #"{"appleId":"x@example.com","accounts":[1]}"#)
            #expect(unknown.status == 404)
            let faults = try await SandboxHTTP.json(.PUT, "\(control)/faults", #"{"errorRate":2}"#)
            #expect(faults.status == 400)
        }
    }

    @Test(
        "a vendor added sells its own new apps; a vendor removed is no longer listed and its reports are refused; a rename is listed; all survive a snapshot"
    )
    func vendorsAndNames() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let control = "\(sandbox.baseURL)/sandbox/v1"
            let (account, token) = try sandbox.makeAccountWithUser(apps: 2)
            let first = String(account.vendors[0])
            func report(_ vendor: String) async throws -> HTTPAnswer {
                try await SandboxHTTP.reporter(
                    sandbox, token: token, query: "Sales.getReport, \(vendor),Sales,Summary,Daily,20260309")
            }
            func skus(_ answer: HTTPAnswer) throws -> Set<String> {
                let (_, rows) = try SandboxHTTP.records(answer.body)
                return Set(
                    rows.map { $0.text("Parent Identifier").isEmpty ? $0.text("SKU") : $0.text("Parent Identifier") })
            }
            let before = try await report(first)

            // when: a vendor with one new app is added
            let added = try await SandboxHTTP.json(
                .POST, "\(control)/accounts/\(account.number)/vendors", #"{"apps":1}"#)

            // then: both are listed, each sells its own apps, the first vendor's report is unchanged
            #expect(added.status == 201)
            let vendors = try #require(added.json["vendors"] as? [String])
            #expect(vendors.count == 2 && vendors[0] == first)
            let second = vendors[1]
            let apps = try #require(added.json["vendorApps"] as? [String: [String]])
            #expect(apps[first]?.count == 2 && apps[second]?.count == 1)
            let listed = try await SandboxHTTP.reporter(
                sandbox, token: token, query: "Sales.getVendors", account: String(account.number))
            #expect(
                listed.text.contains("<Vendor>\(first)</Vendor>") && listed.text.contains("<Vendor>\(second)</Vendor>"))
            #expect(try await report(first).body == before.body)
            let secondReport = try await report(second)
            #expect(secondReport.status == 200)
            #expect(try skus(secondReport).isSubset(of: Set(apps[second] ?? [])))
            #expect(try skus(before).isDisjoint(with: Set(apps[second] ?? [])))

            // when: the first vendor is removed and the account renamed
            #expect(
                try await SandboxHTTP.json(.DELETE, "\(control)/accounts/\(account.number)/vendors/\(first)").status
                    == 204)
            let renamed = try await SandboxHTTP.json(
                .PATCH, "\(control)/accounts/\(account.number)", #"{"name":"Acme Renamed"}"#)

            // then
            #expect(renamed.json["name"] as? String == "Acme Renamed")
            #expect(renamed.json["vendors"] as? [String] == [second])
            #expect(try await report(first).text.contains("<Code>200</Code>"))
            let names = try await accounts(sandbox, token)
            #expect(names.contains("Acme Renamed"))
            let last = try await SandboxHTTP.json(.DELETE, "\(control)/accounts/\(account.number)/vendors/\(second)")
            #expect(last.status == 422)

            // and: a snapshot brings back the same vendors and apps
            let copy = SandboxWorld(options: .init(seed: 1))
            try copy.restore(sandbox.world.snapshot())
            let restored = try copy.account(account.number)
            #expect(restored.vendors == [Int(second)!])
            let live = try sandbox.world.account(account.number)
            #expect(restored.name == "Acme Renamed" && restored.apps == live.apps)
            #expect(restored.apps(of: Int(second)!) == 2..<3)
        }
    }

    private func accounts(_ sandbox: SandboxServer, _ token: String) async throws -> String {
        try await SandboxHTTP.reporter(sandbox, token: token, query: "Sales.getAccounts").text
    }
}
