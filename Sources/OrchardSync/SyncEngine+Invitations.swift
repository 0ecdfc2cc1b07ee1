import AppStoreConnect
package import Foundation
import Logging
import OrchardCore
import OrchardStorage
import SalesReports

extension SyncEngine {
    /// The reason a user reads when the service user was removed from their account.
    package static let revokedReason =
        "The service user was removed from this App Store Connect account by one of its admins."

    /// What one invitation check did.
    package struct CheckResult: Sendable, Equatable {
        package var activated: [String] = []
        package var expired: [Int64] = []
        package var revoked: [String] = []
        package var backfillsQueued: [String] = []
        /// Revoked accounts the service sees again before their purge: every removed integration is active again.
        package var restored: [String] = []
        /// The listing lost too many accounts at once to be believed; nothing was revoked.
        package var degraded = false

        package init() {}
    }

    /// Lists the accounts the service identity sees (`Sales.getAccounts`) and moves every status
    /// that depends on it (docs/STATUSES.md), each as a compare-and-set so two workers checking at
    /// once never move one integration twice:
    /// - a pending integration whose account appears becomes active; its account becomes accessible
    ///   and, when it was not before, its backfill is queued;
    /// - every accessible account takes the name the listing gives it;
    /// - a pending integration past its own invitation window becomes expired (only after a check
    ///   that succeeded: an unreachable Apple never expires anyone);
    /// - an accessible account missing from the listing, and confirmed missing by its own request, is
    ///   revoked after two such misses a check interval apart: its integrations are removed for every
    ///   user, its jobs cancelled, its purge queued after the retention period;
    /// - a listing that lost more than a third of the accessible accounts (and at least two) at once
    ///   revokes nobody: the listing is marked degraded until one is whole again.
    @discardableResult
    package func checkInvitations() async throws -> CheckResult {
        _ = try await service.warnIfDue(now: now(), logger: logger)
        let credential = try await credential()
        let reporter = reporter
        let visible = try await askApple("Sales.getAccounts", account: "*", credential: credential) {
            try await reporter.accounts(token: $0)
        }
        let seen = Set(visible.map(\.number))
        var result = CheckResult()

        for account in try await accounts.restorable() where seen.contains(account.number) {
            if try await restore(account) { result.restored.append(account.number) }
        }

        for (number, pending) in Dictionary(grouping: try await integrations.pending(), by: \.accountNumber)
            .sorted(by: { $0.key < $1.key })
        {
            if seen.contains(number) {
                if try await activate(number) { result.backfillsQueued.append(number) }
                let changed = try await integrations.apply(
                    .serviceSeesAccount, accountNumber: number, reason: nil, now: now())
                if !changed.isEmpty { result.activated.append(number) }
            } else {
                for integration in pending
                where now() >= integration.createdAt.addingTimeInterval(settings.invitationWindow) {
                    if try await integrations.apply(
                        .invitationWindowPassed, integrationID: integration.id, reason: expiryReason(number),
                        now: now()) != nil
                    {
                        result.expired.append(integration.id)
                    }
                }
            }
        }

        let accessible = try await accounts.accessible()
        // Names follow the service's listing (a team renamed in App Store Connect).
        let names = Dictionary(visible.map { ($0.number, $0.name) }, uniquingKeysWith: { first, _ in first })
        for account in accessible {
            guard let name = names[account.number], !name.isEmpty, name != account.name else { continue }
            if try await accounts.rename(number: account.number, to: name) {
                logger.notice("the account's name changed", metadata: ["account": "\(account.number)"])
            }
        }
        let vanished = accessible.filter { !seen.contains($0.number) }
        for account in accessible where seen.contains(account.number) && account.missedChecks > 0 {
            try await accounts.markAccessible(number: account.number, now: now())
        }
        let listing = ServiceListingStore(database: database)
        if Self.listingIsDegraded(vanished: vanished.count, of: accessible.count) {
            // Too many at once to be admins removing the service user: Apple's listing is broken.
            try await listing.markDegraded(vanished: vanished.count, accessible: accessible.count, now: now())
            logger.error(
                "the service identity's listing lost too many accounts at once; nothing is revoked until it is whole",
                metadata: ["vanished": "\(vanished.count)", "accessible": "\(accessible.count)"])
            result.degraded = true
        } else {
            if try await listing.markWhole(now: now()) {
                logger.notice("the service identity's listing is whole again")
            }
            for account in vanished where try await confirmMissing(account.number, credential: credential) {
                if let revoked = try await recordMiss(account) { result.revoked.append(revoked) }
            }
        }
        try await scheduleSyncs()
        return result
    }

    /// The reason an integration restored on `date` shows while it is active.
    package static func restoredReason(_ date: Date) -> String {
        "Access restored on \(ReportDate(containing: date).isoText): the service user is back in this App Store Connect account."
    }

    /// A revoked account is listed again before its purge: it is accessible again, every removed
    /// integration of it active again (each user's ownership proof still holds), its purge cancelled;
    /// the check's `scheduleSyncs` then queues the daily sync, which fetches the days missed.
    private func restore(_ account: StoreAccount) async throws -> Bool {
        guard try await accounts.markAccessible(number: account.number, now: now()) else { return false }
        let cancelled = try await queue.cancel(storeAccountID: account.id, now: now())
        let restored = try await integrations.apply(
            .serviceRegainedAccess, accountNumber: account.number, reason: Self.restoredReason(now()), now: now())
        logger.notice(
            "the service identity sees a revoked account again: access restored",
            metadata: [
                "account": "\(account.number)", "integrations": "\(restored.count)", "jobs_cancelled": "\(cancelled)",
            ])
        return true
    }

