import Crypto
public import Foundation

/// Makes the ES256 bearer tokens of the App Store Connect API (docs/SANDBOX.md) and reuses one until
/// shortly before it expires.
///
/// `iat` is back-dated a minute to tolerate a server clock that runs behind ours, and the lifetime
/// stays under Apple's 20-minute maximum even then. The signature is the raw 64-byte `r‖s` of
/// RFC 7518, never DER.
public actor ConnectTokenProvider {
    /// Apple rejects `exp - iat` over 1,200 s; stay well inside it.
    public static let lifetime: TimeInterval = 1_140
    static let backdate: TimeInterval = 60
    /// A token is replaced once less than this is left of it.
    static let renewalMargin: TimeInterval = 120

    private let key: ConnectAPIKey
    private let now: @Sendable () -> Date
    private var current: (token: String, expires: Date)?

    public init(key: ConnectAPIKey, now: @escaping @Sendable () -> Date = { Date() }) {
        self.key = key
        self.now = now
    }

    /// A token valid for at least `renewalMargin` more seconds.
    public func token() -> String {
        let moment = now()
        if let current, current.expires.timeIntervalSince(moment) > Self.renewalMargin {
            return current.token
        }
        let issued = moment.addingTimeInterval(-Self.backdate)
        let expires = issued.addingTimeInterval(Self.lifetime)
        let token = Self.makeToken(key: key, issuedAt: issued, expiresAt: expires)
        current = (token, expires)
        return token
    }

    /// A signed JWT for `key`: header `{alg: ES256, kid, typ: JWT}`, claims `{iss, iat, exp, aud}`.
    public static func makeToken(key: ConnectAPIKey, issuedAt: Date, expiresAt: Date, scope: [String]? = nil)
        -> String
    {
        struct Header: Encodable {
            let alg = "ES256"
            let kid: String
            let typ = "JWT"
        }
        struct Claims: Encodable {
            let iss: String
            let iat: Int
            let exp: Int
            let aud = "appstoreconnect-v1"
            let scope: [String]?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these fixed shapes cannot fail.
        let header = try! encoder.encode(Header(kid: key.keyID))
        let claims = try! encoder.encode(
            Claims(
                iss: key.issuerID, iat: Int(issuedAt.timeIntervalSince1970), exp: Int(expiresAt.timeIntervalSince1970),
                scope: scope))
        let signingInput = base64URL(header) + "." + base64URL(claims)
        let signature = try! key.privateKey.signature(for: Data(signingInput.utf8))
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    /// Base64url without padding (RFC 7515).
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
