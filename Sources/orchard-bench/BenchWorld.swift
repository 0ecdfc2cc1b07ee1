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

    /// The whole machine's CPU time so far (`/proc/stat`, every process: the workers, PostgreSQL,
    /// the sandbox): busy and total clock ticks, summed over the cores.
    static func machineCPU() -> (busy: Double, total: Double) {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return (0, 0) }
        // user nice system idle iowait irq softirq steal ...
        let ticks = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard ticks.count == 8 else { return (0, 0) }
        return (ticks.reduce(0, +) - ticks[3] - ticks[4], ticks.reduce(0, +))
    }

    /// The share of the machine's CPU (0...1, all cores) used between `start` and now.
    static func busyShare(since start: (busy: Double, total: Double)) -> Double {
        let now = machineCPU()
        let total = now.total - start.total
        return total > 0 ? (now.busy - start.busy) / total : 0
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
