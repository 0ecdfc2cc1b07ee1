import HummingbirdBcrypt
import NIOPosix

/// bcrypt, off the event loops (one hash at cost 12 takes a few hundred milliseconds by design).
package struct PasswordHasher: Sendable {
    package let cost: UInt8

    /// - Parameter cost: bcrypt's work factor; 12 in production, lower only in tests of other things.
    package init(cost: UInt8 = 12) {
        self.cost = cost
    }

    package func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    package func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Verifies against a real hash even when the address is unknown, so the answer's timing does
    /// not tell which addresses have accounts.
    package func verifyUnknown(_ password: String) async throws {
        _ = try await verify(password, hash: Self.decoy)
    }

    private static let decoy = Bcrypt.hash("decoy password for unknown addresses", cost: 12)
}
