import Crypto
import Foundation

/// Builds App Store Connect API tokens as docs/SANDBOX.md describes, including broken ones.
struct JWTFactory {
    let keyId: String
    let issuerId: String
    let privateKey: P256.Signing.PrivateKey

    init(keyId: String, issuerId: String, pem: String) throws {
        self.keyId = keyId
        self.issuerId = issuerId
        self.privateKey = try P256.Signing.PrivateKey(pemRepresentation: pem)
    }

    func token(
        now: Date, lifetime: TimeInterval = 600, audience: String = "appstoreconnect-v1", algorithm: String = "ES256",
        der: Bool = false, signer: P256.Signing.PrivateKey? = nil, issuedAt: Bool = true
    ) throws -> String {
        let header = #"{"alg":"\#(algorithm)","kid":"\#(keyId)","typ":"JWT"}"#
        let iat = Int(now.timeIntervalSince1970)
        // PyPI `appstoreconnect` 0.10.1 sends no `iat`
        let issued = issuedAt ? #""iat":\#(iat),"# : ""
        let payload = #"{"iss":"\#(issuerId)",\#(issued)"exp":\#(iat + Int(lifetime)),"aud":"\#(audience)"}"#
        let input = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(payload.utf8))
        let signature = try (signer ?? privateKey).signature(for: Data(input.utf8))
        return input + "." + Self.base64URL(der ? signature.derRepresentation : signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
