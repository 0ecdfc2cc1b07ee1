import Foundation
import Hummingbird
import OrchardApp
import OrchardCore
import OrchardStorage

/// `/api/v1/auth/*`, `/api/v1/me` and the platforms list (docs/API.md).
struct AuthAPIController: Sendable {
    let membership: Membership
    let client: ClientAddress
    /// Sends a new user's confirmation link, when mail is configured.
    var notifications: Notifications?

    struct CredentialsBody: Decodable {
        let email: String
        let password: String
    }

    struct SignUpBody: Decodable {
        let email: String
        let password: String
        /// The setup code `orchard serve` printed: the first user needs it.
        let setupCode: String?
        /// The token of an operator's invitation link (`invitation=` in the link).
        let invitation: String?
    }

    struct UserBody: Encodable {
        let id: Int64
        let email: String
        let role: String
        let createdAt: Date
        let currency: String

        init(_ user: User) {
            id = user.id
            email = user.email
            role = user.role.rawValue
            createdAt = user.createdAt
            currency = user.currency
        }
    }

    struct SignedIn: ResponseEncodable {
        let user: UserBody
        let token: String
    }

    struct Me: ResponseEncodable {
        let user: UserBody
    }

    struct Platform: Encodable {
        let id: String
        let name: String
        let available: Bool
    }

    struct Platforms: ResponseEncodable {
        let platforms: [Platform]
    }

    static let platforms = [
        Platform(id: "app-store-connect", name: "App Store Connect", available: true),
        Platform(id: "google-play", name: "Google Play Console", available: false),
    ]

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.post(SiteRoute.api(.signUp).pattern) { request, context in
            let body = try await request.decode(as: SignUpBody.self, context: context)
            let (user, token) = try await membership.signUp(
                email: body.email, password: body.password,
                pass: .init(setupCode: body.setupCode, invitation: body.invitation),
                from: client.of(request, peer: context.remoteAddress), granting: .loginToken(name: "sign-up"))
            // The account exists: a confirmation that could not be queued is sent again from Notifications.
            try? await notifications?.welcome(user)
            return EditedResponse(status: .created, response: SignedIn(user: UserBody(user), token: token))
        }
        router.post(SiteRoute.api(.logIn).pattern) { request, context in
            let body = try await request.decode(as: CredentialsBody.self, context: context)
            let (user, token) = try await membership.signIn(
                email: body.email, password: body.password, from: client.of(request, peer: context.remoteAddress),
                granting: .loginToken(name: "login"))
            return SignedIn(user: UserBody(user), token: token)
        }
        router.delete(SiteRoute.api(.authToken).pattern) { request, context in
            _ = try context.requireUser()
            guard let bearer = AuthenticationMiddleware.bearer(request) else { throw WebError.authenticationRequired }
            try await membership.endToken(bearer)
            return Response(status: .noContent)
        }
        router.get(SiteRoute.api(.me).pattern) { _, context in
            Me(user: UserBody(try context.requireUser()))
        }
        router.get(SiteRoute.api(.platforms).pattern) { _, context in
            _ = try context.requireUser()
            return Platforms(platforms: Self.platforms)
        }
    }
}
