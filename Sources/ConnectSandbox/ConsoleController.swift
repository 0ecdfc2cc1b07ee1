import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Plot

/// The "App Store Connect (sandbox)" web page: sign in as an Apple ID, see its accounts,
/// Users and Access (invite by email with roles, remove a user), generate an access token,
/// and accept invitations addressed to you.
struct ConsoleController: Sendable {
    let world: SandboxWorld
    static let cookie = "sandbox_apple_id"

    func addRoutes(to router: Router<some RequestContext>) {
        router.get(RouterPath(stringLiteral: ConsoleRoute.home)) { request, context in
            ConsoleViews.signIn(users: world.users).response(from: request, context: context)
        }
        router.post(RouterPath(stringLiteral: ConsoleRoute.signIn)) { request, _ in
            let form = try await form(request)
            guard let appleId = form["appleId"], (try? world.user(appleId)) != nil else {
                return redirect(ConsoleRoute.home)
            }
            var response = redirect(ConsoleRoute.console)
            response.headers[.setCookie] =
                "\(Self.cookie)=\(FormFields.encode(appleId)); Path=/; HttpOnly; SameSite=Lax"
            return response
        }
        router.post(RouterPath(stringLiteral: ConsoleRoute.signOut)) { _, _ in
            var response = redirect(ConsoleRoute.home)
            response.headers[.setCookie] = "\(Self.cookie)=; Path=/; Max-Age=0"
            return response
        }
        router.get(RouterPath(stringLiteral: ConsoleRoute.console)) { request, context in
            guard let user = signedIn(request) else { return redirect(ConsoleRoute.home) }
            return ConsoleViews.home(user: user, world: world, newToken: nil).response(from: request, context: context)
        }
        router.post(RouterPath(stringLiteral: ConsoleRoute.token)) { request, context in
            guard let user = signedIn(request) else { return redirect(ConsoleRoute.home) }
            let token = try? world.generateToken(appleId: user.appleId)
            let refreshed = (try? world.user(user.appleId)) ?? user
            return ConsoleViews.home(user: refreshed, world: world, newToken: token)
                .response(from: request, context: context)
        }
        router.post("/console/invitations/:id/accept") { request, context in
            guard signedIn(request) != nil, let id = context.parameters.get("id") else {
                return redirect(ConsoleRoute.home)
            }
            _ = try? world.acceptInvitation(id: id)
            return redirect(ConsoleRoute.console)
        }
        addAccountRoutes(to: router)
    }

    private func addAccountRoutes(to router: Router<some RequestContext>) {
        router.get("/console/accounts/:number/users") { request, context in
            guard let (user, account) = manager(request, context) else { return redirect(ConsoleRoute.console) }
            return ConsoleViews.users(user: user, account: account, world: world, problem: nil)
                .response(from: request, context: context)
        }
        router.post("/console/accounts/:number/invitations") { request, context in
            guard let (user, account) = manager(request, context) else { return redirect(ConsoleRoute.console) }
            let form = try await form(request)
            let roles = Set(form.items.filter { $0.name == "roles" }.compactMap { SandboxRole(rawValue: $0.value) })
            do throws(SandboxWorldError) {
                try world.invite(
                    email: form["email"] ?? "", to: account.number, roles: roles, firstName: form["firstName"] ?? "",
                    lastName: form["lastName"] ?? "")
            } catch {
                return ConsoleViews.users(user: user, account: account, world: world, problem: error.message)
                    .response(from: request, context: context)
            }
            return redirect(ConsoleRoute.users(account.number))
        }
        router.post("/console/accounts/:number/users/:email/remove") { request, context in
            guard let (_, account) = manager(request, context), let raw = context.parameters.get("email") else {
                return redirect(ConsoleRoute.console)
            }
            try? world.removeUser(email: raw.removingPercentEncoding ?? raw, from: account.number)
            return redirect(ConsoleRoute.users(account.number))
        }
    }

    private func signedIn(_ request: Request) -> SandboxUser? {
        guard let value = request.cookies[Self.cookie]?.value, !value.isEmpty else { return nil }
        return try? world.user(value.removingPercentEncoding ?? value)
    }

    /// The signed-in user and the account of the path, when that user manages its users.
    private func manager(_ request: Request, _ context: some RequestContext) -> (SandboxUser, SandboxAccount)? {
        guard let user = signedIn(request), let number = context.parameters.get("number").flatMap({ Int($0) }),
            let account = world.visibleAccount(number, of: user.appleId, for: .users)
        else { return nil }
        return (user, account)
    }

    private func form(_ request: Request) async throws -> FormFields {
        FormFields(String(buffer: try await request.body.collect(upTo: 1 << 16)))
    }

    private func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
