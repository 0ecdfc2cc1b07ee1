import Crypto
import Foundation
import OrchardTestSupport
import SalesReports
import Testing

@testable import AppStoreConnect

@Suite("Secrets stay out of logs, errors and descriptions")
struct SecretRedactionTests {
    @Test("a Reporter token never appears in logs or errors, whatever Apple answers")
    func reporterToken() async {
        // given
        let logs = CapturedLogs()
        let token = ReporterAccessToken("c0ffee00-1234-4abc-8def-0123456789ab")
        let answers: [Result<TransportResponse, TransportError>] = [
            .success(.robotError(401, code: 124, "Your Access Token is invalid.")),
            .success(TransportResponse(status: 503)), .failure(.timedOut),
            .success(TransportResponse(status: 200, body: Data("<html>\(token.secret)?</html>".utf8))),
        ]
        let client = ReporterClient(
            transport: FakeTransport(answers + answers).transport,
            retry: RetryPolicy(maxAttempts: 2, random: { 0 }, sleep: { _ in }), logger: logs.logger)
        var described: [String] = []

        // when
        for _ in 0..<4 {
            do {
                _ = try await client.salesReport(
                    token: token, account: "1", request: SalesReportRequest(vendor: "1", date: ReporterClientTests.day))
            } catch {
                described.append("\(error) \(String(reflecting: error))")
            }
        }

        // then
        #expect(!logs.text.isEmpty)
        #expect(!logs.text.contains(token.secret))
        #expect(described.count == 4)
        #expect(described.allSatisfy { !$0.contains(token.secret.prefix(8)) })
        #expect("\(token)" == "••••89ab")
        #expect(!String(reflecting: token).contains(token.secret))
    }

    @Test("a Connect API key and its JWTs never appear in logs or errors")
    func connectKey() async throws {
        // given
        let logs = CapturedLogs()
        let key = ConnectAPIKey(
            keyID: "2X9R4HXF34", issuerID: "57246542-96fe-1a63-e053-0824d011072a", privateKey: .init())
        let fake = FakeTransport(
            TransportResponse(
                status: 401, body: Data(#"{"errors":[{"status":"401","code":"NOT_AUTHORIZED","title":"no"}]}"#.utf8)))
        let client = ConnectAPIClient(key: key, transport: fake.transport, retry: .none, logger: logs.logger)

        // when
        let error = await #expect(throws: ConnectAPIError.self) { try await client.apps() }

        // then
        let jwt = try #require(fake.sent.first?.header("Authorization")?.replacingOccurrences(of: "Bearer ", with: ""))
        let signature = try #require(jwt.split(separator: ".").last)
        let everything = logs.text + "\(String(describing: error))" + "\(key)" + "\(fake.sent[0])"
        #expect(!everything.contains(signature))
        #expect(!everything.contains(key.privateKey.pemRepresentation))
        #expect("\(key)" == "ConnectAPIKey(2X9R4HXF34)")
    }
}
