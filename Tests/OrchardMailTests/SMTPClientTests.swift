import Foundation
import OrchardMail
import OrchardTestSupport
import Testing

/// The SMTP client against a real SMTP server (aiosmtpd, `scripts/smtp-sink`): plain, STARTTLS and
/// implicit TLS, with and without credentials, and the server's refusals.
@Suite struct SMTPClientTests {
    let from = MailAddress("orchard@orchard.example", name: "Orchard")!
    let to = MailAddress("ana@example.com")!

    func message(subject: String = "Yesterday: 1,204 downloads ▲ 8 %", text: String? = nil) -> MailMessage {
        MailMessage(
            from: from, to: to, subject: subject,
            text: text ?? "Downloads 1,204 (▲ 8 % against last Monday)\nProceeds €1 203,40\n",
            html: "<p>Downloads <b>1,204</b> (▲ 8 %)</p>",
            unsubscribeURL: URL(string: "https://orchard.example/unsubscribe/abc"))
    }

    @Test func plainLoopbackDeliversEveryPartAsAMailClientReadsIt() async throws {
        let sink = try SMTPSink()
        let client = try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(sink.port)")!)
        let receipt = try await client.deliver(message())
        #expect(receipt.code == 250)
        #expect(receipt.text.contains("queued as sink-0001"))
        let received = try #require(try sink.received().first)
        #expect(received.mailFrom == "orchard@orchard.example")
        #expect(received.rcptTos == ["ana@example.com"])
        #expect(received.encrypted == false)
        #expect(received.subject == "Yesterday: 1,204 downloads ▲ 8 %")
        #expect(received.text == "Downloads 1,204 (▲ 8 % against last Monday)\nProceeds €1 203,40\n")
        #expect(received.html?.contains("<b>1,204</b> (▲ 8 %)") == true)
        #expect(received.headers["List-Unsubscribe"] == "<https://orchard.example/unsubscribe/abc>")
        #expect(received.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
        #expect(received.headers["From"] == "Orchard <orchard@orchard.example>")
        #expect(received.defects.isEmpty)
    }

    @Test func startTLSWithCredentials() async throws {
        let sink = try SMTPSink(tls: "starttls", auth: "orchard:s3cret p@ss")
        let client = try SMTPClient(
            configuration: SMTPConfiguration(
                url: "smtp://orchard:s3cret%20p%40ss@localhost:\(sink.port)", caFile: sink.certificate)!)
        _ = try await client.deliver(message())
        let received = try #require(try sink.received().first)
        #expect(received.encrypted)
        #expect(received.user == "orchard")
    }

    @Test func implicitTLSWithCredentials() async throws {
        let sink = try SMTPSink(tls: "implicit", auth: "orchard:secret")
        let client = try SMTPClient(
            configuration: SMTPConfiguration(
                url: "smtps://orchard:secret@localhost:\(sink.port)", caFile: sink.certificate)!)
        _ = try await client.deliver(message())
        let received = try #require(try sink.received().first)
        #expect(received.encrypted)
        #expect(received.user == "orchard")
    }

    @Test func aCertificateNotTrustedIsRefusedAndNothingIsSent() async throws {
        let sink = try SMTPSink(tls: "implicit", auth: "orchard:secret")
        let client = try SMTPClient(
            configuration: SMTPConfiguration(url: "smtps://orchard:secret@localhost:\(sink.port)")!)
        await #expect(throws: SMTPError.self) { try await client.deliver(message()) }
        #expect(try sink.received().isEmpty)
    }

    @Test func aWrongPasswordIsPermanentAndNeverEchoed() async throws {
        let sink = try SMTPSink(tls: "starttls", auth: "orchard:secret")
        let client = try SMTPClient(
            configuration: SMTPConfiguration(
                url: "smtp://orchard:guess@localhost:\(sink.port)", caFile: sink.certificate)!)
        do {
            _ = try await client.deliver(message())
            Issue.record("a wrong password was accepted")
        } catch {
            #expect(error.isPermanent)
            guard case .rejected(let stage, let code, _) = error else { throw error }
            #expect(stage == "AUTH PLAIN")
            #expect(code == 535)
            #expect(!error.description.contains("guess"))
            #expect(!error.description.contains(Data("\0orchard\0guess".utf8).base64EncodedString()))
        }
    }

    @Test func aRefusedRecipientIsPermanentAndADeferralIsNot() async throws {
        let refusing = try SMTPSink(extra: ["--reject", "ana@example.com"])
        let client = try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(refusing.port)")!)
        do {
            _ = try await client.deliver(message())
            Issue.record("a refused recipient was taken")
        } catch {
            #expect(error == .rejected(stage: "RCPT TO", code: 550, text: "5.1.1 mailbox unavailable"))
            #expect(error.isPermanent)
        }
        let deferring = try SMTPSink(extra: ["--defer-first", "1"])
        let second = try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(deferring.port)")!)
        do {
            _ = try await second.deliver(message())
            Issue.record("a deferral was taken as delivered")
        } catch {
            #expect(!error.isPermanent)
        }
        // Asked again, it takes the message.
        _ = try await second.deliver(message())
        #expect(try deferring.received().count == 1)
    }

    @Test func linesOfDotsLongLinesAndCRLFSurvive() async throws {
        let sink = try SMTPSink()
        let client = try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(sink.port)")!)
        let body =
            ".\n..\n.leading dot\nFrom the start\n" + String(repeating: "é=x ", count: 60) + "\ntrailing space \n"
        _ = try await client.deliver(message(subject: String(repeating: "Ünïcode subject ", count: 8), text: body))
        let received = try #require(try sink.received().first)
        #expect(received.text == body)
        #expect(received.subject == String(repeating: "Ünïcode subject ", count: 8))
        #expect(received.defects.isEmpty)
    }

    @Test func nobodyListeningIsATransientFailure() async throws {
        let client = try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:1")!)
        do {
            _ = try await client.deliver(message())
            Issue.record("sent to nobody")
        } catch {
            #expect(!error.isPermanent)
        }
    }

    @Test func urls() {
        let plain = SMTPConfiguration(url: "smtp://mail.example.com")
        #expect(plain?.port == 587)
        #expect(plain?.security == .startTLS)
        let secure = SMTPConfiguration(url: "smtps://a%40b:p%3Aw@mail.example.com")
        #expect(secure?.port == 465)
        #expect(secure?.username == "a@b")
        #expect(secure?.password == "p:w")
        #expect(secure?.masked == "smtps://a@b:•••@mail.example.com:465")
        #expect(SMTPConfiguration(url: "http://mail.example.com") == nil)
        #expect(SMTPConfiguration(url: "smtp://") == nil)
        #expect(MailAddress("a@b") == nil)
        #expect(MailAddress("a b@example.com") == nil)
        #expect(MailAddress("<a@example.com>") == nil)
        #expect(MailAddress("ana@example.com") != nil)
    }
}