    /// More than a third of the accessible accounts, and at least two, missing from one listing.
    static func listingIsDegraded(vanished: Int, of accessible: Int) -> Bool {
        vanished >= 2 && vanished * 3 > accessible
    }

    /// Asks Apple about one account the listing left out (`Sales.getVendors` for it): `true` only
    /// when Apple says the service identity cannot see it. An answer with vendors means the listing
    /// was wrong; any other failure is no evidence either way.
    private func confirmMissing(_ number: String, credential: ServiceIdentity.Credential) async throws -> Bool {
        let reporter = reporter
        do {
            _ = try await askApple("Sales.getVendors", account: number, credential: credential) {
                try await reporter.vendors(token: $0, account: number)
            }
            logger.notice(
                "the listing left out an account the service identity still sees", metadata: ["account": "\(number)"])
            try await accounts.markAccessible(number: number, now: now())
            return false
        } catch ReporterError.invalidAccount {
            return true
        } catch let error as ReporterError {
            logger.notice(
                "could not confirm an account missing from the listing; not counted as a miss",
                metadata: ["account": "\(number)", "error": "\(error)"])
            return false
        }
    }

    /// Counts a confirmed miss; revokes the account once its misses, a check interval apart at
    /// least, reach ``SyncSettings/missesBeforeRevocation``. Returns the account's number when this
    /// call revoked it.
    private func recordMiss(_ account: StoreAccount) async throws -> String? {
        let misses = try await accounts.recordMiss(
            number: account.number, now: now(), apart: settings.invitationCheckInterval)
        logger.notice(
            "the service identity no longer sees an accessible account",
            metadata: ["account": "\(account.number)", "misses": "\(misses)"])
        guard misses >= settings.missesBeforeRevocation,
            try await accounts.revoke(number: account.number, now: now())
        else { return nil }
        // The purge date travels with the event: its mail says until when the data stays readable.
        let purgeOn = ReportDate(containing: now().addingTimeInterval(settings.retention)).isoText
        try await integrations.apply(
            .serviceLostAccess, accountNumber: account.number, reason: Self.revokedReason,
            details: ["purgeOn": .string(purgeOn)], now: now())
        let cancelled = try await queue.cancel(storeAccountID: account.id, now: now())
        try await queue.enqueue(
            SyncJob.purgeAccount(account.number), storeAccountID: account.id,
            runAfter: now().addingTimeInterval(settings.retention), maxAttempts: 20, now: now())
        logger.warning(
            "account revoked: the service user was removed",
            metadata: ["account": "\(account.number)", "jobs_cancelled": "\(cancelled)"])
        return account.number
    }

    /// Makes the account accessible and queues its backfill when it was not accessible before.
    private func activate(_ number: String) async throws -> Bool {
        guard try await accounts.markAccessible(number: number, now: now()),
            let account = try await accounts.find(number: number)
        else { return false }
        logger.info("the service identity sees the account: active", metadata: ["account": "\(number)"])
        try await queue.enqueue(
            SyncJob.backfillAccount(number), storeAccountID: account.id, runAfter: now(), now: now())
        return true
    }

    private func expiryReason(_ number: String) -> String {
        let who = settings.serviceAppleID.map { "Orchard's service Apple ID (\($0))" } ?? "Orchard's service Apple ID"
        return
            "\(who) did not appear in App Store Connect account \(number) within \(SpokenDuration.text(settings.invitationWindow)) of your request: the invitation was not sent, not accepted, or it expired (Apple's invitations last 3 days). Remove this integration and start again, then invite the service Apple ID with the Sales role."
    }

    /// Queues what each account with an active integration needs: its backfill when none has
    /// completed, else its daily sync when a newer day may be published.
    package func scheduleSyncs() async throws {
        let latest = latestReportDay()
        for account in try await accounts.syncable() {
            if account.syncedThrough == nil {
                try await queue.enqueue(
                    SyncJob.backfillAccount(account.number), storeAccountID: account.id, runAfter: now(), now: now())
            } else if let through = account.syncedThrough, through < latest.isoText {
                // Read again as it is queued: the list is as old as this loop, and another worker may
                // have finished the account's sync since.
                try await accounts.queueSyncIfBehind(
                    SyncJob.syncAccount(account.number), accountID: account.id, latest: latest, now: now())
            }
        }
    }

    /// Purges a revoked account, or one nobody integrates any more, once its retention has passed;
    /// waits when it has not (the account was revoked again, or left again, since), does nothing
    /// when access came back or someone integrated it again.
    package func purge(accountNumber: String) async throws {
        guard let account = try await accounts.find(number: accountNumber),
            let since = account.access == .revoked ? account.revokedAt : account.unusedSince
        else { return }
        let due = since.addingTimeInterval(settings.retention)
        guard now() >= due else {
            throw JobPostponed(until: due, reason: "the retention period runs until \(due)")
        }
        if let result = try await AccountPurge(database: database, archive: archive).purge(
            number: accountNumber, now: now())
        {
            logger.notice(
                "revoked account purged after its retention period",
                metadata: [
                    "account": "\(accountNumber)", "reports": "\(result.reports)", "facts": "\(result.facts)",
                    "files": "\(result.files)",
                ])
        }
    }
}
