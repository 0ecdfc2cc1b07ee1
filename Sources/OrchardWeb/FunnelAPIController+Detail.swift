import Foundation
import Hummingbird
import OrchardApp
import OrchardCore
import OrchardStorage
import SalesReports

extension FunnelAPIController {
    /// `GET /api/v1/integrations/{id}`: the account page as JSON (docs/API.md, Integrations). Every
    /// field is written, `null` when unknown.
    struct IntegrationDetailView: ResponseEncodable {
        struct Days: Encodable {
            let first: String
            let last: String
            let count: Int
        }
        struct Failure: Encodable {
            let date: String
            let vendor: String
            let reportType: String
            let frequency: String
            let code: String
            let message: String?
        }
        struct Event: Encodable {
            let at: Date
            let action: String
            let detail: String
        }
        struct Pending: Encodable {
            let lastCheckedAt: Date?
            let invitationEndsAt: Date?
            let checkAllowedAt: Date?

            enum CodingKeys: String, CodingKey { case lastCheckedAt, invitationEndsAt, checkAllowedAt }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(lastCheckedAt, forKey: .lastCheckedAt)
                try container.encode(invitationEndsAt, forKey: .invitationEndsAt)
                try container.encode(checkAllowedAt, forKey: .checkAllowedAt)
            }
        }

        let integration: IntegrationView
        let vendors: [String]
        let droppedVendors: [String]
        let apps: [String]
        let days: Days?
        let completeThrough: String?
        let lateDay: String?
        let nextSyncAt: Date?
        let failures: [Failure]
        let pending: Pending?
        let canReconnect: Bool
        let history: [Event]
        /// `available`, `needs_finance_role` or `not_checked` (docs/PAYOUTS.md).
        let financialReports: String

        enum CodingKeys: String, CodingKey {
            case integration, vendors, droppedVendors, apps, days, completeThrough, lateDay, nextSyncAt, failures
            case pending, canReconnect, history, financialReports
        }

        init(_ detail: Integrations.Detail) {
            integration = IntegrationView(detail.row)
            vendors = detail.vendors
            droppedVendors = detail.droppedVendors
            apps = detail.apps
            days = detail.held.map { Days(first: $0.first.isoText, last: $0.last.isoText, count: $0.days) }
            completeThrough = detail.completeThrough?.isoText
            lateDay = detail.late?.day.isoText
            nextSyncAt = detail.nextSync
            failures = detail.failures.map {
                Failure(
                    date: $0.identity.date.isoText, vendor: $0.identity.vendor, reportType: $0.identity.type.rawValue,
                    frequency: $0.identity.frequency.rawValue, code: $0.failure.rawValue, message: $0.message)
            }
            pending =
                detail.row.integration.status == .pending
                ? Pending(
                    lastCheckedAt: detail.lastChecked, invitationEndsAt: detail.invitationEnds,
                    checkAllowedAt: detail.checkAllowedAt)
                : nil
            canReconnect = detail.canReconnect
            history = detail.history.map { Event(at: $0.at, action: $0.action, detail: $0.detail) }
            financialReports =
                (detail.financeAccess.map { $0.granted ? "available" : "needs_finance_role" }) ?? "not_checked"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(integration, forKey: .integration)
            try container.encode(vendors, forKey: .vendors)
            try container.encode(droppedVendors, forKey: .droppedVendors)
            try container.encode(apps, forKey: .apps)
            try container.encode(days, forKey: .days)
            try container.encode(completeThrough, forKey: .completeThrough)
            try container.encode(lateDay, forKey: .lateDay)
            try container.encode(nextSyncAt, forKey: .nextSyncAt)
            try container.encode(failures, forKey: .failures)
            try container.encode(pending, forKey: .pending)
            try container.encode(canReconnect, forKey: .canReconnect)
            try container.encode(history, forKey: .history)
            try container.encode(financialReports, forKey: .financialReports)
        }
    }

    /// `POST /api/v1/integrations/{id}/check`: queued; when it may be asked again.
    struct CheckQueued: ResponseEncodable {
        let checkAgainAt: Date
    }
}
