/// The master keys a process holds: the current one, which seals, and any previous ones, which still
/// open what they sealed until `orchard rotate-key` has re-sealed it. Keys are looked up by key id.
package struct KeyRing: Sendable {
    /// The key new secrets are sealed with.
    package let current: SecretBox
    /// Every key, the current one first, without duplicates.
    package let keys: [SecretBox]

    /// A ring of `current` and then `previous`, in that order; repeated keys are kept once.
    package init(current: SecretBox, previous: [SecretBox] = []) {
        var seen: Set<String> = []
        self.current = current
        self.keys = ([current] + previous).filter { seen.insert($0.keyID).inserted }
    }

    /// A ring from base64 keys, the current one first.
    package init(base64Keys: [String]) throws(SecretBoxError) {
        var boxes: [SecretBox] = []
        for key in base64Keys { boxes.append(try SecretBox(base64Key: key)) }
        guard let first = boxes.first else { throw .malformedKey }
        self.init(current: first, previous: Array(boxes.dropFirst()))
    }

    /// The ids of every key, the current one first.
    package var keyIDs: [String] { keys.map(\.keyID) }

    /// The key with this id, if the ring holds it.
    package func key(id: String) -> SecretBox? {
        keys.first { $0.keyID == id }
    }

    /// Seals with the current key.
    package func seal(_ secret: String, context: SecretContext) throws(SecretBoxError) -> SecretBox.Sealed {
        try current.seal(secret, context: context)
    }

    /// Opens with whichever key of the ring sealed it.
    package func open(_ sealed: SecretBox.Sealed, context: SecretContext) throws(SecretBoxError) -> String {
        guard let box = key(id: sealed.keyID) else { throw .wrongKey(sealedWith: sealed.keyID) }
        return try box.open(sealed, context: context)
    }
}
