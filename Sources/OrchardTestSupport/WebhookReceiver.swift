package import Foundation
package import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// An HTTP server on a free loopback port that takes webhook deliveries as a customer's endpoint
/// would: it keeps each request (headers and body) and answers what the test scripts (`answers`,
/// in order; 204 once they run out).
package final class WebhookReceiver: Sendable {
    package struct Received: Sendable {
        package var path: String
        package var headers: [String: String]
        package var body: String
        package var at: Date
    }

    private let requests = Mutex<[Received]>([])
    private let scripted: Mutex<[Int]>

    init(answers: [Int]) {
        scripted = Mutex(answers)
    }

    package var received: [Received] { requests.withLock { $0 } }

    /// Runs a receiver for `body`; `answers` are the statuses of the first requests.
    package static func withRunning<Result: Sendable>(
        answers: [Int] = [], _ body: @Sendable (WebhookReceiver, _ url: String) async throws -> Result
    ) async throws -> Result {
        let receiver = WebhookReceiver(answers: answers)
        let router = Router()
        router.post("**") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            receiver.requests.withLock {
                $0.append(
                    .init(path: request.uri.path, headers: headers, body: String(buffer: bytes), at: Date()))
            }
            let status = receiver.scripted.withLock { $0.isEmpty ? 204 : $0.removeFirst() }
            var response = Response(status: .init(code: status))
            if (300..<400).contains(status) { response.headers[.location] = "http://127.0.0.1:1/elsewhere" }
            return response
        }
        return try await LoopbackServer.withRunning(router) { port in
            try await body(receiver, "http://127.0.0.1:\(port)/hooks/orchard")
        }
    }
}

/// A Hummingbird router served on a free loopback port for the length of `body`, then stopped (also
/// when `body` throws).
package enum LoopbackServer {
    package static func withRunning<Result: Sendable>(
        _ router: Router<BasicRequestContext>, _ body: @Sendable (_ port: Int) async throws -> Result
    ) async throws -> Result {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "loopback-server.test")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                await group.triggerGracefulShutdown()
                throw CancellationError()
            }
            do {
                let result = try await body(port)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}
