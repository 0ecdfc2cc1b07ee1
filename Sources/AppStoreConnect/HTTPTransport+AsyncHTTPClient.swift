public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension HTTPTransport {
    /// A transport over AsyncHTTPClient.
    ///
    /// - Parameters:
    ///   - client: the shared client; its lifetime is the caller's.
    ///   - maxResponseBytes: a larger answer fails rather than filling memory (reports are a few MB).
    public static func asyncHTTPClient(_ client: HTTPClient, maxResponseBytes: Int = 256 << 20) -> HTTPTransport {
        HTTPTransport { (request: TransportRequest) async throws(TransportError) -> TransportResponse in
            var outgoing = HTTPClientRequest(url: request.url.absoluteString)
            outgoing.method = request.method == .get ? .GET : .POST
            for header in request.headers {
                outgoing.headers.add(name: header.name, value: header.value)
            }
            if let body = request.body {
                outgoing.body = .bytes(ByteBuffer(bytes: body))
            }
            let timeout = TimeAmount.nanoseconds(
                Int64(request.timeout.components.seconds) * 1_000_000_000
                    + Int64(request.timeout.components.attoseconds / 1_000_000_000))
            do {
                let response = try await client.execute(outgoing, timeout: timeout)
                let body = try await response.body.collect(upTo: maxResponseBytes)
                return TransportResponse(
                    status: Int(response.status.code),
                    headers: response.headers.map { (name: $0.name, value: $0.value) },
                    body: Data(body.readableBytesView))
            } catch let error as HTTPClientError {
                switch error {
                case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                    throw .timedOut
                default:
                    throw .connectionFailed(String(describing: error))
                }
            } catch is NIOTooManyBytesError {
                throw .responseTooLarge(limit: maxResponseBytes)
            } catch {
                throw .connectionFailed(String(describing: error))
            }
        }
    }
}
