import Foundation
import HTTPTypes
import Hummingbird
import OrchardApp
import OrchardCore
import OrchardStorage

/// The operator's page and `/api/v1/admin/*`: invitations waiting to be accepted, the service
/// token, the job queue and its dead jobs (with a retry).
struct OperatorController: Sendable {
    let overview: OperatorOverview
    let membership: Membership

    struct InviteForm: Decodable {
        let email: String
    }

    struct UserInvitationView: ResponseEncodable {
        let id: Int64
        let email: String
        let invitedBy: String?
        let createdAt: Date
        let expiresAt: Date
        /// Only in the answer that made it: the link to send.
        let link: String?

        init(_ invitation: AdmissionStore.Invitation, link: String? = nil) {
            id = invitation.id
            email = invitation.email
            invitedBy = invitation.invitedBy
            createdAt = invitation.createdAt
            expiresAt = invitation.expiresAt
            self.link = link
        }
    }

    struct UserInvitations: ResponseEncodable {
        let signUp: String
        let invitations: [UserInvitationView]
    }

    /// The sign-up link of an invitation, on the address the operator reached this site by.
    static func link(token: String, request: Request) -> String {
        let https = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
        let host = request.head.authority ?? "localhost"
        return (https ? "https://" : "http://") + host + SiteRoute.signUp(invitation: token).path
    }

    private func people(for user: User) async throws -> OperatorPage.People {
        OperatorPage.People(signUpOpen: membership.signUpOpen, invitations: try await membership.invitations(for: user))
    }

    struct WaitingAccountView: Sendable, Encodable {
        struct Account: Sendable, Encodable {
            let number: String
            let name: String
        }
        let account: Account
        /// The oldest pending integration of the account: when the first invitation may have been sent.
        let pendingSince: Date
        let integrations: Int
        let ageHours: Int

        init(_ waiting: OperatorOverview.WaitingAccount) {
            account = Account(number: waiting.number, name: waiting.name)
            pendingSince = waiting.pendingSince
            integrations = waiting.integrations
            ageHours = waiting.ageHours
        }
    }

    struct Invitations: ResponseEncodable {
        let serviceAppleId: String?
        let invitations: [WaitingAccountView]
    }

    struct DeadJobView: Encodable {
        let id: Int64
        let kind: String
        let account: String?
        let attempts: Int
        let lastError: String?
        let updatedAt: Date

        init(_ job: JobQueue.DeadJob) {
            id = job.id
            kind = job.kind
            account = job.accountNumber
            attempts = job.attempts
            lastError = job.lastError
            updatedAt = job.updatedAt
        }
    }

    struct Jobs: ResponseEncodable {
        let depth: [String: [String: Int]]
        let dead: [DeadJobView]
        let retrying: [DeadJobView]
        let serviceToken: ServiceTokenView?
    }

    struct ServiceTokenView: Encodable {
        let daysLeft: Int?
        let problem: String?
        let message: String?
    }

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.operatorPage.pattern) { request, context in
            let user = try context.requireUser()
            return OperatorPage.view(
                try await overview.page(for: user), people: try await people(for: user),
                frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.inviteUser.pattern) { request, context in
            let user = try context.requireUser()
            let form = try await request.decode(as: InviteForm.self, context: context)
            let page = try await overview.page(for: user)
            do {
                let (invitation, token) = try await membership.invite(email: form.email, by: user)
                var people = try await people(for: user)
                people.created = (invitation.email, Self.link(token: token, request: request))
                return OperatorPage.view(page, people: people, frame: PageFrame(context, request: request))
            } catch let error as MembershipError {
                var people = try await people(for: user)
                (people.email, people.error) = (form.email, WebError(error))
                return OperatorPage.view(page, people: people, frame: PageFrame(context, request: request))
            }
        }
        router.post(SiteRoute.revokeUserInvitation(id: 0).pattern) { request, context in
            let user = try context.requireUser()
            guard let id = context.parameters.get("id", as: Int64.self) else { throw WebError.notFound }
            try await membership.revokeInvitation(id: id, by: user)
            return Flash.redirect(to: .operatorPage, .invitationRevoked, request: request)
        }
        router.get(SiteRoute.api(.adminUserInvitations).pattern) { _, context in
            UserInvitations(
                signUp: membership.signUpOpen ? "open" : "closed",
                invitations: try await membership.invitations(for: try context.requireUser()).map {
                    UserInvitationView($0)
                })
        }
        router.post(SiteRoute.api(.adminUserInvitations).pattern) { request, context in
            let user = try context.requireUser()
            let form = try await request.decode(as: InviteForm.self, context: context)
            let (invitation, token) = try await membership.invite(email: form.email, by: user)
            return EditedResponse(
                status: .created,
                response: UserInvitationView(invitation, link: Self.link(token: token, request: request)))
        }
        router.delete(SiteRoute.api(.adminUserInvitation(id: 0)).pattern) { _, context in
            let user = try context.requireUser()
            guard let id = context.parameters.get("id", as: Int64.self) else { throw WebError.notFound }
            try await membership.revokeInvitation(id: id, by: user)
            return Response(status: .noContent)
        }
        router.post(SiteRoute.retryJob(id: 0).pattern) { request, context in
            let user = try context.requireUser()
            guard let id = context.parameters.get("id", as: Int64.self) else { throw WebError.notFound }
            let queued = try await overview.retry(job: id, by: user)
            return Flash.redirect(to: .operatorPage, queued ? .jobRetried : .jobAlreadyQueued, request: request)
        }
        router.get(SiteRoute.api(.adminInvitations).pattern) { _, context in
            Invitations(
                serviceAppleId: overview.serviceAppleID,
                invitations: try await overview.waiting(for: try context.requireUser()).map(WaitingAccountView.init))
        }
        router.get(SiteRoute.api(.adminJobs).pattern) { _, context in
            let page = try await overview.page(for: try context.requireUser())
            return Jobs(
                depth: page.depth.mapValues { $0.reduce(into: [:]) { $0[$1.key.rawValue] = $1.value } },
                dead: page.dead.map(DeadJobView.init), retrying: page.retrying.map(DeadJobView.init),
                serviceToken: page.operations.map {
                    ServiceTokenView(
                        daysLeft: $0.serviceTokenDaysLeft, problem: $0.serviceTokenProblem, message: $0.serviceMessage)
                })
        }
    }
}
