import Foundation
import Hummingbird
import OrchardApp
import OrchardCore
import OrchardStorage

/// The operator's page and `/api/v1/admin/*`: invitations waiting to be accepted, the service
/// token, the job queue and its dead jobs (with a retry).
struct OperatorController: Sendable {
    let overview: OperatorOverview

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
            OperatorPage.view(
                try await overview.page(for: try context.requireUser()), frame: PageFrame(context, request: request))
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
