import Foundation
import Hummingbird
import OrchardCore
import OrchardStorage

/// The operator's page and `/api/v1/admin/*`: invitations waiting to be accepted, the service
/// token, the job queue and its dead jobs (with a retry).
struct OperatorController: Sendable {
    let integrations: IntegrationStore
    let queue: JobQueue
    let settings: Settings
    let operations: (@Sendable () async throws -> OperationsSnapshot)?
    let now: @Sendable () -> Date

    struct WaitingAccount: Sendable, Encodable {
        struct Account: Sendable, Encodable {
            let number: String
            let name: String
        }
        let account: Account
        /// The oldest pending integration of the account: when the first invitation may have been sent.
        let pendingSince: Date
        let integrations: Int
        let ageHours: Int
    }

    struct Invitations: ResponseEncodable {
        let serviceAppleId: String?
        let invitations: [WaitingAccount]
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
            try Self.requireOperator(context)
            return OperatorPage.view(try await model(), frame: PageFrame(context, request: request))
        }
        router.post(SiteRoute.retryJob(id: 0).pattern) { request, context in
            try Self.requireOperator(context)
            guard let id = context.parameters.get("id", as: Int64.self) else { throw WebError.notFound }
            let flash: Flash =
                switch try await queue.retry(id: id, now: now()) {
                case .queued: .jobRetried
                case .alreadyQueued: .jobAlreadyQueued
                case .notDead: throw WebError.notFound
                }
            return Flash.redirect(to: .operatorPage, flash, request: request)
        }
        router.get(SiteRoute.api(.adminInvitations).pattern) { _, context in
            try Self.requireOperator(context)
            return Invitations(serviceAppleId: settings.serviceAppleID, invitations: try await waiting())
        }
        router.get(SiteRoute.api(.adminJobs).pattern) { _, context in
            try Self.requireOperator(context)
            let model = try await model()
            return Jobs(
                depth: model.depth.mapValues { $0.reduce(into: [:]) { $0[$1.key.rawValue] = $1.value } },
                dead: model.dead.map(DeadJobView.init), retrying: model.retrying.map(DeadJobView.init),
                serviceToken: model.operations.map {
                    ServiceTokenView(
                        daysLeft: $0.serviceTokenDaysLeft, problem: $0.serviceTokenProblem, message: $0.serviceMessage)
                })
        }
    }

    static func requireOperator(_ context: OrchardRequestContext) throws(WebError) {
        guard try context.requireUser().role == .operator else { throw .operatorOnly }
    }

    func model() async throws -> OperatorPage.Model {
        OperatorPage.Model(
            serviceAppleID: settings.serviceAppleID, waiting: try await waiting(),
            windowHours: settings.invitationWindowHours, depth: try await queue.counts(),
            dead: try await queue.dead(), retrying: try await queue.retrying(), operations: try await operations?(),
            now: now())
    }

    /// Pending integrations grouped by account, the longest waiting first.
    func waiting() async throws -> [WaitingAccount] {
        let pending = try await integrations.pending()
        let time = now()
        return Dictionary(grouping: pending, by: \.accountNumber).map { number, group in
            let since = group.map(\.createdAt).min() ?? time
            return WaitingAccount(
                account: .init(number: number, name: group[0].accountName), pendingSince: since,
                integrations: group.count, ageHours: Int(time.timeIntervalSince(since) / 3_600))
        }.sorted { $0.pendingSince < $1.pendingSince }
    }
}
