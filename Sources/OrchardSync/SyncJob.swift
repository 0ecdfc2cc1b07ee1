package import Foundation
package import OrchardStorage
import SalesReports

/// The background jobs OrchardSync's workers run (docs/JOBS.md): what is stored in `jobs.kind`,
/// `jobs.payload` and `jobs.dedupe_key` all derives from one value of this type, and a stored job
/// reads back into one strictly (an unknown kind or a malformed payload is an error, never a default).
package enum SyncJob: Sendable, Equatable, QueueableJob {
    /// Lists the accounts the service identity sees: activation, expiry, revocation; queues syncs.
    case checkInvitations
    /// An account's history, on activation.
    case backfillAccount(String)
    /// An account's daily sync.
    case syncAccount(String)
    /// One report Apple had not published yet, fetched again later.
    case syncReport(ReportIdentity)
    /// Customers' access tokens past the funnel's lifetime.
    case eraseFunnelTokens
    /// A revoked account's data, after its retention period.
    case purgeAccount(String)
    /// The ECB's newest reference rates (`ORCHARD_FX_URL`).
    case refreshRates
    /// An account's Financial reports (docs/PAYOUTS.md): the fiscal months Apple offers that the
    /// ledger does not hold yet.
    case syncFinance(String)

    /// The kinds, as stored in `jobs.kind`.
    package enum Kind: String, Sendable, CaseIterable {
        case checkInvitations = "check_invitations"
        case backfillAccount = "backfill_account"
        case syncAccount = "sync_account"
        case syncReport = "sync_report"
        case eraseFunnelTokens = "erase_funnel_tokens"
        case purgeAccount = "purge_account"
        case refreshRates = "refresh_fx_rates"
        case syncFinance = "sync_finance"
    }

    /// A stored job that does not read back as a ``SyncJob``.
    package struct Unreadable: Error, Sendable, Equatable, CustomStringConvertible {
        package var kind: String
        package var reason: String
        package var description: String { "job of kind '\(kind)' cannot be read: \(reason)" }
    }

    package var jobKind: Kind {
        switch self {
        case .checkInvitations: .checkInvitations
        case .backfillAccount: .backfillAccount
        case .syncAccount: .syncAccount
        case .syncReport: .syncReport
        case .eraseFunnelTokens: .eraseFunnelTokens
        case .purgeAccount: .purgeAccount
        case .refreshRates: .refreshRates
        case .syncFinance: .syncFinance
        }
    }

    /// The store account the job is about, when it is about one.
    package var accountNumber: String? {
        switch self {
        case .backfillAccount(let number), .syncAccount(let number), .purgeAccount(let number),
            .syncFinance(let number):
            number
        case .syncReport(let identity): identity.accountNumber
        case .checkInvitations, .eraseFunnelTokens, .refreshRates: nil
        }
    }

    // MARK: QueueableJob

    package var kind: String { jobKind.rawValue }

    /// At most one of each is queued or running: one check, one erase, one backfill, sync or purge
    /// per account, one fetch per report.
    package var dedupeKey: String? {
        switch self {
        case .checkInvitations, .eraseFunnelTokens, .refreshRates: kind
        case .backfillAccount(let number): "backfill:\(number)"
        case .syncAccount(let number): "sync:\(number)"
        case .purgeAccount(let number): "purge:\(number)"
        case .syncFinance(let number): "finance:\(number)"
        case .syncReport(let identity): "report:\(identity)"
        }
    }

    package var payload: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data: Data? =
            switch self {
            case .checkInvitations, .eraseFunnelTokens, .refreshRates: Data("{}".utf8)
            case .backfillAccount(let number), .syncAccount(let number), .purgeAccount(let number),
                .syncFinance(let number):
                try? encoder.encode(AccountPayload(account: number))
            case .syncReport(let identity): try? encoder.encode(ReportPayload(identity))
            }
        // Encoding strings into JSON cannot fail.
        return String(decoding: data ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The job a stored kind and payload describe.
    package init(kind: String, payload: String) throws(Unreadable) {
        guard let known = Kind(rawValue: kind) else { throw Unreadable(kind: kind, reason: "unknown kind") }
        func decode<Payload: Decodable>(_ type: Payload.Type) throws(Unreadable) -> Payload {
            do { return try JSONDecoder().decode(type, from: Data(payload.utf8)) } catch {
                throw Unreadable(kind: kind, reason: "malformed payload")
            }
        }
        switch known {
        case .checkInvitations: self = .checkInvitations
        case .eraseFunnelTokens: self = .eraseFunnelTokens
        case .refreshRates: self = .refreshRates
        case .backfillAccount: self = .backfillAccount(try decode(AccountPayload.self).account)
        case .syncAccount: self = .syncAccount(try decode(AccountPayload.self).account)
        case .purgeAccount: self = .purgeAccount(try decode(AccountPayload.self).account)
        case .syncFinance: self = .syncFinance(try decode(AccountPayload.self).account)
        case .syncReport:
            guard let identity = try decode(ReportPayload.self).identity else {
                throw Unreadable(kind: kind, reason: "not a report's identity")
            }
            self = .syncReport(identity)
        }
    }

    /// The job a claimed job describes.
    package init(_ job: JobQueue.Job) throws(Unreadable) {
        try self.init(kind: job.kind, payload: job.payload)
    }
}

/// The payload of an account's job.
private struct AccountPayload: Codable {
    var account: String
}

/// The payload of a `sync_report` job: one report's identity.
private struct ReportPayload: Codable {
    var account: String
    var vendor: String
    var type: String
    var subtype: String
    var frequency: String
    var date: String

    init(_ identity: ReportIdentity) {
        account = identity.accountNumber
        vendor = identity.vendor
        type = identity.type.rawValue
        subtype = identity.subtype
        frequency = identity.frequency.rawValue
        date = identity.date.isoText
    }

    var identity: ReportIdentity? {
        guard let type = ReportType(rawValue: type), let frequency = ReportFrequency(rawValue: frequency),
            let date = ReportDate(date)
        else { return nil }
        return ReportIdentity(
            accountNumber: account, vendor: vendor, type: type, subtype: subtype, frequency: frequency, date: date)
    }
}

extension SyncJob.Unreadable: JobFailure {
    /// Reading it again gives the same answer: parked as dead at once, for the operator to see.
    package var isPermanent: Bool { true }
    package var retryAfter: TimeInterval? { nil }
}
