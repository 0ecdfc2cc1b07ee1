import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SalesReports

/// The control API under `/sandbox/v1` (docs/SANDBOX.md, Control API): JSON in and out, errors as
/// `{"error": {"code", "message"}}`.
struct ControlController: Sendable {
    let world: SandboxWorld
    let faults: FaultInjector
    let library: ReportLibrary

    func addRoutes(to router: Router<some RequestContext>) {
        let group = router.group("sandbox/v1")
        group.post("accounts") { request, context in
            try await run(request, context, ControlBody.NewAccount.self) { body throws(SandboxWorldError) in
                let account = try world.createAccount(
                    name: body.name, apps: body.apps ?? 3, seed: body.seed, historyDays: body.historyDays ?? 400)
                return JSONReply.response(ControlBody.Account(account), status: .created)
            }
        }
        group.get("accounts") { _, _ in
            JSONReply.response(["accounts": world.accounts.map(ControlBody.Account.init)])
        }
        group.patch("accounts/:number") { request, context in
            let number = try accountNumber(context)
            return try await run(request, context, ControlBody.AccountChange.self) { body throws(SandboxWorldError) in
                if let name = body.name { try world.renameAccount(number, to: name) }
                return JSONReply.response(ControlBody.Account(try world.account(number)))
            }
        }
        group.post("accounts/:number/vendors") { request, context in
            let number = try accountNumber(context)
            return try await run(request, context, ControlBody.NewVendor.self) { body throws(SandboxWorldError) in
                JSONReply.response(
                    ControlBody.Account(try world.addVendor(to: number, apps: body.apps ?? 1)), status: .created)
            }
        }
        group.delete("accounts/:number/vendors/:vendor") { _, context in
            let number = try accountNumber(context)
            let vendor = Int(try parameter("vendor", context)) ?? -1
            return answer { () throws(SandboxWorldError) in
                try world.removeVendor(vendor, from: number)
                return Response(status: .noContent)
            }
        }
        group.post("users") { request, context in
            try await run(request, context, ControlBody.NewUser.self) { body throws(SandboxWorldError) in
                let (user, token) = try world.createUser(
                    appleId: body.appleId, accounts: (body.accounts ?? []).map(\.value),
                    roles: Set(body.roles ?? [.admin]), firstName: body.firstName ?? "", lastName: body.lastName ?? "",
                    expiresInDays: body.expiresInDays ?? 180)
                return JSONReply.response(
                    ControlBody.NewUserAnswer(
                        appleId: user.appleId, accessToken: token.value, expiresAt: token.expiresAt),
                    status: .created)
            }
        }
        group.post("users/:appleId/token") { request, context in
            let appleId = try parameter("appleId", context)
            return try await run(request, context, ControlBody.NewToken.self) { body throws(SandboxWorldError) in
                let token = try world.generateToken(appleId: appleId, expiresInDays: body.expiresInDays ?? 180)
                return JSONReply.response(
                    ControlBody.TokenAnswer(accessToken: token.value, expiresAt: token.expiresAt), status: .created)
            }
        }
        group.post("accounts/:number/invitations") { request, context in
            let number = try accountNumber(context)
            return try await run(request, context, ControlBody.NewInvitation.self) { body throws(SandboxWorldError) in
                let invitation = try world.invite(
                    email: body.email, to: number, roles: Set(body.roles ?? [.sales]), firstName: body.firstName ?? "",
                    lastName: body.lastName ?? "")
                return JSONReply.response(ControlBody.InvitationAnswer(invitation), status: .created)
            }
        }
        group.post("accounts/:number/invitations/:email/accept") { _, context in
            let number = try accountNumber(context)
            let email = try parameter("email", context)
            return answer { () throws(SandboxWorldError) in
                JSONReply.response(
                    ControlBody.InvitationAnswer(try world.acceptInvitation(email: email, account: number)))
            }
        }
        group.delete("accounts/:number/users/:email") { _, context in
            let number = try accountNumber(context)
            let email = try parameter("email", context)
            return answer { () throws(SandboxWorldError) in
                try world.removeUser(email: email, from: number)
                return Response(status: .noContent)
            }
        }
        addSystemRoutes(to: group)
    }

