import Crypto
import Foundation
import Synchronization
import Testing

@testable import AppStoreConnect

@Suite("ES256 tokens for the App Store Connect API")
struct ConnectTokenTests {
    let privateKey = P256.Signing.PrivateKey()
    var key: ConnectAPIKey {
        ConnectAPIKey(keyID: "2X9R4HXF34", issuerID: "57246542-96fe-1a63-e053-0824d011072a", privateKey: privateKey)
    }

    static func decode(_ part: Substring) throws -> Data {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        return try #require(Data(base64Encoded: text))
    }

    @Test("header and claims are Apple's, and the lifetime stays under 20 minutes")
    func claims() throws {
        // given
        let now = Date(timeIntervalSince1970: 1_700_000_000)

        // when
        let token = ConnectTokenProvider.makeToken(
            key: key, issuedAt: now.addingTimeInterval(-60), expiresAt: now.addingTimeInterval(1_080))

        // then
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        let header = try JSONDecoder().decode([String: String].self, from: Self.decode(parts[0]))
        #expect(header == ["alg": "ES256", "kid": "2X9R4HXF34", "typ": "JWT"])
        let claims = try #require(JSONSerialization.jsonObject(with: Self.decode(parts[1])) as? [String: Any])
        #expect(claims["iss"] as? String == "57246542-96fe-1a63-e053-0824d011072a")
        #expect(claims["aud"] as? String == "appstoreconnect-v1")
        let iat = try #require(claims["iat"] as? Int)
        let exp = try #require(claims["exp"] as? Int)
        #expect(iat == 1_699_999_940)
        #expect(exp - iat <= 1_200)
        #expect(!token.contains("="))
    }

    @Test("the signature is raw r||s that an independent verifier accepts; its DER form is rejected")
    func signature() throws {
        // given
        let token = ConnectTokenProvider.makeToken(
            key: key, issuedAt: Date(), expiresAt: Date().addingTimeInterval(600))
        let parts = token.split(separator: ".")
        let signingInput = Data("\(parts[0]).\(parts[1])".utf8)
        let raw = try Self.decode(parts[2])

        // when
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: raw)

        // then
        #expect(raw.count == 64)
        #expect(privateKey.publicKey.isValidSignature(signature, for: signingInput))
        #expect(!P256.Signing.PrivateKey().publicKey.isValidSignature(signature, for: signingInput))
        let der = signature.derRepresentation
        #expect(der.count != 64)
        let derAsRaw = try? P256.Signing.ECDSASignature(rawRepresentation: der)
        #expect(derAsRaw.map { privateKey.publicKey.isValidSignature($0, for: signingInput) } != true)
        #expect(!privateKey.publicKey.isValidSignature(signature, for: Data("\(parts[0]).e30".utf8)))
    }

    @Test("a token is reused until shortly before it expires")
    func reuse() async {
        // given
        let clock = Mutex(Date(timeIntervalSince1970: 1_700_000_000))
        let provider = ConnectTokenProvider(key: key) { clock.withLock { $0 } }

        // when
        let first = await provider.token()
        clock.withLock { $0 += 900 }
        let stillFirst = await provider.token()
        clock.withLock { $0 += 100 }
        let renewed = await provider.token()

        // then
        #expect(first == stillFirst)
        #expect(renewed != first)
    }

    @Test("a .p8 key is read from its PEM; anything else is a clear error")
    func pem() throws {
        let pem = privateKey.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let loaded = try ConnectAPIKey(keyID: "K", issuerID: "I", privateKeyPEM: pem)
        #expect(loaded.privateKey.publicKey.rawRepresentation == privateKey.publicKey.rawRepresentation)
        #expect(throws: ConnectAPIError.self) {
            try ConnectAPIKey(keyID: "K", issuerID: "I", privateKeyPEM: "not a key")
        }
        #expect(throws: ConnectAPIError.self) { try ConnectAPIKey(keyID: "", issuerID: "I", privateKeyPEM: pem) }
    }
}
