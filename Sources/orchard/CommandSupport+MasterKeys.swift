import ArgumentParser
import Logging
import OrchardCore
import OrchardStorage

extension CommandSupport {
    /// Migrates the database and returns the master keys of a command that opens secrets at rest, with where
    /// they came from; exits 78 naming the key ids (never a key) when the database's secrets are sealed with a
    /// key this process does not hold.
    ///
    /// A key is generated into the data directory only for a database that records none yet, so a second host
    /// on one PostgreSQL without `ORCHARD_MASTER_KEY` is refused instead of sealing with a key of its own.
    static func masterKeys(_ settings: Settings, database: OrchardDatabase, logger: Logger) async throws
        -> (KeyRing, MasterKeyFile.Origin)
    {
        let keys: KeyRing
        let origin: MasterKeyFile.Origin
        do {
            let recorded = try await SealedKeyRecord.read(database)
            do {
                (keys, origin) = try MasterKeyFile.load(
                    configured: settings.masterKey?.revealed, dataDirectory: settings.dataDirectory,
                    generateIfMissing: recorded == nil)
            } catch MasterKeyError.notFound {
                throw StorageError.masterKeyMissing(sealedWith: recorded ?? "")
            }
        } catch {
            try? await database.close()
            printError("orchard: cannot load the master key: \(error)")
            throw ExitCode(78)
        }
        if case .generated(let path) = origin {
            logger.warning(
                "ORCHARD_MASTER_KEY is not set: generated a new master key; back it up, secrets at rest need it",
                metadata: ["path": "\(path)", "keyID": "\(keys.current.keyID)"])
        }
        _ = try await migrate(database, settings: settings, keys: keys, logger: logger)
        let recorded: String
        do {
            recorded = try await SealedKeyRecord.claim(keys, database: database)
        } catch {
            try? await database.close()
            printError("orchard: \(error)")
            throw ExitCode(78)
        }
        if recorded != keys.current.keyID {
            logger.warning(
                "secrets are sealed with a previous key of the ring: run `orchard rotate-key` to finish the rotation",
                metadata: ["sealedKeyID": "\(recorded)", "currentKeyID": "\(keys.current.keyID)"])
        }
        return (keys, origin)
    }

    /// The master keys when configured or in the data directory (none is generated); nil when there are none.
    static func availableKeys(_ settings: Settings) throws -> KeyRing? {
        do {
            return try MasterKeyFile.load(
                configured: settings.masterKey?.revealed, dataDirectory: settings.dataDirectory,
                generateIfMissing: false
            ).0
        } catch MasterKeyError.notFound {
            return nil
        } catch {
            printError("orchard: cannot load the master key: \(error)")
            throw ExitCode(78)
        }
    }

    /// Applies pending migrations, or closes the database and exits with the reason. Migrations that re-seal
    /// secrets get `keys`, else whichever keys are configured or in the data directory.
    static func migrate(_ database: OrchardDatabase, settings: Settings, keys: KeyRing? = nil, logger: Logger)
        async throws -> MigrationRunner.Report
    {
        do {
            let keys = try keys ?? availableKeys(settings)
            let report = try await MigrationRunner(keys: keys, logger: logger).run(on: database)
            // The ECB history Orchard ships, when it is newer than the stored rates (first start).
            let rates = try await FXRateStore(database: database).loadShippedRates()
            if rates > 0 { logger.info("exchange rates loaded", metadata: ["rates": "\(rates)", "source": "ECB"]) }
            return report
        } catch let exit as ExitCode {
            try? await database.close()
            throw exit
        } catch {
            try? await database.close()
            printError("orchard: \(error)")
            throw ExitCode.failure
        }
    }
}
