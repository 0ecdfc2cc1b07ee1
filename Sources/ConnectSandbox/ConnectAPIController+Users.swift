import Foundation
import Hummingbird
import NIOCore

extension ConnectAPIController {
    struct UserAttributes: Encodable {
        let username: String
        let firstName: String
        let lastName: String
        let roles: [SandboxRole]
        let allAppsVisible: Bool
        let provisioningAllowed: Bool
    }

    struct InvitationAttributes: Encodable {
        let email: String
        let firstName: String
        let lastName: String
        let expirationDate: Date
        let roles: [SandboxRole]
        let allAppsVisible: Bool
        let provisioningAllowed: Bool

        init(_ invitation: Invitation) {
            email = invitation.email
            firstName = invitation.firstName
            lastName = invitation.lastName
            expirationDate = invitation.expiresAt
            roles = invitation.roles.sorted { $0.rawValue < $1.rawValue }
            allAppsVisible = true
            provisioningAllowed = false
        }
    }

    struct InvitationRequest: Decodable {
        struct Payload: Decodable {
            let type: String
            let attributes: Attributes
        }

        struct Attributes: Decodable {
            let email: String?
            let firstName: String?
            let lastName: String?
            let roles: [SandboxRole]?
        }

        let data: Payload
    }

    /// A user of the key's team, with the roles of all its memberships there.
    struct TeamUser {
        let id: String
        let user: SandboxUser
        let roles: Set<SandboxRole>
    }

    func addUserRoutes(to router: Router<some RequestContext>) {
        router.get("/v1/users") { request, context in
            await authorized(request, context) { call throws(ConnectAPIError) in
                let users = try teamUsers(call)
                return try APIDocument.page(users, call: call, type: "users", id: \.id, attributes: attributes)
            }
        }
        router.get("/v1/users/:id") { request, context in
            await authorized(request, context) { call throws(ConnectAPIError) in
                guard let user = try teamUsers(call).first(where: { $0.id == call.parameters.get("id") }) else {
                    throw .notFound("There is no resource of type 'users' with id '\(call.parameters.get("id") ?? "")'")
                }
                return APIDocument.single(type: "users", id: user.id, attributes: attributes(user), call: call)
            }
        }
        router.delete("/v1/users/:id") { request, context in
            await authorized(request, context) { call throws(ConnectAPIError) in
                guard let user = try teamUsers(call).first(where: { $0.id == call.parameters.get("id") }) else {
                    throw .notFound("There is no resource of type 'users' with id '\(call.parameters.get("id") ?? "")'")
                }
                for account in call.key.accounts { try? world.removeUser(email: user.user.appleId, from: account) }
                return Response(status: .noContent)
            }
        }
        router.get("/v1/userInvitations") { request, context in
            await authorized(request, context) { call throws(ConnectAPIError) in
                try requireUserManager(call)
                var invitations = call.key.accounts.flatMap { world.invitations(account: $0) }.filter {
                    $0.state == .pending
                }
                if let email = call.filter("email") {
                    invitations = invitations.filter { $0.email == email.lowercased() }
                }
                return try APIDocument.page(
                    invitations, call: call, type: "userInvitations", id: \.id, attributes: InvitationAttributes.init)
            }
        }
        router.get("/v1/userInvitations/:id") { request, context in
            await authorized(request, context) { call throws(ConnectAPIError) in
                let invitation = try invitation(call)
                return APIDocument.single(
                    type: "userInvitations", id: invitation.id, attributes: InvitationAttributes(invitation), call: call
                )
            }
        }
        router.delete("/v1/userInvitations/:id") { request, context in
            await authorized(request, context) { call throws(ConnectAPIError) in
                try? world.cancelInvitation(id: try invitation(call).id)
                return Response(status: .noContent)
            }
        }
        router.post("/v1/userInvitations") { request, context in
            let body = try await request.body.collect(upTo: 1 << 16)
            return await authorized(request, context) { call throws(ConnectAPIError) in
                try createInvitation(call, body: body)
            }
        }
    }

