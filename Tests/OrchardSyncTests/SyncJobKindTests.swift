import Testing

@testable import OrchardSync

@Suite("Sync job kinds")
struct SyncJobKindTests {
    @Test("job kinds are stored under stable snake_case names")
    func storedNames() {
        #expect(SyncJobKind.allCases.map(\.rawValue).allSatisfy { $0 == $0.lowercased() && !$0.contains(" ") })
        #expect(SyncJobKind(rawValue: "backfill_account") == .backfillAccount)
    }
}
