import Foundation
import OrchardTestSupport
import Testing

@testable import OrchardStorage

@Suite("The key the database is sealed with")
struct SealedKeyRecordTests {
    @Test(
        "the first process records its key; a process without that key is refused, naming key ids only",
        arguments: TestBackend.available)
    func mismatchRefused(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let firstKey = SecretBox.generateKey()
            let secondKey = SecretBox.generateKey()
            let first = try KeyRing(base64Keys: [firstKey])
            let second = try KeyRing(base64Keys: [secondKey])
            let recorded = try await SealedKeyRecord.claim(first, database: database)
            #expect(recorded == first.current.keyID)

            // when
            let error = await #expect(throws: StorageError.self) {
                try await SealedKeyRecord.claim(second, database: database)
            }

            // then
            #expect(error == .masterKeyMismatch(sealedWith: first.current.keyID, held: second.keyIDs))
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains(first.current.keyID) && message.contains(second.current.keyID))
            #expect(!message.contains(firstKey) && !message.contains(secondKey))
            let again = try await SealedKeyRecord.read(database)
            #expect(again == first.current.keyID)
        }
    }

    @Test("a ring holding the recorded key as a previous key is accepted", arguments: TestBackend.available)
    func previousKeyAccepted(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let old = try SecretBox(base64Key: SecretBox.generateKey())
            try await SealedKeyRecord.claim(KeyRing(current: old), database: database)
            let ring = KeyRing(current: try SecretBox(base64Key: SecretBox.generateKey()), previous: [old])

            // when
            let recorded = try await SealedKeyRecord.claim(ring, database: database)

            // then
            #expect(recorded == old.keyID)
        }
    }
}
