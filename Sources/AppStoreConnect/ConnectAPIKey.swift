public import Crypto
import Foundation

/// A team API key of the App Store Connect API: the `.p8` file Apple lets you download once,
/// its key ID and the team's issuer ID. Prints only its key ID.
public struct ConnectAPIKey: Sendable, CustomStringConvertible {
    public let keyID: String
    public let issuerID: String
    let privateKey: P256.Signing.PrivateKey

    /// Reads the PEM text of `AuthKey_<KEYID>.p8` (`-----BEGIN PRIVATE KEY-----`, PKCS#8, P-256).
    public init(keyID: String, issuerID: String, privateKeyPEM: String) throws(ConnectAPIError) {
        guard !keyID.isEmpty, !issuerID.isEmpty else {
            throw .invalidKey("the key ID and the issuer ID must not be empty")
        }
        do {
            self.privateKey = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw .invalidKey("the private key is not a PEM P-256 key (AuthKey_\(keyID).p8)")
        }
        self.keyID = keyID
        self.issuerID = issuerID
    }

    /// A key from an existing private key, e.g. one generated for a test.
    public init(keyID: String, issuerID: String, privateKey: P256.Signing.PrivateKey) {
        self.keyID = keyID
        self.issuerID = issuerID
        self.privateKey = privateKey
    }

    public var description: String { "ConnectAPIKey(\(keyID))" }
}
