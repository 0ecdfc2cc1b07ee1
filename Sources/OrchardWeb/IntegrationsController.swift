import Foundation
import Hummingbird
import OrchardApp
import OrchardCore
import OrchardStorage

/// My Account > Data Integration and the funnel's pages (the same ``Funnel`` as the API).
struct IntegrationsController: Sendable {
    let funnel: Funnel
    let integrations: Integrations
    /// Where the Data Integration page's content is kept rendered (``CachedAnswer/html(_:cache:render:)``).
    let cache: MetricsCache

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.integrations.pattern) { request, context in
            // The rows are read each time; their HTML is rendered once per what it prints.
            let frame = PageFrame(context, request: request)
            let lines = IntegrationsPage.lines(try await integrations.overview(of: try context.requireUser()))
            let key = IntegrationsPage.contentKey(lines, csrfToken: frame.csrfToken)
            let content = try await CachedAnswer.html(key, cache: cache) {
                IntegrationsPage.renderedContent(lines, frame: frame)
            }
            return IntegrationsPage.view(content: content, frame: frame)
        }
        router.get(SiteRoute.integration(id: 0).pattern) { request, context in
            IntegrationPage.view(
                try await integrations.detail(id: try Self.id(context), of: try context.requireUser()),
                frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.checkIntegration(id: 0).pattern) { request, context in
            let id = try Self.id(context)
            do {
                try await integrations.checkNow(id: id, of: try context.requireUser())
                return Flash.redirect(to: .integration(id: id), .checkQueued, request: request)
            } catch IntegrationError.checkedRecently {
                return Flash.redirect(to: .integration(id: id), .checkedRecently, request: request)
            }
        }
        router.post(SiteRoute.reconnectIntegration(id: 0).pattern) { request, context in
            let id = try Self.id(context)
            _ = try await integrations.reconnect(id: id, of: try context.requireUser())
            return Flash.redirect(to: .integration(id: id), .reconnected, request: request)
        }
        router.post(SiteRoute.removeIntegration(id: 0).pattern) { request, context in
            let last = try await integrations.remove(id: try Self.id(context), of: try context.requireUser())
            return Flash.redirect(
                to: .integrations, last ? .integrationRemovedLast : .integrationRemoved, request: request)
        }
        router.post(SiteRoute.restartIntegration(id: 0).pattern) { _, context in
            try await integrations.remove(id: try Self.id(context), of: try context.requireUser())
            return Redirect.to(SiteRoute.funnelToken.path)
        }

        // Step 1
        router.get(SiteRoute.funnelToken.pattern) { request, context in
            FunnelPage.token(
                try await funnel.tokenStep(user: try context.requireUser()), frame: PageFrame(context, request: request)
            )
        }
        router.post(SiteRoute.funnelToken.pattern) { request, context in
            let user = try context.requireUser()
            let raw = URLForm.value(of: "accessToken", in: try await Self.form(request, context)) ?? ""
            return FunnelPage.token(
                try await funnel.tokenStep(user: user, submitting: raw), frame: PageFrame(context, request: request))
        }

        // Step 2
        router.get(SiteRoute.funnelAccounts(token: 0).pattern) { request, context in
            try await Self.backToStepOne(request, context) {
                FunnelPage.accounts(
                    .init(
                        try await funnel.accountsStep(tokenID: try Self.id(context), user: try context.requireUser())),
                    frame: PageFrame(context, request: request))
            }
        }
        router.post(SiteRoute.funnelAccounts(token: 0).pattern) { request, context in
            try await Self.backToStepOne(request, context) { try await chooseAccounts(request, context) }
        }

        // Step 3
        router.get(SiteRoute.funnelInvite(token: 0).pattern) { request, context in
            let chosen = URLForm.values(of: "account", in: request.uri.query ?? "")
            return try await Self.backToStepOne(request, context) {
                FunnelPage.invite(
                    .init(
                        try await funnel.inviteStep(
                            tokenID: try Self.id(context), user: try context.requireUser(), chosen: chosen)),
                    frame: PageFrame(context, request: request))
            }
        }
        router.post(SiteRoute.funnelFinish(token: 0).pattern) { request, context in
            try await Self.backToStepOne(request, context) { try await finish(request, context) }
        }
    }

    /// Step 2's form: the chosen accounts lead to step 3. Another user's token is as if it did not
    /// exist, here as on every step.
    private func chooseAccounts(_ request: Request, _ context: OrchardRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let tokenID = try Self.id(context)
        let chosen = URLForm.values(of: "account", in: try await Self.form(request, context))
        let step = try await funnel.accountsStep(tokenID: tokenID, user: user)
        guard !chosen.isEmpty else {
            return FunnelPage.accounts(
                .init(step, error: .noAccountsSelected), frame: PageFrame(context, request: request)
            )
            .response(from: request, context: context)
        }
        return Redirect.to(SiteRoute.funnelInvite(token: tokenID, accounts: chosen).path)
    }

    /// Step 3's form: Finish.
    private func finish(_ request: Request, _ context: OrchardRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let tokenID = try Self.id(context)
        let form = try await Self.form(request, context)
        let chosen = URLForm.values(of: "account", in: form)
        do {
            let created = try await funnel.finish(
                user: user, tokenID: tokenID, accounts: chosen,
                confirmed: URLForm.value(of: "invitationConfirmed", in: form) == "true")
            let active = created.filter { $0.integration.status == .active }.count
            let flash: Flash =
                active == 0
                ? .integrationsCreated
                : active == created.count
                    ? .integrationsActive
                    : .integrationsPartlyActive
            return Flash.redirect(to: .integrations, flash, request: request)
        } catch let error as FunnelError where error == .invitationNotConfirmed || error == .noAccountsSelected {
            return FunnelPage.invite(
                .init(
                    try await funnel.inviteStep(tokenID: tokenID, user: user, chosen: chosen),
                    error: WebError(error)),
                frame: PageFrame(context, request: request)
            ).response(from: request, context: context)
        }
    }

    /// Runs a funnel page's handler; a kept token Apple stopped accepting sends the person back to
    /// step 1, saying why.
    private static func backToStepOne(
        _ request: Request, _ context: OrchardRequestContext,
        _ body: () async throws -> some ResponseGenerator
    ) async throws -> Response {
        do {
            return try await body().response(from: request, context: context)
        } catch FunnelError.tokenStoppedWorking {
            return Flash.redirect(to: .funnelToken, .funnelTokenStopped, request: request)
        }
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
