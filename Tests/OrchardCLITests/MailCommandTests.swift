import Foundation
import OrchardTestSupport
import Testing

/// `orchard mail test ADDRESS` against a real SMTP server (docs/CLI.md).
@Suite("orchard mail test")
struct MailCommandTests {
    @Test("sends one message over STARTTLS and prints the server's answer; says what is missing or refused")
    func mailTest() async throws {
        try SummarizeCommandTests.requireExecutable()
        let sink = try SMTPSink(tls: "starttls", auth: "orchard:s3cret")
        var environment = ProcessInfo.processInfo.environment
        environment["ORCHARD_SMTP_URL"] = "smtp://orchard:s3cret@localhost:\(sink.port)"
        environment["ORCHARD_SMTP_CA_FILE"] = sink.certificate
        environment["ORCHARD_MAIL_FROM"] = "orchard@orchard.example"
        environment["ORCHARD_MAIL_DIR"] = nil

        let sent = try await SummarizeCommandTests.run(["mail", "test", "ana@example.com"], environment: environment)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("sent to ana@example.com through smtp://orchard:•••@localhost:\(sink.port): 250"))
        #expect(sent.stdout.contains("queued as sink-0001"))
        #expect(!sent.stdout.contains("s3cret") && !sent.stderr.contains("s3cret"))
        let mail = try #require(try sink.received().first)
        #expect(mail.subject == "A test message from Orchard")
        #expect(mail.encrypted)
        #expect(mail.mailFrom == "orchard@orchard.example")

        var wrong = environment
        wrong["ORCHARD_SMTP_URL"] = "smtp://orchard:guess@localhost:\(sink.port)"
        let refused = try await SummarizeCommandTests.run(["mail", "test", "ana@example.com"], environment: wrong)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the mail server refused AUTH PLAIN: 535"))
        #expect(!refused.stderr.contains("guess"))

        var none = environment
        none["ORCHARD_SMTP_URL"] = nil
        let unconfigured = try await SummarizeCommandTests.run(["mail", "test", "ana@example.com"], environment: none)
        #expect(unconfigured.status == 78)
        #expect(unconfigured.stderr.contains("no mail server is configured"))

        let bad = try await SummarizeCommandTests.run(["mail", "test", "not an address"], environment: environment)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("is not an e-mail address"))
        #expect(try sink.received().count == 1)
    }
}
