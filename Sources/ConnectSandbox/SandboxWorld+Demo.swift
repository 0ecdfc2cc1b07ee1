extension SandboxWorld {
    /// The world `orchard sandbox` starts with: two accounts and their Account Holder, plus the
    /// service Apple ID (without access to anything until invited). Returns the Apple IDs with
    /// their new tokens, to be printed once.
    package func seedDemo() throws(SandboxWorldError) -> [(appleId: String, token: ReporterToken)] {
        let juniper = try createAccount(name: "Juniper Apps Ltd.", apps: 3)
        let birch = try createAccount(name: "Birch Games GmbH", apps: 5)
        let (owner, ownerToken) = try createUser(
            appleId: "owner@juniper.example", accounts: [juniper.number, birch.number], roles: [.accountHolder],
            firstName: "Jo", lastName: "Juniper")
        var tokens = [(owner.appleId, ownerToken)]
        if let service = serviceTokenUser() { tokens.append(service) }
        return tokens
    }

    /// Creates the service Apple ID (no accounts) with a token, if configured and not there yet.
    package func serviceTokenUser() -> (appleId: String, token: ReporterToken)? {
        guard let service = options.serviceAppleID, (try? user(service)) == nil,
            let (user, token) = try? createUser(
                appleId: service, accounts: [], roles: [], firstName: "Orchard", lastName: "Service")
        else { return nil }
        return (user.appleId, token)
    }
}
