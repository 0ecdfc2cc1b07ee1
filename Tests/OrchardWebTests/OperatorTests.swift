import AppStoreConnect
import AsyncHTTPClient
import ConnectSandbox
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrchardApp
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import Testing

@testable import OrchardWeb

@Suite("The operator page and /api/v1/admin, over real HTTP")
struct OperatorTests {
    @Test(
        "invitations waiting, the queue and its dead jobs with a retry; members are refused",
        arguments: TestBackend.available)
    func operatorPage(backend: TestBackend) async throws {
        try await WebHarness.run(backend, sandbox: true) { harness, client in
            let sandbox = try #require(harness.sandbox)
            let games = try sandbox.world.createAccount(name: "Acme Games", apps: 1)
            let (_, token) = try sandbox.world.createUser(appleId: "ada@acme.example", accounts: [games.number])
            // given an operator (promoted) and a member with a pending integration
            let operatorBrowser = Browser(client)
            _ = try await AccountPageTests.submit(
                operatorBrowser, "/signup", [("email", "ops@example.com"), ("password", AccountPageTests.password)])
            try await harness.promote("ops@example.com")
            let member = Browser(client)
            let memberToken = try #require(
                try await member.request(
                    "/api/v1/auth/signup", method: .post,
                    json: #"{"email": "ada@example.com", "password": "\#(AccountPageTests.password)"}"#
                ).json?["token"] as? String)
            let memberAuth: HTTPFields = [.authorization: "Bearer \(memberToken)"]
            let validated = try await member.request(
                "/api/v1/asc/tokens", method: .post, json: #"{"accessToken": "\#(token.value)"}"#, headers: memberAuth)
            let tokenID = try #require((validated.json?["token"] as? [String: Any])?["id"] as? Int)
            let finished = try await member.request(
                "/api/v1/asc/integrations", method: .post,
                json: #"{"tokenId": \#(tokenID), "accounts": ["\#(games.number)"], "invitationConfirmed": true}"#,
                headers: memberAuth)
            #expect(finished.status == .created)

            // and a job that used every attempt
            let queue = JobQueue(database: harness.database)
            try await queue.enqueue(
                kind: "backfill_account", payload: "{}", dedupeKey: "backfill:x", storeAccountID: nil,
                runAfter: WebHarness.start, now: WebHarness.start)
            let job = try #require(try await queue.claim(owner: "test", lease: 60, now: WebHarness.start))
            try await queue.fail(job, error: "Apple said no, politely", permanent: true, now: WebHarness.start)
            try await queue.enqueue(
                kind: "sync_account", dedupeKey: "sync:y", runAfter: WebHarness.start, now: WebHarness.start)
            let failing = try #require(try await queue.claim(owner: "test", lease: 60, now: WebHarness.start))
            try await queue.fail(failing, error: "Apple is down for a moment", now: WebHarness.start)

            // members are refused
            #expect(
                try await member.request("/api/v1/admin/jobs", headers: memberAuth).apiError?.code == "operator_only")
            let memberPage = try await member.request("/operator", headers: memberAuth)
            #expect(memberPage.status == .forbidden)

            // the operator sees the waiting account, the queue and the dead job
            harness.clock.advance(by: 5 * 3_600)
            let page = try await operatorBrowser.request("/operator")
            #expect(page.status == .ok)
            #expect(page.text.contains("Acme Games (\(games.number))"))
            #expect(page.text.contains("Apple said no, politely"))
            #expect(page.text.contains("Apple is down for a moment"))
            #expect(page.text.contains(WebHarness.serviceAppleID))
            #expect(page.text.contains(#"href="/operator">Operator</a>"#))
            let invitations = try await operatorBrowser.request("/api/v1/admin/invitations")
            let waiting = try #require(invitations.json?["invitations"] as? [[String: Any]])
            #expect(waiting.count == 1)
            #expect(waiting.first?["ageHours"] as? Int == 5)
            let jobs = try await operatorBrowser.request("/api/v1/admin/jobs")
            let dead = try #require(jobs.json?["dead"] as? [[String: Any]])
            #expect(dead.first?["lastError"] as? String == "Apple said no, politely")
            #expect(
                (jobs.json?["retrying"] as? [[String: Any]])?.first?["lastError"] as? String
                    == "Apple is down for a moment")
            #expect(((jobs.json?["depth"] as? [String: Any])?["backfill_account"] as? [String: Int])?["dead"] == 1)

            // retry queues it again, once
            let csrf = try #require(Browser.csrfToken(in: page.text))
            let retried = try await operatorBrowser.request(
                "/operator/jobs/\(job.id)/retry", method: .post, form: [("_csrf", csrf)])
            #expect(retried.status == .seeOther)
            #expect(try await operatorBrowser.request("/operator").text.contains("The job is queued again"))
            #expect(try await queue.counts()["backfill_account"]?[.queued] == 1)
            let twice = try await operatorBrowser.request(
                "/operator/jobs/\(job.id)/retry", method: .post, form: [("_csrf", csrf)])
            #expect(twice.status == .notFound)
        }
    }
}
