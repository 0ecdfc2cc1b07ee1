import ConnectSandbox
import Crypto
import Foundation
import NIOHTTP1
import OrchardTestSupport
import SalesReports
import Testing

/// The App Store Connect API as docs/SANDBOX.md describes it.
@Suite("App Store Connect API and JWT")
struct ConnectAPITests {
    static let now = ReporterProtocolTests.now

    /// An account with `apps` apps and a key registered through the control API.
    private func setUp(_ sandbox: SandboxServer, apps: Int = 3, roles: String = #"["ADMIN"]"#) async throws -> (
        SandboxAccount, JWTFactory
    ) {
        let account = try sandbox.world.createAccount(name: "Keyed", apps: apps, historyDays: 100)
        let answer = try await SandboxHTTP.json(
            .POST, "\(sandbox.baseURL)/sandbox/v1/keys", #"{"roles":\#(roles),"accounts":[\#(account.number)]}"#)
        #expect(answer.status == 201)
        let json = answer.json
        let pem = try #require(json["privateKeyPEM"] as? String)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        return (
            account,
            try JWTFactory(
                keyId: try #require(json["keyId"] as? String), issuerId: try #require(json["issuerId"] as? String),
                pem: pem)
        )
    }

    private func get(_ sandbox: SandboxServer, _ path: String, token: String) async throws -> HTTPAnswer {
        let encoded = path.replacingOccurrences(of: "[", with: "%5B").replacingOccurrences(of: "]", with: "%5D")
        return try await SandboxHTTP.send(
            .GET, sandbox.baseURL + encoded, headers: [("Authorization", "Bearer \(token)")])
    }

