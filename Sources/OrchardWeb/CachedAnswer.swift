import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OrchardStorage

/// A JSON answer of the figures APIs (store metrics, subscriptions), encoded once per question and
/// data version: the same accounts at the same versions and statuses give the same bytes, whoever
/// asks (a scope holds only readable accounts, and nothing in an answer comes from outside it). The
/// key is a SHA-256 of the normalised question, so its size does not depend on what was sent.
enum CachedAnswer {
    static func json<Answer: Encodable & Sendable>(
        _ normalised: String, cache: MetricsCache, answer: @escaping @Sendable () async throws -> Answer
    ) async throws -> Response {
        let key = SecretBox.fingerprint(normalised)
        let body = try await cache.value(key, weight: { $0.readableBytes / 64 }) {
            ByteBuffer(bytes: try encoder.encode(try await answer()))
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }

    /// A page's fragment rendered once per `normalised` key (which must name everything the fragment
    /// shows: the question, the scope's accounts with their data versions, any names it prints).
    static func html(_ normalised: String, cache: MetricsCache, render: @escaping @Sendable () async throws -> String)
        async throws -> String
    {
        try await cache.value(SecretBox.fingerprint(normalised), weight: { $0.utf8.count / 64 }) { try await render() }
    }

    /// A value of a page's fragments rendered once per `normalised` key, as ``html(_:cache:render:)``.
    static func fragments<Value: Sendable>(
        _ normalised: String, cache: MetricsCache, bytes: @escaping @Sendable (Value) -> Int,
        render: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await cache.value(SecretBox.fingerprint(normalised), weight: { bytes($0) / 64 }) { try await render() }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}