    private func addSystemRoutes(to group: RouterGroup<some RequestContext>) {
        group.post("keys") { request, context in
            try await run(request, context, ControlBody.NewKey.self) { body throws(SandboxWorldError) in
                let (key, pem) = try world.registerKey(
                    issuerId: body.issuerId, roles: Set(body.roles ?? [.admin]), accounts: body.accounts?.map(\.value))
                return JSONReply.response(
                    ControlBody.KeyAnswer(
                        keyId: key.keyId, issuerId: key.issuerId, roles: key.roles.sorted { $0.rawValue < $1.rawValue },
                        accounts: key.accounts.map(String.init), privateKeyPEM: pem),
                    status: .created)
            }
        }
        group.get("faults") { _, _ in JSONReply.response(faults.settings) }
        group.put("faults") { request, context in
            let buffer = try await request.body.collect(upTo: 1 << 16)
            guard let settings = JSONReply.decode(FaultSettings.self, from: buffer) else {
                return JSONReply.error("invalid_request", "The body is not a faults object.", status: .badRequest)
            }
            if let problem = settings.problem {
                return JSONReply.error("invalid_request", problem, status: .badRequest)
            }
            faults.settings = settings
            return JSONReply.response(settings)
        }
        // The latest version of each subscription report, by Reporter type name: Apple moves one on
        // without notice, and answers an older one with an error naming the latest.
        group.get("report-versions") { _, _ in JSONReply.response(versions()) }
        group.put("report-versions") { request, context in
            let buffer = try await request.body.collect(upTo: 1 << 16)
            guard let change = JSONReply.decode([String: String].self, from: buffer) else {
                return JSONReply.error(
                    "invalid_request",
                    "The body is an object of report type to version, such as {\"Subscription\": \"1_4\"}.",
                    status: .badRequest)
            }
            var updates: [(ReportType, String)] = []
            for (name, version) in change {
                guard let type = ReportType(reporterName: name), type.isSubscription else {
                    return JSONReply.error(
                        "invalid_request", "\(name) is not Subscription, SubscriptionEvent or Subscriber.",
                        status: .badRequest)
                }
                let parts = version.split(separator: "_", omittingEmptySubsequences: false)
                guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) })
                else {
                    return JSONReply.error(
                        "invalid_request", "A version is written like 1_4.", status: .badRequest)
                }
                updates.append((type, version))
            }
            for (type, version) in updates { library.setLatestVersion(version, for: type) }
            return JSONReply.response(versions())
        }
        group.get("state") { _, _ in
            JSONReply.response(ControlBody.State(world: world, faults: faults.settings))
        }
        group.get("clock") { _, _ in
            JSONReply.response(ControlBody.ClockAnswer(now: world.clock.now(), frozen: world.clock.isFrozen))
        }
        group.put("clock") { request, context in
            let buffer = try await request.body.collect(upTo: 1 << 16)
            guard let change = JSONReply.decode(ControlBody.ClockChange.self, from: buffer) else {
                return JSONReply.error("invalid_request", "The body is not a clock object.", status: .badRequest)
            }
            if let text = change.now {
                guard let date = JSONReply.parseTimestamp(text) else {
                    return JSONReply.error("invalid_request", "now must be an ISO 8601 timestamp.", status: .badRequest)
                }
                world.clock.set(date, frozen: change.frozen ?? false)
            }
            if let seconds = change.advanceSeconds { world.clock.advance(by: seconds) }
            return JSONReply.response(ControlBody.ClockAnswer(now: world.clock.now(), frozen: world.clock.isFrozen))
        }
    }

    private func versions() -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: [ReportType.subscription, .subscriptionEvent, .subscriber].map {
                ($0.rawValue, library.latestVersion($0))
            })
    }

    private func run<Body: Decodable>(
        _ request: Request, _ context: some RequestContext, _ type: Body.Type,
        _ body: (Body) throws(SandboxWorldError) -> Response
    ) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard let decoded = JSONReply.decode(type, from: buffer) else {
            return JSONReply.error(
                "invalid_request", "The body is not valid JSON for this request.", status: .badRequest)
        }
        return answer { () throws(SandboxWorldError) in try body(decoded) }
    }

    private func answer(_ body: () throws(SandboxWorldError) -> Response) -> Response {
        do {
            return try body()
        } catch {
            return JSONReply.error(error.code, error.message, status: Self.status(of: error))
        }
    }

    static func status(of error: SandboxWorldError) -> HTTPResponse.Status {
        switch error {
        case .unknownAccount, .unknownAppleID, .unknownInvitation, .notMember: return .notFound
        case .appleIDTaken, .alreadyMember, .alreadyInvited, .invitationNotPending: return .conflict
        case .invitationExpired: return .gone
        case .invalid: return .unprocessableContent
        }
    }

    private func parameter(_ name: String, _ context: some RequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }

    private func accountNumber(_ context: some RequestContext) throws -> Int {
        guard let number = Int(try parameter("number", context)) else {
            throw HTTPError(.notFound, message: "There is no such account.")
        }
        return number
    }
}
