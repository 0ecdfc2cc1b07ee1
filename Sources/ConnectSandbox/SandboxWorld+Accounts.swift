import Foundation
import SalesReports

extension SandboxWorld {
    /// Creates a content-provider account with one vendor and `apps` apps whose sales start
    /// `historyDays` days before today.
    @discardableResult
    package func createAccount(
        name: String, apps: Int = 3, seed: UInt64? = nil, historyDays: Int = 400
    ) throws(SandboxWorldError) -> SandboxAccount {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalid("An account needs a name.") }
        guard (0...1000).contains(apps) else { throw .invalid("apps must be between 0 and 1000.") }
        guard historyDays >= 0 else { throw .invalid("historyDays must not be negative.") }
        return try change { state, now throws(SandboxWorldError) in
            state.createdAccounts += 1
            var random = SeededGenerator(options.seed, state.createdAccounts, 0xACC)
            var number = 0
            repeat {
                number = 1_000_000 + Int(random.next() % 9_000_000)
            } while state.accounts[number] != nil
            let vendor = 80_000_000 + Int(random.next() % 9_999_999)
            let accountSeed = seed ?? random.next()
            let account = SandboxAccount(
                number: number, name: name, vendors: [vendor],
                catalog: AppCatalog.profiles(seed: accountSeed, count: apps, developer: name), seed: accountSeed,
                historyStart: ReportDate(containing: now).adding(days: -historyDays))
            state.accounts[number] = account
            state.accountOrder.append(number)
            return account
        }
    }

    /// The account numbered `number`.
    package func account(_ number: Int) throws(SandboxWorldError) -> SandboxAccount {
        try read { state throws(SandboxWorldError) in
            guard let account = state.accounts[number] else { throw .unknownAccount(number) }
            return account
        }
    }

    /// Every account, in creation order.
    package var accounts: [SandboxAccount] {
        (try? read { state in state.accountOrder.compactMap { state.accounts[$0] } }) ?? []
    }

    /// The account that owns `vendor`, if any.
    package func account(vendor: Int) -> SandboxAccount? {
        try? read { state in state.accounts.values.first { $0.vendors.contains(vendor) } }
    }
}
