import Foundation
import HTTPTypes
import Hummingbird

/// The address a request came from, for the sign-in throttle: the socket's peer, unless that peer
/// is one of `ORCHARD_TRUSTED_PROXIES`; then the nearest address in `X-Forwarded-For` that is not a
/// trusted proxy (read from the right: the left end is whatever the client chose to send).
struct ClientAddress: Sendable {
    let trustedProxies: Set<String>

    func of(_ request: Request, peer: String?) -> String? {
        guard let peer, trustedProxies.contains(peer) else { return peer }
        let hops = request.headers[values: HTTPField.Name("X-Forwarded-For")!]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return hops.last { !trustedProxies.contains($0) } ?? peer
    }
}
