import Crypto
import Foundation

/// Verifies App Store Connect API bearer tokens as Apple does (docs/SANDBOX.md): ES256 over
/// `header.payload` with a registered key, the raw 64-byte `r‖s` signature (DER is refused),
/// `aud` `appstoreconnect-v1`, not expired, `exp` at most 20 minutes from now ("Tokens that
/// expire more than 20 minutes into the future are not valid"), and, when `iat` is present, a
/// lifetime (`exp − iat`) of at most 20 minutes. `iat` is optional: Apple accepts tokens
/// without it in the field (PyPI `appstoreconnect` 0.10.1 sends none).
struct JWTVerifier: Sendable {
    /// Why a token was refused; for the sandbox's own log, never shown with the token.
    enum Rejection: Error, Sendable, Equatable {
        case malformed, wrongAlgorithm, unknownKey, signatureEncoding, badSignature, wrongAudience, wrongIssuer
        case expired, lifetimeTooLong, missingClaims
    }

    let world: SandboxWorld
    /// Apple's maximum token lifetime.
    static let maximumLifetime: TimeInterval = 1200

    func verify(_ token: String, now: Date) -> Result<APIKey, Rejection> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URL(parts[0]), let payloadData = Self.base64URL(parts[1]),
            let signature = Self.base64URL(parts[2]),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
            let claims = try? JSONSerialization.jsonObject(with: payloadData) as? [String: Any]
        else { return .failure(.malformed) }
        guard header["alg"] as? String == "ES256" else { return .failure(.wrongAlgorithm) }
        guard let keyId = header["kid"] as? String, let key = world.key(keyId) else { return .failure(.unknownKey) }
        guard signature.count == 64 else { return .failure(.signatureEncoding) }
        guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature),
            key.publicKey.isValidSignature(ecdsa, for: Data("\(parts[0]).\(parts[1])".utf8))
        else { return .failure(.badSignature) }
        let audience = claims["aud"]
        guard
            audience as? String == "appstoreconnect-v1"
                || (audience as? [String])?.contains("appstoreconnect-v1") == true
        else { return .failure(.wrongAudience) }
        guard let exp = (claims["exp"] as? NSNumber)?.doubleValue else { return .failure(.missingClaims) }
        guard claims["iss"] as? String == key.issuerId else { return .failure(.wrongIssuer) }
        guard now.timeIntervalSince1970 < exp else { return .failure(.expired) }
        guard exp - now.timeIntervalSince1970 <= Self.maximumLifetime else { return .failure(.lifetimeTooLong) }
        if let issuedAt = claims["iat"] {
            guard let iat = (issuedAt as? NSNumber)?.doubleValue else { return .failure(.malformed) }
            guard exp - iat <= Self.maximumLifetime else { return .failure(.lifetimeTooLong) }
        }
        return .success(key)
    }

    static func base64URL(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
