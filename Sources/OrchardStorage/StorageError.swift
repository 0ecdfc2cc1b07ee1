/// What can go wrong in OrchardStorage, with enough context to act on and never a secret.
package enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database could not be opened or reached.
    case cannotConnect(database: String, reason: String)
    /// A migration failed; earlier migrations stay applied, this one was rolled back.
    case migrationFailed(version: Int, name: String, reason: String)
    /// The database has migrations this build of Orchard does not know (a newer Orchard ran on it).
    case databaseIsNewer(appliedVersion: Int, knownVersion: Int)

    package var description: String {
        switch self {
        case .cannotConnect(let database, let reason):
            "cannot open the database \(database): \(reason)"
        case .migrationFailed(let version, let name, let reason):
            "migration \(version) (\(name)) failed and was rolled back: \(reason)"
        case .databaseIsNewer(let applied, let known):
            "the database is at schema version \(applied), newer than this Orchard knows (\(known)); upgrade Orchard"
        }
    }
}
