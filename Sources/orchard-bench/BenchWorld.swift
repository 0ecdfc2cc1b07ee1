import ConnectSandbox
import Foundation
import OrchardCore
import OrchardStorage
import OrchardTestSupport
import SQLKit

/// What both commands set up: the service Apple ID in the sandbox, store accounts integrated by a
/// dashboard user, and the service token stored encrypted.
enum BenchWorld {
    static let serviceAppleID = "service@orchard.bench"

    /// Creates `count` sandbox accounts and the service Apple ID (a member of none yet); returns the
    /// accounts and the service token.
    static func sandboxAccounts(_ sandbox: SandboxServer, count: Int, apps: Int, historyDays: Int) throws
        -> (accounts: [SandboxAccount], serviceToken: String)
    {
        let accounts = try (0..<count).map {
            try sandbox.world.createAccount(name: "Bench \($0 + 1)", apps: apps, historyDays: historyDays)
        }
        let (_, token) = try sandbox.world.createUser(appleId: serviceAppleID, accounts: [])
        return (accounts, token.value)
    }

    /// Every account accepts the service Apple ID.
    static func inviteService(_ sandbox: SandboxServer, into accounts: [SandboxAccount]) throws {
        for account in accounts {
            try sandbox.world.invite(email: serviceAppleID, to: account.number, roles: [.sales])
            try sandbox.world.acceptInvitation(email: serviceAppleID, account: account.number)
        }
    }

    /// The database side of the funnel: one user, the accounts, one pending integration each, the
    /// service token.
    static func integrate(
        _ accounts: [SandboxAccount], database: OrchardDatabase, keys: KeyRing, serviceToken: String, now: Date
    ) async throws {
        _ = try await SealedKeyRecord.claim(keys, database: database)
        try await ServiceTokenStore(database: database, keys: keys).set(serviceToken, expires: nil, now: now)
        let userID = try await database.withTransaction { connection in
            try await connection.raw(
                """
                INSERT INTO users (email, password_hash, created_at) VALUES ('bench@example.com', 'x', \(bind: now))
                RETURNING id
                """
            ).first()!.decode(column: "id", as: Int64.self)
        }
        let stores = StoreAccountStore(database: database)
        let integrations = IntegrationStore(database: database)
        for account in accounts {
            try await stores.register(
                number: String(account.number), name: account.name, vendors: account.vendors.map(String.init), now: now)
            _ = try await integrations.create(userID: userID, accountNumber: String(account.number), now: now)
        }
    }

    /// Resident memory of this process (or of process `pid`), in MiB.
    static func residentMiB(of pid: Int32? = nil) -> Double {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kib / 1024
    }
}

extension DatabaseURL {
    /// The URL as `DATABASE_URL` takes it.
    var settingValue: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(let url): url
        }
    }
}
