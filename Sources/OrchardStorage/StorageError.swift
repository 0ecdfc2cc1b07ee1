/// What can go wrong in OrchardStorage, with enough context to act on and never a secret.
package enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database could not be opened or reached.
    case cannotConnect(database: String, reason: String)
    /// A migration failed; earlier migrations stay applied, this one was rolled back.
    case migrationFailed(version: Int, name: String, reason: String)
    /// The database has migrations this build of Orchard does not know (a newer Orchard ran on it).
    case databaseIsNewer(appliedVersion: Int, knownVersion: Int)
    /// The database's secrets are sealed with a master key this process does not hold (key ids only).
    case masterKeyMismatch(sealedWith: String, held: [String])
    /// The database's secrets are sealed with a master key and this process has no key at all.
    case masterKeyMissing(sealedWith: String)
    /// Stored secrets must be re-sealed, which needs the master key, and none was given.
    case secretsNeedMasterKey

    package var description: String {
        switch self {
        case .cannotConnect(let database, let reason):
            "cannot open the database \(database): \(reason)"
        case .migrationFailed(let version, let name, let reason):
            "migration \(version) (\(name)) failed and was rolled back: \(reason)"
        case .databaseIsNewer(let applied, let known):
            "the database is at schema version \(applied), newer than this Orchard knows (\(known)); upgrade Orchard"
        case .masterKeyMismatch(let sealedWith, let held):
            "the database's secrets are sealed with master key \(sealedWith), but this process holds "
                + "\(held.joined(separator: ", ")); start it with that key (ORCHARD_MASTER_KEY or master.key in the "
                + "data directory): every process on one database needs the same master key"
        case .masterKeyMissing(let sealedWith):
            "the database's secrets are sealed with master key \(sealedWith) and this process has no master key; "
                + "set ORCHARD_MASTER_KEY (or copy master.key into the data directory) from a host that has it"
        case .secretsNeedMasterKey:
            "stored secrets must be re-sealed, which needs the master key: run with ORCHARD_MASTER_KEY or the "
                + "data directory's master.key"
        }
    }
}
