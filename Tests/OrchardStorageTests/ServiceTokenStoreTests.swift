import Foundation
import OrchardTestSupport
import Testing

@testable import OrchardStorage

@Suite("Service token")
struct ServiceTokenStoreTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("the service token is kept encrypted, with 180 days or the operator's date", arguments: TestBackend.available)
    func setAndRead(backend: TestBackend) async throws {
        try await withMigrated(backend) { database in
            // given
            let keys = try KeyRing(base64Keys: [SecretBox.generateKey()])
            let store = ServiceTokenStore(database: database, keys: keys)
            #expect(try await store.current() == nil)

            // when
            try await store.set("4fbd6016-439d-4cef-a72e-5c465f8343d4", expires: nil, now: Self.now)
            let counted = try await store.current()
            let given = Self.now.addingTimeInterval(10 * 86_400)
            try await store.set("a-new-token-of-the-service-apple-id", expires: given, now: Self.now)
            let replaced = try await store.current()

            // then
            #expect(counted?.value == "4fbd6016-439d-4cef-a72e-5c465f8343d4")
            #expect(counted?.expiresAt == Self.now.addingTimeInterval(180 * 86_400))
            #expect(counted?.daysLeft(now: Self.now.addingTimeInterval(150 * 86_400)) == 30)
            #expect(replaced?.value == "a-new-token-of-the-service-apple-id")
            #expect(replaced?.expiresAt == given)
            #expect(replaced?.daysLeft(now: given.addingTimeInterval(1)) == -1)
        }
    }
}
