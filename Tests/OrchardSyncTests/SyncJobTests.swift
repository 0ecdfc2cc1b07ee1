import OrchardStorage
import SalesReports
import Testing

@testable import OrchardSync

/// Every job's kind, payload and de-duplication key derive from one value, and read back strictly.
@Suite("Sync jobs")
struct SyncJobTests {
    static let report = ReportIdentity(
        accountNumber: "85012345", vendor: "80012345", type: .sales, frequency: .weekly,
        date: ReportDate(year: 2026, month: 11, day: 2)!)

    static let all: [SyncJob] = [
        .checkInvitations, .eraseFunnelTokens, .backfillAccount("85012345"), .syncAccount("85012345"),
        .purgeAccount("85012345"), .syncReport(report),
    ]

    @Test("each job is stored as its kind, payload and key, and reads back as itself", arguments: all)
    func roundTrip(job: SyncJob) throws {
        // when
        let stored = try SyncJob(kind: job.kind, payload: job.payload)
        // then
        #expect(stored == job)
        #expect(SyncJob.Kind(rawValue: job.kind) == job.jobKind)
    }

    @Test("keys keep one check, one erase, one job of each kind per account and one fetch per report")
    func dedupeKeys() {
        // given
        let keys = Self.all.map(\.dedupeKey)
        // then
        #expect(
            keys == [
                "check_invitations", "erase_funnel_tokens", "backfill:85012345", "sync:85012345", "purge:85012345",
                "report:\(Self.report)",
            ])
        #expect(SyncJob.syncAccount("1").dedupeKey != SyncJob.syncAccount("2").dedupeKey)
        #expect(SyncJob.syncAccount("1").payload == #"{"account":"1"}"#)
    }

    @Test("an unknown kind or a malformed payload is an error that parks the job, never a default")
    func strict() {
        #expect(throws: SyncJob.Unreadable.self) { try SyncJob(kind: "sync_everything", payload: "{}") }
        #expect(throws: SyncJob.Unreadable.self) { try SyncJob(kind: "sync_account", payload: "{}") }
        #expect(throws: SyncJob.Unreadable.self) { try SyncJob(kind: "backfill_account", payload: "not json") }
        #expect(throws: SyncJob.Unreadable.self) {
            try SyncJob(
                kind: "sync_report",
                payload:
                    #"{"account":"1","vendor":"2","type":"Sales","subtype":"Summary","frequency":"Hourly","date":"2026-11-02"}"#
            )
        }
        #expect(SyncJob.Unreadable(kind: "x", reason: "y").isPermanent)
    }
}
