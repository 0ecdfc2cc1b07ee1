import AppStoreConnect
import Foundation
import Logging
import Synchronization
import Testing

/// A transport that answers from a script and records what was sent.
final class FakeTransport: Sendable {
    private let state: Mutex<(answers: [Result<TransportResponse, TransportError>], sent: [TransportRequest])>

    init(_ answers: [Result<TransportResponse, TransportError>]) {
        state = Mutex((answers, []))
    }

    convenience init(_ responses: TransportResponse...) {
        self.init(responses.map { .success($0) })
    }

    var sent: [TransportRequest] { state.withLock { $0.sent } }

    var transport: HTTPTransport {
        HTTPTransport { request throws(TransportError) in
            let answer = self.state.withLock { state in
                state.sent.append(request)
                return state.answers.isEmpty ? nil : state.answers.removeFirst()
            }
            guard let answer else { throw .connectionFailed("the fake transport has no more answers") }
            return try answer.get()
        }
    }
}

/// Records the waits a retry policy asks for instead of sleeping.
final class RecordedSleeps: Sendable {
    private let waits = Mutex<[Duration]>([])
    var all: [Duration] { waits.withLock { $0 } }

    var policy: RetryPolicy {
        RetryPolicy(maxAttempts: 4, baseDelay: .seconds(1), maxDelay: .seconds(60), random: { 0.5 }) { duration in
            self.waits.withLock { $0.append(duration) }
        }
    }
}

extension TransportResponse {
    static func xml(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> TransportResponse {
        TransportResponse(status: status, headers: [("Content-Type", "text/xml")] + headers, body: Data(body.utf8))
    }

    static func robotError(_ status: Int, code: Int, _ message: String, headers: [(name: String, value: String)] = [])
        -> TransportResponse
    {
        .xml(
            status,
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Error><Code>\#(code)</Code><Message>\#(message)</Message></Error>"#,
            headers: headers)
    }
}

extension TransportRequest {
    /// The decoded `jsonRequest` of a Reporter request.
    var reporterJSON: [String: String]? {
        guard let body, let text = String(data: body, encoding: .utf8), text.hasPrefix("jsonRequest=") else {
            return nil
        }
        let encoded = String(text.dropFirst("jsonRequest=".count))
        guard let json = encoded.removingPercentEncoding?.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode([String: String].self, from: json)
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Response bodies written for this project (Tests/AppStoreConnectTests/Fixtures) in the shapes Apple sends.
enum Fixtures {
    /// The bytes of a fixture file; a missing one fails the test, it is not skipped.
    static func data(_ name: String) throws -> Data {
        let directory = try #require(
            Bundle.module.url(forResource: "Fixtures", withExtension: nil),
            "the Fixtures folder is not in the test bundle: check resources: [.copy(\"Fixtures\")] in Package.swift")
        return try Data(contentsOf: directory.appendingPathComponent(name))
    }
}
