import Foundation

/// Where the master key comes from: `ORCHARD_MASTER_KEY`, else `master.key` in the data directory,
/// created with a new random key (owner-only permissions) the first time.
package enum MasterKeyFile {
    package static let fileName = "master.key"

    /// The key and how it was found.
    package enum Origin: Sendable, Equatable {
        case configuration
        case file(path: String)
        case generated(path: String)
    }

    package static func load(configured: String?, dataDirectory: String) throws -> (SecretBox, Origin) {
        if let configured { return (try SecretBox(base64Key: configured), .configuration) }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return (try SecretBox(base64Key: text), .file(path: path))
        }
        let key = SecretBox.generateKey()
        try write(key, to: path)
        return (try SecretBox(base64Key: key), .generated(path: path))
    }

    /// Writes a key file readable by its owner only.
    package static func write(_ base64Key: String, to path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".tmp"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data((base64Key + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary])
        }
        // rename(2) replaces atomically: a reader sees the old key or the new one, never half a file.
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
