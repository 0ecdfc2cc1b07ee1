import Foundation
import Hummingbird
import OrchardCore
import OrchardStorage

/// My Account > Data Integration and the funnel's pages (the same `Funnel` as the API).
struct IntegrationsController: Sendable {
    let funnel: Funnel

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.integrations.pattern) { request, context in
            let user = try context.requireUser()
            let rows = try await funnel.integrations(of: user).map {
                IntegrationsPage.Row(integration: $0.integration, account: $0.account)
            }
            return IntegrationsPage.view(
                .init(
                    rows: rows, serviceAppleID: funnel.settings.serviceAppleID,
                    checkSeconds: funnel.settings.invitationCheckSeconds, now: funnel.now()),
                frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.removeIntegration(id: 0).pattern) { request, context in
            let user = try context.requireUser()
            guard try await funnel.integrations.delete(id: try Self.id(context), userID: user.id, now: funnel.now())
            else { throw WebError.notFound }
            return Flash.redirect(to: .integrations, .integrationRemoved, request: request)
        }
        router.post(SiteRoute.restartIntegration(id: 0).pattern) { _, context in
            let user = try context.requireUser()
            guard try await funnel.integrations.delete(id: try Self.id(context), userID: user.id, now: funnel.now())
            else { throw WebError.notFound }
            return Redirect.to(SiteRoute.funnelToken.path)
        }

        // Step 1
        router.get(SiteRoute.funnelToken.pattern) { request, context in
            let user = try context.requireUser()
            return FunnelPage.token(
                .init(kept: try await funnel.usableTokens(user: user)), frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.funnelToken.pattern) { request, context in
            let user = try context.requireUser()
            let raw = URLForm.value(of: "accessToken", in: try await Self.form(request, context)) ?? ""
            do {
                let (record, accounts) = try await funnel.submit(token: raw, user: user)
                return FunnelPage.token(
                    .init(kept: try await funnel.usableTokens(user: user), validated: (record, accounts)),
                    frame: PageFrame(context, request: request))
            } catch let error as WebError {
                return FunnelPage.token(
                    .init(kept: try await funnel.usableTokens(user: user), error: error),
                    frame: PageFrame(context, request: request))
            }
        }

        // Step 2
        router.get(SiteRoute.funnelAccounts(token: 0).pattern) { request, context in
            let user = try context.requireUser()
            return try await accountsPage(user: user, tokenID: try Self.id(context), request: request, context: context)
        }
        router.post(SiteRoute.funnelAccounts(token: 0).pattern) { request, context in
            let user = try context.requireUser()
            let tokenID = try Self.id(context)
            let chosen = URLForm.values(of: "account", in: try await Self.form(request, context))
            guard !chosen.isEmpty else {
                return try await accountsPage(
                    user: user, tokenID: tokenID, error: .noAccountsSelected, request: request, context: context
                ).response(from: request, context: context)
            }
            return Redirect.to(SiteRoute.funnelInvite(token: tokenID, accounts: chosen).path)
        }

        // Step 3
        router.get(SiteRoute.funnelInvite(token: 0).pattern) { request, context in
            let user = try context.requireUser()
            let tokenID = try Self.id(context)
            let chosen = URLForm.values(of: "account", in: request.uri.query ?? "")
            return try await invitePage(
                user: user, tokenID: tokenID, chosen: chosen, request: request, context: context)
        }
        router.post(SiteRoute.funnelFinish(token: 0).pattern) { request, context in
            let user = try context.requireUser()
            let tokenID = try Self.id(context)
            let form = try await Self.form(request, context)
            let chosen = URLForm.values(of: "account", in: form)
            do {
                let created = try await funnel.finish(
                    user: user, tokenID: tokenID, accounts: chosen,
                    confirmed: URLForm.value(of: "invitationConfirmed", in: form) == "true")
                let active = created.filter { $0.status == .active }.count
                let flash: Flash =
                    active == 0
                    ? .integrationsCreated
                    : active == created.count
                        ? .integrationsActive
                        : .integrationsPartlyActive
                return Flash.redirect(to: .integrations, flash, request: request)
            } catch let error as WebError where error == .invitationNotConfirmed || error == .noAccountsSelected {
                return try await invitePage(
                    user: user, tokenID: tokenID, chosen: chosen, error: error, request: request, context: context
                ).response(from: request, context: context)
            }
        }
    }

    private func accountsPage(
        user: User, tokenID: Int64, error: WebError? = nil, request: Request, context: OrchardRequestContext
    ) async throws -> HTMLPage {
        guard let record = try await funnel.usableTokens(user: user).first(where: { $0.id == tokenID }) else {
            throw WebError.funnelTokenGone
        }
        let accounts = try await funnel.accounts(tokenID: tokenID, user: user)
        let integrated = Set(try await funnel.integrations.list(userID: user.id).map(\.accountNumber))
        return FunnelPage.accounts(
            .init(tokenID: tokenID, masked: record.masked, accounts: accounts, integrated: integrated, error: error),
            frame: PageFrame(context, request: request))
    }

    private func invitePage(
        user: User, tokenID: Int64, chosen: [String], error: WebError? = nil, request: Request,
        context: OrchardRequestContext
    ) async throws -> HTMLPage {
        let seen = try await funnel.accounts(tokenID: tokenID, user: user)
        let selected = chosen.compactMap { number in seen.first { $0.number == number } }
        if let unknown = chosen.first(where: { number in !seen.contains { $0.number == number } }) {
            throw WebError.unknownAccount(unknown)
        }
        guard !selected.isEmpty else { throw WebError.noAccountsSelected }
        return FunnelPage.invite(
            .init(tokenID: tokenID, accounts: selected, invitation: funnel.invitation, error: error),
            frame: PageFrame(context, request: request))
    }

    private static func form(_ request: Request, _ context: OrchardRequestContext) async throws -> String {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw WebError.unsupportedMediaType
        }
        return String(buffer: try await request.body.collect(upTo: context.maxUploadSize))
    }

    static func id(_ context: OrchardRequestContext) throws(WebError) -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw .notFound }
        return id
    }
}
