import Crypto
package import Foundation

/// Encrypts secrets at rest with AES-256-GCM (docs/decisions/0002-master-key-ring-and-rotation.md).
///
/// Each ciphertext is stored with the id of the key that sealed it (the first 16 hex digits of
/// the key's SHA-256), so a key ring can find the key that opens it, and is bound to where it is
/// stored by a `SecretContext` (authenticated as GCM associated data): copied into another row, it
/// does not open.
package struct SecretBox: Sendable {
    /// A sealed secret: nonce, ciphertext and tag (`AES.GCM.SealedBox.combined`) and its key's id.
    package struct Sealed: Sendable, Equatable {
        package var keyID: String
        package var combined: Data

        package init(keyID: String, combined: Data) {
            self.keyID = keyID
            self.combined = combined
        }
    }

    package let keyID: String
    private let key: SymmetricKey

    /// A box for a 32-byte key.
    package init(keyBytes: Data) throws(SecretBoxError) {
        guard keyBytes.count == 32 else { throw .malformedKey }
        key = SymmetricKey(data: keyBytes)
        keyID = Self.keyID(of: keyBytes)
    }

    /// A box for a base64 key, as `ORCHARD_MASTER_KEY` holds it.
    package init(base64Key: String) throws(SecretBoxError) {
        guard let bytes = Data(base64Encoded: base64Key.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw .malformedKey
        }
        try self.init(keyBytes: bytes)
    }

    /// A new random key, base64.
    package static func generateKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    static func keyID(of keyBytes: Data) -> String {
        SHA256.hash(data: keyBytes).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Seals `secret` for the place `context` names.
    package func seal(_ secret: String, context: SecretContext) throws(SecretBoxError) -> Sealed {
        do {
            let box = try AES.GCM.seal(Data(secret.utf8), using: key, authenticating: context.associatedData)
            guard let combined = box.combined else { throw SecretBoxError.cannotSeal }
            return Sealed(keyID: keyID, combined: combined)
        } catch {
            throw .cannotSeal
        }
    }

    /// Opens a secret sealed with this key for the place `context` names.
    package func open(_ sealed: Sealed, context: SecretContext) throws(SecretBoxError) -> String {
        guard sealed.keyID == keyID else { throw .wrongKey(sealedWith: sealed.keyID) }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.combined)
            return String(
                decoding: try AES.GCM.open(box, using: key, authenticating: context.associatedData), as: UTF8.self)
        } catch {
            throw .tampered
        }
    }

    /// The SHA-256 of a secret in hex: kept after the secret is erased, to recognise it again.
    package static func fingerprint(_ secret: String) -> String {
        // Lowercase hex, written directly: `String(format:)` per byte cost more than the hash on
        // every request (each cached answer's key is a fingerprint).
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(secret.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

/// Where a sealed secret belongs (table, row or owner, purpose), authenticated with it as AES-GCM
/// associated data.
package struct SecretContext: Sendable, Equatable, CustomStringConvertible {
    package let description: String

    init(_ description: String) {
        self.description = description
    }

    var associatedData: Data { Data(description.utf8) }

    /// A funnel token's access token, bound to its row.
    package static func funnelToken(id: Int64) -> SecretContext { .init("funnel_tokens/\(id)/access_token") }

    /// A named service secret, bound to its name.
    package static func serviceSecret(name: String) -> SecretContext { .init("service_secrets/\(name)") }

    /// No associated data: how secrets were sealed before migration 4 bound each to its row.
    static let unbound = SecretContext("")
}

package enum SecretBoxError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedKey
    case cannotSeal
    case wrongKey(sealedWith: String)
    case tampered

    package var description: String {
        switch self {
        case .malformedKey: "the master key is not base64 of exactly 32 bytes"
        case .cannotSeal: "the secret could not be encrypted"
        case .wrongKey(let keyID):
            "the secret was sealed with master key \(keyID), which is not in the key ring; add that key"
        case .tampered:
            "the ciphertext does not open: it was altered, copied from another row, or the key is wrong"
        }
    }
}
