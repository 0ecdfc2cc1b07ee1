import Foundation
import Hummingbird
import OrchardApp
import OrchardCore
import OrchardStorage

/// The funnel and the user's integrations through the JSON API (docs/API.md).
struct FunnelAPIController: Sendable {
    let funnel: Funnel
    let integrations: Integrations

    struct TokenBody: Decodable {
        let accessToken: String
    }

    struct FinishBody: Decodable {
        let tokenId: Int64
        let accounts: [String]
        let invitationConfirmed: Bool?
    }

    struct TokenView: Encodable {
        let id: Int64
        let masked: String
        let createdAt: Date
        let usableUntil: Date

        init(_ record: FunnelTokenRecord) {
            id = record.id
            masked = record.masked
            createdAt = record.createdAt
            usableUntil = record.usableUntil
        }
    }

    struct Validated: ResponseEncodable {
        let token: TokenView
        let accounts: [Funnel.SeenAccount]
    }

    struct Tokens: ResponseEncodable {
        let tokens: [TokenView]
    }

    struct SeenAccounts: ResponseEncodable {
        let accounts: [Funnel.SeenAccount]
    }

    struct InvitationView: ResponseEncodable {
        let serviceAppleId: String?
        let configured: Bool
        let roles: [String]
        let steps: [String]

        enum CodingKeys: String, CodingKey { case serviceAppleId, configured, roles, steps }

        /// `null` written out: a script reads every field of docs/API.md, set or not.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(serviceAppleId, forKey: .serviceAppleId)
            try container.encode(configured, forKey: .configured)
            try container.encode(roles, forKey: .roles)
            try container.encode(steps, forKey: .steps)
        }
    }

    struct IntegrationView: ResponseEncodable {
        struct Account: Encodable {
            let number: String
            let name: String
        }
        struct Backfill: Encodable {
            let done: Int
            let total: Int
        }
        struct Problem: Encodable {
            let code: String
            let message: String
        }
        let id: Int64
        let platform = "app-store-connect"
        let account: Account
        let status: String
        let statusReason: String?
        let createdAt: Date
        let activatedAt: Date?
        let lastSyncAt: Date?
        let backfill: Backfill
        let syncError: String?
        let problem: Problem?

        enum CodingKeys: String, CodingKey {
            case id, platform, account, status, statusReason, createdAt, activatedAt, lastSyncAt, backfill, syncError
            case problem
        }

        /// Every field of docs/API.md, `null` when unset rather than absent.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(platform, forKey: .platform)
            try container.encode(account, forKey: .account)
            try container.encode(status, forKey: .status)
            try container.encode(statusReason, forKey: .statusReason)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(activatedAt, forKey: .activatedAt)
            try container.encode(lastSyncAt, forKey: .lastSyncAt)
            try container.encode(backfill, forKey: .backfill)
            try container.encode(syncError, forKey: .syncError)
            try container.encode(problem, forKey: .problem)
        }

        init(_ row: Integrations.Row) {
            let (integration, store) = (row.integration, row.account)
            id = integration.id
            account = Account(number: integration.accountNumber, name: integration.accountName)
            status = integration.status.rawValue
            statusReason = integration.statusReason
            createdAt = integration.createdAt
            activatedAt = integration.activatedAt
            lastSyncAt = store?.lastSyncAt
            backfill = Backfill(done: store?.backfill.done ?? 0, total: store?.backfill.total ?? 0)
            syncError = store?.lastError
            problem = row.problem.map { Problem(code: $0.code, message: $0.message) }
        }
    }

    struct IntegrationList: ResponseEncodable {
        let integrations: [IntegrationView]
    }

    struct AppView: Encodable {
        struct Account: Encodable {
            let number: String
            let name: String
        }
        let sku: String
        let appleIdentifier: String?
        let title: String?
        let account: Account

        enum CodingKeys: String, CodingKey { case sku, appleIdentifier, title, account }

        /// `null` written out, as in every answer of docs/API.md.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(sku, forKey: .sku)
            try container.encode(appleIdentifier, forKey: .appleIdentifier)
            try container.encode(title, forKey: .title)
            try container.encode(account, forKey: .account)
        }
    }

    struct Apps: ResponseEncodable {
        let apps: [AppView]
    }

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.post(SiteRoute.api(.funnelTokens).pattern) { request, context in
            let user = try context.requireUser()
            let body = try await request.decode(as: TokenBody.self, context: context)
            let (record, accounts) = try await funnel.submit(token: body.accessToken, user: user)
            return EditedResponse(status: .created, response: Validated(token: TokenView(record), accounts: accounts))
        }
        router.get(SiteRoute.api(.funnelTokens).pattern) { _, context in
            Tokens(tokens: try await funnel.usableTokens(user: try context.requireUser()).map(TokenView.init))
        }
        router.get(SiteRoute.api(.funnelTokenAccounts(id: 0)).pattern) { _, context in
            let user = try context.requireUser()
            return SeenAccounts(accounts: try await funnel.accounts(tokenID: try Self.id(context), user: user))
        }
        router.delete(SiteRoute.api(.funnelToken(id: 0)).pattern) { _, context in
            let user = try context.requireUser()
            try await funnel.forget(tokenID: try Self.id(context), user: user)
            return Response(status: .noContent)
        }
        router.get(SiteRoute.api(.invitation).pattern) { _, context in
            _ = try context.requireUser()
            let invitation = funnel.invitation
            return InvitationView(
                serviceAppleId: invitation.serviceAppleID, configured: invitation.serviceAppleID != nil,
                roles: invitation.roles, steps: invitation.steps)
        }
        router.post(SiteRoute.api(.funnelIntegrations).pattern) { request, context in
            let user = try context.requireUser()
            let body = try await request.decode(as: FinishBody.self, context: context)
            let created = try await funnel.finish(
                user: user, tokenID: body.tokenId, accounts: body.accounts, confirmed: body.invitationConfirmed == true)
            return EditedResponse(
                status: .created,
                response: IntegrationList(integrations: created.map(IntegrationView.init)))
        }
        router.get(SiteRoute.api(.integrations).pattern) { _, context in
            IntegrationList(
                integrations: try await integrations.rows(of: try context.requireUser()).map(IntegrationView.init))
        }
        router.get(SiteRoute.api(.apps).pattern) { _, context in
            Apps(
                apps: try await integrations.apps(of: try context.requireUser()).map {
                    AppView(
                        sku: $0.sku, appleIdentifier: $0.appleIdentifier, title: $0.title,
                        account: .init(number: $0.accountNumber, name: $0.accountName))
                })
        }
        router.get(SiteRoute.api(.integration(id: 0)).pattern) { _, context in
            IntegrationDetailView(
                try await integrations.detail(id: try Self.id(context), of: try context.requireUser()))
        }
        router.post(SiteRoute.api(.integrationCheck(id: 0)).pattern) { _, context in
            let again = try await integrations.checkNow(id: try Self.id(context), of: try context.requireUser())
            return EditedResponse(status: .accepted, response: CheckQueued(checkAgainAt: again))
        }
        router.post(SiteRoute.api(.integrationReconnect(id: 0)).pattern) { _, context in
            IntegrationView(try await integrations.reconnect(id: try Self.id(context), of: try context.requireUser()))
        }
        router.delete(SiteRoute.api(.integration(id: 0)).pattern) { _, context in
            try await integrations.remove(id: try Self.id(context), of: try context.requireUser())
            return Response(status: .noContent)
        }
    }

    /// The `:id` of the path; a non-number is as unknown as a number that is not the user's.
    static func id(_ context: OrchardRequestContext) throws(WebError) -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw .notFound }
        return id
    }
}
