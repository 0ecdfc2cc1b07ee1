import HTTPTypes
import Hummingbird
import NIOCore
import OrchardStorage
import SalesReports

/// A static asset: named by its content hash (so it may be cached for a year) and sent gzipped to
/// browsers that accept it.
struct Asset: Sendable {
    let contentType: String
    let version: String
    let plain: ByteBuffer
    let gzipped: ByteBuffer?

    init(_ text: String, contentType: String) {
        self.contentType = contentType
        version = String(SecretBox.fingerprint(text).prefix(12))
        plain = ByteBuffer(string: text)
        gzipped = (try? Gzip.compress(Array(text.utf8))).map { ByteBuffer(bytes: $0) }
    }

    func response(for request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: contentType, .cacheControl: "public, max-age=31536000, immutable", .vary: "Accept-Encoding",
        ]
        let acceptsGzip = request.headers[.acceptEncoding]?.lowercased().contains("gzip") == true
        if acceptsGzip, let gzipped {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzipped))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: plain))
    }
}
