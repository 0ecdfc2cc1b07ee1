import ArgumentParser
import Foundation
import Logging
import OrchardCore
import OrchardStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct RotateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Re-encrypt every secret at rest with a new master key.",
        discussion: """
            The keys are ORCHARD_MASTER_KEY (a comma-separated ring, the current key first) or the data directory's \
            master.key (one key per line, the current key first). With a key file, the new key is first added to \
            the ring (written and flushed to disk), then every secret is re-sealed in one transaction, and only then \
            are the previous keys dropped from the file. With ORCHARD_MASTER_KEY, the new key is printed before \
            anything changes: set ORCHARD_MASTER_KEY to NEW,OLD before the next start, and to NEW alone once this \
            command succeeded. While the ring holds previous keys (an interrupted rotation), rotate-key finishes \
            the rotation to the ring's current key instead of making another key.
            """)

    @Option(help: "The new key, base64 of 32 bytes; a random one by default.") var newKey: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let settings = try CommandSupport.settings(commandLine: database.commandLineSettings)
        let logger = Logger(label: "orchard.rotate-key")
        let replacement = newKey ?? SecretBox.generateKey()
        let new: SecretBox
        do {
            new = try SecretBox(base64Key: replacement)
        } catch {
            throw ValidationError("--new-key: \(error)")
        }
        let database = try await CommandSupport.openDatabase(settings, logger: logger)
        let (keys, origin) = try await CommandSupport.masterKeys(settings, database: database, logger: logger)
        let target: SecretBox
        do {
            target = try await prepareRing(keys: keys, origin: origin, database: database, new: new, replacement)
        } catch {
            try? await database.close()
            CommandSupport.printError("orchard rotate-key: nothing changed: \(error)")
            throw ExitCode.failure
        }
        let count: Int
        do {
            count = try await SecretRotation.rotate(
                database: database, keys: KeyRing(current: target, previous: keys.keys), to: target,
                beforeCommit: { Failpoint.hit("before-commit") })
        } catch {
            try? await database.close()
            CommandSupport.printError("orchard rotate-key: no secret was re-encrypted: \(error)")
            throw ExitCode.failure
        }
        try await database.close()
        Failpoint.hit("after-commit")
        switch origin {
        case .file(let path), .generated(let path):
            // Every row is sealed with the current key now: the previous keys may go.
            try MasterKeyFile.dropPreviousKeys(at: path)
            print("re-encrypted \(count) secret(s) with key \(target.keyID); \(path) holds only that key now")
        case .configuration:
            print(
                "re-encrypted \(count) secret(s) with key \(target.keyID); ORCHARD_MASTER_KEY needs only that key now"
            )
        }
    }

    /// Makes the key to rotate to durable before any row changes, and returns it. When the ring still holds
    /// previous keys (a rotation was interrupted, or they were never dropped), that is the ring's current key:
    /// the rotation to it is finished rather than another begun. Else it is the new key, added to the front of
    /// the key file or printed.
    private func prepareRing(
        keys: KeyRing, origin: MasterKeyFile.Origin, database: OrchardDatabase, new: SecretBox, _ replacement: String
    ) async throws -> SecretBox {
        if newKey == nil, keys.keys.count > 1 {
            let recorded = try await SealedKeyRecord.read(database) ?? keys.current.keyID
            print(
                "the key ring holds previous keys: finishing the rotation from key \(recorded) to key "
                    + "\(keys.current.keyID); run rotate-key again afterwards for a new key")
            return keys.current
        }
        switch origin {
        case .file(let path), .generated(let path):
            try MasterKeyFile.addCurrentKey(replacement, at: path)
            Failpoint.hit("after-ring-write")
        case .configuration:
            print("the new master key (id \(new.keyID)); set ORCHARD_MASTER_KEY to it before the next start:")
            print(replacement)
            print("until this command reports success, keep the old key after it: ORCHARD_MASTER_KEY=NEW,OLD")
            // The key must be out of this process before any row depends on it.
            fflush(nil)
            Failpoint.hit("after-key-print")
        }
        return new
    }
}