    private func createInvitation(_ call: Call, body: ByteBuffer) throws(ConnectAPIError) -> Response {
        try requireUserManager(call)
        guard let request = JSONReply.decode(InvitationRequest.self, from: body),
            request.data.type == "userInvitations",
            let email = request.data.attributes.email, let roles = request.data.attributes.roles, !roles.isEmpty,
            let firstName = request.data.attributes.firstName, let lastName = request.data.attributes.lastName
        else {
            throw ConnectAPIError(
                status: .unprocessableContent, code: "ENTITY_ERROR.ATTRIBUTE.REQUIRED",
                title: "The provided entity is missing a required field",
                detail: "A userInvitations entity needs email, firstName, lastName and roles.")
        }
        guard let account = call.key.accounts.first else { throw .forbidden }
        do {
            let invitation = try world.invite(
                email: email, to: account, roles: Set(roles), firstName: firstName, lastName: lastName)
            return APIDocument.single(
                type: "userInvitations", id: invitation.id, attributes: InvitationAttributes(invitation), call: call,
                status: .created)
        } catch {
            let status: HTTPResponse.Status =
                ControlController.status(of: error) == .conflict ? .conflict : .unprocessableContent
            throw ConnectAPIError(
                status: status, code: status == .conflict ? "ENTITY_ERROR.ATTRIBUTE.INVALID" : "ENTITY_ERROR",
                title: status == .conflict
                    ? "The provided entity includes an attribute with an invalid value"
                    : "The provided entity is invalid",
                detail: error.message)
        }
    }

    private func invitation(_ call: Call) throws(ConnectAPIError) -> Invitation {
        try requireUserManager(call)
        let id = call.parameters.get("id") ?? ""
        let found = call.key.accounts.flatMap { world.invitations(account: $0) }.first { $0.id == id }
        guard let found, found.state != .expired, found.state != .cancelled else {
            throw .notFound("There is no resource of type 'userInvitations' with id '\(id)'")
        }
        guard found.state == .pending else {
            // Apple: the invitation is gone once accepted
            throw ConnectAPIError(
                status: .gone, code: "GONE", title: "The requested resource is no longer available.",
                detail: "The invitation '\(id)' has been accepted.")
        }
        return found
    }

    private func requireUserManager(_ call: Call) throws(ConnectAPIError) {
        guard call.key.roles.canManageUsers else { throw .forbidden }
    }

    private func teamUsers(_ call: Call) throws(ConnectAPIError) -> [TeamUser] {
        try requireUserManager(call)
        var order: [String] = []
        var roles: [String: Set<SandboxRole>] = [:]
        for account in call.key.accounts {
            for membership in world.memberships(account: account) {
                if roles[membership.appleId] == nil { order.append(membership.appleId) }
                roles[membership.appleId, default: []].formUnion(membership.roles)
            }
        }
        var users = order.compactMap { appleId -> TeamUser? in
            guard let user = try? world.user(appleId) else { return nil }
            return TeamUser(id: Self.userID(appleId), user: user, roles: roles[appleId] ?? [])
        }
        if let username = call.filter("username") { users = users.filter { $0.user.appleId == username.lowercased() } }
        if let wanted = call.filter("roles") {
            let wantedRoles = Set(wanted.split(separator: ",").compactMap { SandboxRole(rawValue: String($0)) })
            users = users.filter { !$0.roles.isDisjoint(with: wantedRoles) }
        }
        return users
    }

    private func attributes(_ user: TeamUser) -> UserAttributes {
        UserAttributes(
            username: user.user.appleId, firstName: user.user.firstName, lastName: user.user.lastName,
            roles: user.roles.sorted { $0.rawValue < $1.rawValue }, allAppsVisible: true, provisioningAllowed: false)
    }

    /// A stable UUID-shaped id for an Apple ID (FNV-1a of the address seeds it).
    static func userID(_ appleId: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in appleId.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var random = SeededGenerator(seed: hash)
        return SandboxWorld.uuid(&random)
    }
}