    @Test("a valid ES256 token lists the apps, with X-Rate-Limit")
    func acceptsValidToken() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let (account, jwt) = try await setUp(sandbox)
            let answer = try await get(sandbox, "/v1/apps", token: try jwt.token(now: Self.now))
            #expect(answer.status == 200)
            #expect(answer.header("X-Rate-Limit") == "user-hour-lim:3500;user-hour-rem:3499;")
            let data = try #require(answer.json["data"] as? [[String: Any]])
            #expect(data.count == 3)
            #expect(data.first?["type"] as? String == "apps")
            #expect(data.first?["id"] as? String == account.apps[0].appleIdentifier)
            #expect((data.first?["attributes"] as? [String: Any])?["bundleId"] as? String == account.apps[0].bundleId)
        }
    }

    @Test(
        "refused tokens get 401 NOT_AUTHORIZED",
        arguments: ["expired", "wrongKey", "der", "tooLong", "audience", "algorithm", "missing"])
    func refusesBadTokens(kind: String) async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            // given
            let (_, jwt) = try await setUp(sandbox)
            let token: String
            switch kind {
            case "expired": token = try jwt.token(now: Self.now.addingTimeInterval(-1300), lifetime: 1200)
            case "wrongKey": token = try jwt.token(now: Self.now, signer: .init())
            case "der": token = try jwt.token(now: Self.now, der: true)
            case "tooLong": token = try jwt.token(now: Self.now, lifetime: 1201)
            case "audience": token = try jwt.token(now: Self.now, audience: "appstoreconnect-v2")
            case "algorithm": token = try jwt.token(now: Self.now, algorithm: "HS256")
            default: token = ""
            }

            // when
            let answer = try await get(sandbox, "/v1/apps", token: token)

            // then
            #expect(answer.status == 401)
            let error = try #require((answer.json["errors"] as? [[String: Any]])?.first)
            #expect(error["status"] as? String == "401")
            #expect(error["code"] as? String == "NOT_AUTHORIZED")
            #expect(error["title"] as? String == "Authentication credentials are missing or invalid.")
            #expect(
                (error["detail"] as? String)?.hasPrefix("Provide a properly configured and signed bearer token") == true
            )
            #expect(answer.header("X-Rate-Limit") != nil)
        }
    }

    @Test("a token without iat is accepted, as Apple accepts PyPI appstoreconnect's")
    func acceptsTokenWithoutIssuedAt() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            // given
            let (_, jwt) = try await setUp(sandbox)
            let token = try jwt.token(now: Self.now, lifetime: 1140, issuedAt: false)

            // when
            let answer = try await get(sandbox, "/v1/apps", token: token)

            // then
            #expect(answer.status == 200)
        }
    }

    @Test(
        "a token expiring more than 20 minutes from now is refused, with or without iat",
        arguments: [true, false])
    func refusesFarExpiry(issuedAt: Bool) async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            // given: exp 21 minutes from now; with iat a minute ahead, exp − iat is only 20 minutes
            let (_, jwt) = try await setUp(sandbox)
            let farToken = try jwt.token(now: Self.now.addingTimeInterval(60), lifetime: 1200, issuedAt: issuedAt)
            let nearToken = try jwt.token(now: Self.now, lifetime: 1140, issuedAt: issuedAt)

            // when
            let far = try await get(sandbox, "/v1/apps", token: farToken)
            let near = try await get(sandbox, "/v1/apps", token: nearToken)

            // then
            #expect(far.status == 401)
            #expect(near.status == 200)
        }
    }

    @Test("List Apps returns the attributes and relationship links of Apple's documentation")
    func appAttributes() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            // given
            let (account, jwt) = try await setUp(sandbox)

            // when
            let answer = try await get(sandbox, "/v1/apps?limit=1", token: try jwt.token(now: Self.now))

            // then
            let app = try #require((answer.json["data"] as? [[String: Any]])?.first)
            let attributes = try #require(app["attributes"] as? [String: Any])
            #expect(attributes["name"] as? String == account.apps[0].title)
            #expect(attributes["sku"] as? String == account.apps[0].sku)
            #expect(attributes["primaryLocale"] as? String == "en-US")
            #expect(attributes["isOrEverWasMadeForKids"] as? Bool == false)
            #expect(attributes["contentRightsDeclaration"] as? String == "DOES_NOT_USE_THIRD_PARTY_CONTENT")
            #expect(attributes["streamlinedPurchasingEnabled"] as? Bool == true)
            #expect(attributes.keys.contains("subscriptionStatusUrl") && attributes["subscriptionStatusUrl"] is NSNull)
            let relationships = try #require(app["relationships"] as? [String: Any])
            let versions = try #require(
                (relationships["appStoreVersions"] as? [String: Any])?["links"] as? [String: Any])
            let id = account.apps[0].appleIdentifier
            #expect(versions["self"] as? String == "\(sandbox.baseURL)/v1/apps/\(id)/relationships/appStoreVersions")
            #expect(versions["related"] as? String == "\(sandbox.baseURL)/v1/apps/\(id)/appStoreVersions")
            #expect(relationships.keys.contains("appInfos") && relationships.keys.contains("builds"))
        }
    }

    @Test("financeReports: reportDate is the fiscal year and period, the same file as Reporter; ZZ is served")
    func financeReports() async throws {
        try await SandboxServer.withRunning(seed: 3, now: Self.now) { sandbox in
            // given
            let (account, jwt) = try await setUp(sandbox, apps: 6)
            let token = try jwt.token(now: Self.now)
            let (_, reporterToken) = try sandbox.world.createUser(
                appleId: "finance@example.com", accounts: [account.number], roles: [.finance])
            let base =
                "/v1/financeReports?filter[vendorNumber]=\(account.vendors[0])&filter[reportType]=FINANCIAL"

            // when: 2026-04 is fiscal 2026 period 4 (January 2026), not April
            let api = try await get(sandbox, base + "&filter[regionCode]=ZZ&filter[reportDate]=2026-04", token: token)
            let reporter = try await SandboxHTTP.reporter(
                sandbox, token: reporterToken.value,
                query: "Finance.getReport, \(account.vendors[0]),ZZ,Financial,2026,4", service: "finance")
            let april = try await get(sandbox, base + "&filter[regionCode]=US&filter[reportDate]=2026-07", token: token)
            let bad = try await get(sandbox, base + "&filter[regionCode]=US&filter[reportDate]=2026-13", token: token)

            // then
            #expect(api.status == 200)
            #expect(reporter.status == 200)
            #expect(api.body == reporter.body)
            let (_, rows) = try SandboxHTTP.records(api.body)
            #expect(rows.first?.text("Start Date") == "12/28/2025")
            #expect(rows.first?.text("End Date") == "01/31/2026")
            // fiscal April 2026 (03/29 to 05/02) is not published on 03/10
            #expect(april.status == 404)
            #expect(bad.status == 400)
        }
    }

    @Test("collections page with links.next and a cursor, limit at most 200")
    func pagination() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let (_, jwt) = try await setUp(sandbox, apps: 5)
            let token = try jwt.token(now: Self.now)
            var path: String? = "/v1/apps?limit=2"
            var ids: [String] = []
            var pages = 0
            while let next = path {
                let answer = try await get(sandbox, next, token: token)
                #expect(answer.status == 200)
                ids += (answer.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                let links = answer.json["links"] as? [String: Any]
                path = (links?["next"] as? String).map { String($0.dropFirst(sandbox.baseURL.count)) }
                if let path { #expect(path.contains("cursor=")) }
                pages += 1
            }
            #expect(pages == 3)
            #expect(Set(ids).count == 5)
            let tooMany = try await get(sandbox, "/v1/apps?limit=201", token: token)
            #expect(tooMany.status == 400)
        }
    }

    @Test("salesReports: gzip, no sales, not yet, gone, bad version, invalid combination")
    func salesReports() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let (account, jwt) = try await setUp(sandbox)
            let token = try jwt.token(now: Self.now)
            let base =
                "/v1/salesReports?filter[vendorNumber]=\(account.vendors[0])&filter[reportType]=SALES&filter[reportSubType]=SUMMARY"
            let ok = try await get(
                sandbox, base + "&filter[frequency]=DAILY&filter[reportDate]=2026-03-08", token: token)
            #expect(ok.status == 200)
            #expect(ok.header("Content-Type") == "application/a-gzip")
            #expect(try !SandboxHTTP.records(ok.body).rows.isEmpty)
            let none = try await get(
                sandbox, base + "&filter[frequency]=DAILY&filter[reportDate]=2025-11-01", token: token)
            #expect(none.status == 404)
            #expect(detail(none) == "There were no sales for the date specified.")
            let notYet = try await get(
                sandbox, base + "&filter[frequency]=DAILY&filter[reportDate]=2026-03-10", token: token)
            #expect(notYet.status == 404)
            #expect(detail(notYet)?.hasPrefix("Report is not available yet.") == true)
            let gone = try await get(
                sandbox, base + "&filter[frequency]=DAILY&filter[reportDate]=2024-03-01", token: token)
            #expect(gone.status == 410)
            let version = try await get(
                sandbox, base + "&filter[frequency]=DAILY&filter[reportDate]=2026-03-08&filter[version]=1_3",
                token: token)
            #expect(version.status == 400)
            #expect(code(version) == "PARAMETER_ERROR.INVALID")
            let combination = try await get(
                sandbox, base + "&filter[frequency]=MONTHLY&filter[reportDate]=2026-02-01", token: token)
            #expect(code(combination) == "PARAMETER_ERROR.INVALID.INVALID_COMBINATION")
        }
    }

    @Test("a key without a reports role is forbidden from salesReports")
    func forbidden() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let (account, jwt) = try await setUp(sandbox, roles: #"["DEVELOPER"]"#)
            let answer = try await get(
                sandbox,
                "/v1/salesReports?filter[vendorNumber]=\(account.vendors[0])&filter[reportType]=SALES&filter[reportSubType]=SUMMARY&filter[frequency]=DAILY",
                token: try jwt.token(now: Self.now))
            #expect(answer.status == 403)
            #expect(code(answer) == "FORBIDDEN_ERROR")
        }
    }

    @Test("userInvitations: create, list, and gone after acceptance; users then lists the invitee")
    func invitations() async throws {
        try await SandboxServer.withRunning(now: Self.now) { sandbox in
            let (account, jwt) = try await setUp(sandbox)
            let token = try jwt.token(now: Self.now)
            let created = try await SandboxHTTP.send(
                .POST, sandbox.baseURL + "/v1/userInvitations",
                body:
                    #"{"data":{"type":"userInvitations","attributes":{"email":"svc@orchard.example","firstName":"Orchard","lastName":"Service","roles":["SALES"]}}}"#,
                headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")])
            #expect(created.status == 201)
            let id = try #require((created.json["data"] as? [String: Any])?["id"] as? String)
            let list = try await get(sandbox, "/v1/userInvitations", token: token)
            #expect((list.json["data"] as? [[String: Any]])?.count == 1)
            try sandbox.world.acceptInvitation(email: "svc@orchard.example", account: account.number)
            let gone = try await get(sandbox, "/v1/userInvitations/\(id)", token: token)
            #expect(gone.status == 410)
            let users = try await get(sandbox, "/v1/users?filter[username]=svc@orchard.example", token: token)
            let user = try #require((users.json["data"] as? [[String: Any]])?.first)
            #expect((user["attributes"] as? [String: Any])?["roles"] as? [String] == ["SALES"])
        }
    }

    @Test("the hourly limit answers 429 RATE_LIMIT_EXCEEDED when exhausted")
    func rateLimit() async throws {
        try await SandboxServer.withRunning(now: Self.now, rateLimit: 2) { sandbox in
            let (_, jwt) = try await setUp(sandbox)
            let token = try jwt.token(now: Self.now)
            _ = try await get(sandbox, "/v1/apps", token: token)
            let last = try await get(sandbox, "/v1/apps", token: token)
            let refused = try await get(sandbox, "/v1/apps", token: token)
            #expect(last.header("X-Rate-Limit") == "user-hour-lim:2;user-hour-rem:0;")
            #expect(refused.status == 429)
            #expect(code(refused) == "RATE_LIMIT_EXCEEDED")
        }
    }

    private func code(_ answer: HTTPAnswer) -> String? {
        (answer.json["errors"] as? [[String: Any]])?.first?["code"] as? String
    }

    private func detail(_ answer: HTTPAnswer) -> String? {
        (answer.json["errors"] as? [[String: Any]])?.first?["detail"] as? String
    }
}
