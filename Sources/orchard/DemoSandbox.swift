import ArgumentParser
import ConnectSandbox
import Foundation
import OrchardApp
import OrchardCore
import OrchardStorage
import OrchardWeb

/// What `orchard demo` keeps and seeds: the sandbox's world in `sandbox.json` beside the database
/// (so a second run finds the same accounts, tokens and invitations Orchard remembers), the service
/// Apple ID's token in Orchard, and the demo dashboard login.
enum DemoSandbox {
    static let fileName = "sandbox.json"

    /// The saved world of `folder`, or a new one seeded for the demo (and saved at once).
    static func world(in folder: URL, serviceAppleID: String, autoAcceptAfter: TimeInterval) throws -> SandboxWorld {
        let world = SandboxWorld(
            options: .init(seed: 1, serviceAppleID: serviceAppleID, autoAcceptAfter: autoAcceptAfter))
        let file = folder.appendingPathComponent(fileName)
        do {
            if FileManager.default.fileExists(atPath: file.path) {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                try world.restore(try decoder.decode(SandboxSnapshot.self, from: Data(contentsOf: file)))
            } else {
                _ = try world.seedDemo()
                let shared = world.accounts.first { $0.name.hasPrefix("Juniper") }.map { [$0.number] } ?? []
                _ = try world.createUser(
                    appleId: Demo.colleagueAppleID, accounts: shared, roles: [.admin], firstName: "Sam",
                    lastName: "Lee")
                try save(world, in: folder)
            }
        } catch let error as SandboxWorldError {
            CommandSupport.printError("orchard demo: \(error.message) (\(file.path); --reset starts afresh)")
            throw ExitCode.failure
        } catch {
            CommandSupport.printError("orchard demo: cannot read \(file.path): \(error) (--reset starts afresh)")
            throw ExitCode.failure
        }
        return world
    }

    /// Writes the world to `folder`, readable by its owner only (it holds Reporter tokens).
    static func save(_ world: SandboxWorld, in folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let file = folder.appendingPathComponent(fileName)
        try encoder.encode(world.snapshot()).write(to: file, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
    }

    /// Saves the world whenever it changed, once a second, until cancelled.
    static func keepSaved(_ world: SandboxWorld, in folder: URL) async {
        var saved = world.revision
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let now = world.revision
            guard now != saved else { continue }
            saved = now
            try? save(world, in: folder)
        }
    }

    /// Gives Orchard the service Apple ID's current token and makes sure the demo login exists.
    static func prepare(_ database: OrchardDatabase, keys: KeyRing, world: SandboxWorld) async throws {
        if let token = try world.user(Demo.serviceAppleID).token {
            _ = try await ServiceTokenStore(database: database, keys: keys).set(
                token.value, expires: token.expiresAt, now: Date())
        }
        let users = UserStore(database: database)
        if try await users.credentials(email: Demo.demoEmail) == nil {
            let hash = try await PasswordHasher().hash(Demo.demoPassword)
            let user = try await users.insert(
                email: Demo.demoEmail, passwordHash: hash, role: .operator, now: Date())
            // Its address counts as confirmed: the demo's mail (digest included) is written for it at once.
            let settings = NotificationSettingsStore(database: database)
            _ = try await settings.verify(
                token: try await settings.verificationToken(userID: user.id, email: user.email, now: Date()),
                now: Date())
        }
    }

    /// The block the demo prints once the dashboard listens at the URL it is given.
    static func banner(
        world: SandboxWorld, folder: URL, sandboxURL: String, autoAcceptAfter: Int, windowMinutes: Double
    ) -> @Sendable (String) -> String {
        let owner = (try? world.user(Demo.ownerAppleID).token?.value) ?? "(none: sign in to the sandbox to make one)"
        let colleague = (try? world.user(Demo.colleagueAppleID).token?.value) ?? "(none)"
        let window = SpokenDuration.text(windowMinutes * 60)
        let path = folder.path
        return { dashboard in
            """

            Orchard demo is running. Ctrl-C stops it.

              Dashboard                    \(dashboard)/
                sign in                    \(Demo.demoEmail) / \(Demo.demoPassword)   (or sign up)
              App Store Connect (sandbox)  \(sandboxURL)/
                sign in as                 \(Demo.ownerAppleID) (Account Holder of both accounts)
              Access token to paste        \(owner)
              A colleague's token          \(colleague)   (\(Demo.colleagueAppleID), Juniper Apps only)
              Service Apple ID to invite   \(Demo.serviceAppleID)   (accepted by itself after \(autoAcceptAfter) s)

              Mail Orchard sends           \(path)/mail (and Operator > Mail sent)

              Pending integrations expire after \(window). Data: \(path) (--reset starts afresh)


            """
        }
    }
}
