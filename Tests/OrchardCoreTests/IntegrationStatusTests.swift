import Testing

@testable import OrchardCore

@Suite("Integration status")
struct IntegrationStatusTests {
    @Test("the transitions of docs/STATUSES.md")
    func transitions() {
        #expect(IntegrationStatus.pending.applying(.serviceSeesAccount) == .active)
        #expect(IntegrationStatus.pending.applying(.invitationWindowPassed) == .expired)
        #expect(IntegrationStatus.active.applying(.serviceLostAccess) == .removed)
        #expect(IntegrationStatus.removed.applying(.serviceRegainedAccess) == .active)
        #expect(IntegrationStatus.expired.applying(.userReconnects) == .active)
    }

    @Test("expired comes back only when its user reconnects, removed only with access; nothing else moves")
    func noOtherTransitions() {
        let events: [IntegrationStatus.Event] = [
            .serviceSeesAccount, .invitationWindowPassed, .serviceLostAccess, .serviceRegainedAccess, .userReconnects,
        ]
        var allowed = 0
        for status in IntegrationStatus.allCases {
            for event in events where status.applying(event) != nil { allowed += 1 }
        }
        #expect(allowed == 5)
        #expect(IntegrationStatus.pending.applying(.userReconnects) == nil)
        #expect(IntegrationStatus.removed.applying(.userReconnects) == nil)
        #expect(IntegrationStatus.expired.applying(.serviceSeesAccount) == nil)
        #expect(IntegrationStatus.expired.applying(.serviceRegainedAccess) == nil)
        #expect(IntegrationStatus.removed.applying(.serviceSeesAccount) == nil)
        #expect(IntegrationStatus.active.applying(.serviceRegainedAccess) == nil)
    }
}
