/// App Store Connect's `UserRole` values, as users and API keys carry them.
package enum SandboxRole: String, Sendable, Hashable, Codable, CaseIterable {
    case admin = "ADMIN"
    case finance = "FINANCE"
    case accountHolder = "ACCOUNT_HOLDER"
    case sales = "SALES"
    case marketing = "MARKETING"
    case appManager = "APP_MANAGER"
    case developer = "DEVELOPER"
    case accessToReports = "ACCESS_TO_REPORTS"
    case customerSupport = "CUSTOMER_SUPPORT"
    case createApps = "CREATE_APPS"

    /// Roles that see Sales and Trends (Reporter `Sales.*`, `/v1/salesReports`).
    package static let salesReaders: Set<SandboxRole> = [.accountHolder, .admin, .finance, .sales, .accessToReports]
    /// Roles that see Payments and Financial Reports (Reporter `Finance.*`).
    package static let financeReaders: Set<SandboxRole> = [.accountHolder, .admin, .finance]
    /// Roles that manage Users and Access (invite, remove, `/v1/users`, `/v1/userInvitations`).
    package static let userManagers: Set<SandboxRole> = [.accountHolder, .admin]

    /// The label App Store Connect shows, e.g. `Sales and Reports`.
    package var label: String {
        switch self {
        case .admin: return "Admin"
        case .finance: return "Finance"
        case .accountHolder: return "Account Holder"
        case .sales: return "Sales and Reports"
        case .marketing: return "Marketing"
        case .appManager: return "App Manager"
        case .developer: return "Developer"
        case .accessToReports: return "Access to Reports"
        case .customerSupport: return "Customer Support"
        case .createApps: return "Create Apps"
        }
    }
}

/// What a set of roles allows.
extension Set where Element == SandboxRole {
    package var canReadSales: Bool { !isDisjoint(with: SandboxRole.salesReaders) }
    package var canReadFinance: Bool { !isDisjoint(with: SandboxRole.financeReaders) }
    package var canManageUsers: Bool { !isDisjoint(with: SandboxRole.userManagers) }
}
