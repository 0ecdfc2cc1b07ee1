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
                number: number, name: name, vendors: [.init(number: vendor, apps: 0..<apps)],
                catalog: AppCatalog.profiles(seed: accountSeed, count: apps, developer: name), seed: accountSeed,
                historyStart: ReportDate(containing: now).adding(days: -historyDays))
            state.accounts[number] = account
            state.accountOrder.append(number)
            return account
        }
    }

    /// Adds a vendor to account `number` that sells `apps` new apps (a contract Apple added, an app
    /// transferred in); returns the account.
    @discardableResult
    package func addVendor(to number: Int, apps: Int = 1) throws(SandboxWorldError) -> SandboxAccount {
        guard (0...100).contains(apps) else { throw .invalid("apps must be between 0 and 100.") }
        return try change { state, _ throws(SandboxWorldError) in
            guard var account = state.accounts[number] else { throw .unknownAccount(number) }
            var random = SeededGenerator(options.seed, UInt64(number), UInt64(account.vendorList.count), 0xBE4D)
            var vendor = 0
            repeat {
                vendor = 80_000_000 + Int(random.next() % 9_999_999)
            } while state.accounts.values.contains { $0.vendorList.contains { $0.number == vendor } }
            let first = account.catalog.count
            account.catalog = AppCatalog.profiles(
                seed: account.seed, count: first + apps, developer: account.developer)
            account.vendorList.append(.init(number: vendor, apps: first..<(first + apps)))
            state.accounts[number] = account
            return account
        }
    }

    /// Removes `vendor` from account `number`: Apple no longer lists it and refuses its reports.
    /// An account keeps at least one vendor.
    package func removeVendor(_ vendor: Int, from number: Int) throws(SandboxWorldError) {
        try change { state, _ throws(SandboxWorldError) in
            guard var account = state.accounts[number] else { throw .unknownAccount(number) }
            guard let index = account.vendorList.firstIndex(where: { $0.number == vendor && !$0.removed }) else {
                throw .invalid("Account \(number) has no vendor \(vendor).")
            }
            guard account.vendors.count > 1 else { throw .invalid("An account keeps at least one vendor.") }
            account.vendorList[index].removed = true
            state.accounts[number] = account
        }
    }

    /// Renames account `number` (its Account Holder changed the team's name).
    package func renameAccount(_ number: Int, to name: String) throws(SandboxWorldError) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalid("An account needs a name.") }
        try change { state, _ throws(SandboxWorldError) in
            guard state.accounts[number] != nil else { throw .unknownAccount(number) }
            state.accounts[number]?.name = name
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
