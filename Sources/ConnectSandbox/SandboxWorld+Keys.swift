import Crypto
import Foundation

extension SandboxWorld {
    /// Registers a new team API key and returns it with its private key as the PKCS#8 PEM
    /// that App Store Connect lets you download once (`AuthKey_<KEYID>.p8`). Only the public
    /// half stays in the world.
    package func registerKey(
        issuerId: String? = nil, roles: Set<SandboxRole> = [.admin], accounts: [Int]? = nil
    ) throws(SandboxWorldError) -> (key: APIKey, privateKeyPEM: String) {
        let privateKey = P256.Signing.PrivateKey()
        return try change { state, _ throws(SandboxWorldError) in
            let numbers = accounts ?? state.accountOrder
            for number in numbers where state.accounts[number] == nil { throw .unknownAccount(number) }
            var random = SeededGenerator(options.seed, UInt64(state.keyOrder.count), 0xCE1)
            let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            var keyId = ""
            repeat {
                keyId = String((0..<10).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            } while state.keys[keyId] != nil
            let key = APIKey(
                keyId: keyId, issuerId: issuerId ?? Self.uuid(&random), publicKey: privateKey.publicKey,
                roles: roles.isEmpty ? [.admin] : roles, accounts: numbers)
            state.keys[keyId] = key
            state.keyOrder.append(keyId)
            return (key, privateKey.pemRepresentation)
        }
    }

    /// The registered key `keyId`.
    package func key(_ keyId: String) -> APIKey? {
        try? read { state in state.keys[keyId] }
    }

    /// Every registered key, in registration order.
    package var keys: [APIKey] {
        (try? read { state in state.keyOrder.compactMap { state.keys[$0] } }) ?? []
    }
}
