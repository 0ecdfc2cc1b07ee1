import ArgumentParser
import Foundation
import Logging
import OrchardCore
import OrchardStorage

struct RotateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Re-encrypt every secret at rest with a new master key.",
        discussion: """
            The current key is ORCHARD_MASTER_KEY or the data directory's master.key. With a key file, the new key
            replaces it; with ORCHARD_MASTER_KEY, the new key is printed once: set it before the next start.
            """)

    @Option(help: "The new key, base64 of 32 bytes; a random one by default.") var newKey: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
        let logger = Logger(label: "orchard.rotate-key")
        let (old, origin) = try MasterKeyFile.load(
            configured: settings.masterKey?.revealed, dataDirectory: settings.dataDirectory)
        let replacement = newKey ?? SecretBox.generateKey()
        let new: SecretBox
        do {
            new = try SecretBox(base64Key: replacement)
        } catch {
            throw ValidationError("--new-key: \(error)")
        }
        let database = try await CommandSupport.openDatabase(settings, logger: logger)
        _ = try await CommandSupport.migrate(database, logger: logger)
        let count: Int
        do {
            count = try await SecretRotation.rotate(database: database, from: old, to: new)
        } catch {
            try? await database.close()
            CommandSupport.printError("orchard rotate-key: nothing changed: \(error)")
            throw ExitCode.failure
        }
        try await database.close()
        switch origin {
        case .file(let path), .generated(let path):
            try MasterKeyFile.write(replacement, to: path)
            print("re-encrypted \(count) secret(s) with key \(new.keyID); \(path) holds the new key")
        case .configuration:
            print("re-encrypted \(count) secret(s) with key \(new.keyID); set ORCHARD_MASTER_KEY to:")
            print(replacement)
        }
    }
}
