import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the master keys come from: `ORCHARD_MASTER_KEY` (one base64 key, or a comma-separated list,
/// the current key first), else `master.key` in the data directory (one base64 key per line, the current
/// key first), created with a new random key the first time.
///
/// The file is never seen half-written or with loose permissions: it is written to a temporary file
/// created with `O_EXCL` and mode 0600, flushed with `fsync`, and then linked into place (a new key: two
/// processes starting together agree on whichever links first) or renamed over the old ring (rotation).
package enum MasterKeyFile {
    package static let fileName = "master.key"

    /// The keys and how they were found.
    package enum Origin: Sendable, Equatable {
        case configuration
        case file(path: String)
        case generated(path: String)
    }

    /// The path of the key file in `dataDirectory`.
    package static func path(dataDirectory: String) -> String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
    }

    /// The configured ring, else the data directory's, else (when `generateIfMissing`) a new one-key ring
    /// written to the data directory.
    package static func load(configured: String?, dataDirectory: String, generateIfMissing: Bool = true) throws
        -> (KeyRing, Origin)
    {
        if let configured { return (try KeyRing(base64Keys: keys(in: configured, separator: ",")), .configuration) }
        let path = path(dataDirectory: dataDirectory)
        if FileManager.default.fileExists(atPath: path) { return (try read(path), .file(path: path)) }
        guard generateIfMissing else { throw MasterKeyError.notFound(path: path) }
        if try create([SecretBox.generateKey()], at: path) { return (try read(path), .generated(path: path)) }
        // Another process created it first: use its key.
        return (try read(path), .file(path: path))
    }

    /// The ring in a key file.
    package static func read(_ path: String) throws -> KeyRing {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let keys = keys(in: text, separator: "\n")
        guard !keys.isEmpty else { throw MasterKeyError.empty(path: path) }
        return try KeyRing(base64Keys: keys)
    }

    /// The keys in a file or setting; blank entries and `#` comments are skipped.
    static func keys(in text: String, separator: Character) -> [String] {
        text.split(separator: separator).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Creates the key file with `keys` unless it exists; returns whether this call created it.
    package static func create(_ keys: [String], at path: String) throws -> Bool {
        let temporary = try writeTemporary(keys, beside: path)
        defer { unlink(temporary) }
        // link(2) fails with EEXIST when the file exists: exactly one of several racing processes wins.
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { return false }
            throw MasterKeyError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        try syncDirectory(of: path)
        return true
    }

    /// Replaces the key file with `keys` (the current key first), durably: when this returns, a crash
    /// leaves the new ring on disk.
    package static func replace(with keys: [String], at path: String) throws {
        let temporary = try writeTemporary(keys, beside: path)
        // rename(2) replaces atomically: a reader sees the old ring or the new one, never half a file.
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw MasterKeyError.cannotWrite(path: path, reason: reason)
        }
        try syncDirectory(of: path)
    }

    /// Puts `key` at the front of the ring in the key file, durably; the previous keys stay after it.
    package static func addCurrentKey(_ key: String, at path: String) throws {
        let existing = keys(in: try String(contentsOfFile: path, encoding: .utf8), separator: "\n")
        try replace(with: [key] + existing.filter { $0 != key }, at: path)
    }

    /// Keeps only the current (first) key in the key file, durably.
    package static func dropPreviousKeys(at path: String) throws {
        let existing = keys(in: try String(contentsOfFile: path, encoding: .utf8), separator: "\n")
        guard let current = existing.first else { throw MasterKeyError.empty(path: path) }
        guard existing.count > 1 else { return }
        try replace(with: [current], at: path)
    }

    /// Writes `keys` to a new owner-only file beside `path` and flushes it to disk.
    private static func writeTemporary(_ keys: [String], beside path: String) throws -> String {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = "\(path).\(getpid()).\(UUID().uuidString).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw MasterKeyError.cannotWrite(path: temporary, reason: String(cString: strerror(errno)))
        }
        let bytes = Array(keys.map { $0 + "\n" }.joined().utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            written += count
        }
        let complete = written == bytes.count && fsync(descriptor) == 0
        let reason = String(cString: strerror(errno))
        close(descriptor)
        guard complete else {
            unlink(temporary)
            throw MasterKeyError.cannotWrite(path: temporary, reason: reason)
        }
        return temporary
    }

    /// Flushes the directory entry, so a crash after a link or rename keeps it.
    private static func syncDirectory(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw MasterKeyError.cannotWrite(path: directory, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw MasterKeyError.cannotWrite(path: directory, reason: String(cString: strerror(errno)))
        }
    }
}

/// Why the master keys could not be loaded or written; never carries a key.
package enum MasterKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(path: String)
    case empty(path: String)
    case cannotWrite(path: String, reason: String)

    package var description: String {
        switch self {
        case .notFound(let path): "no master key: ORCHARD_MASTER_KEY is not set and \(path) does not exist"
        case .empty(let path): "\(path) holds no key"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
