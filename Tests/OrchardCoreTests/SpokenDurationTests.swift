import OrchardCore
import Testing

@Suite("Durations in messages")
struct SpokenDurationTests {
    @Test("a window is said as it was set, down to seconds (the expiry reason)")
    func text() {
        #expect(SpokenDuration.text(96 * 3_600) == "96 hours")
        #expect(SpokenDuration.text(3_600) == "1 hour")
        #expect(SpokenDuration.text(600) == "10 minutes")
        #expect(SpokenDuration.text(90) == "90 seconds")
        #expect(SpokenDuration.text(1) == "1 second")
    }

    @Test("an interval reads 'every minute', not 'every 1 minute' (the invitation checks)")
    func every() {
        #expect(SpokenDuration.every(5) == "every 5 seconds")
        #expect(SpokenDuration.every(60) == "every minute")
        #expect(SpokenDuration.every(300) == "every 5 minutes")
        #expect(SpokenDuration.every(3_600) == "every hour")
    }
}
