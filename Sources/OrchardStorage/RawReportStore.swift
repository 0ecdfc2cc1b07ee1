import Crypto
package import Foundation

/// Keeps every ingested report file as received, named by its SHA-256 (`raw/ab/abcdef….gz`), so any
/// report can be parsed again after a parser fix (`orchard reparse`). Identical files are stored once.
/// Directories are 0700 and files 0600: customers' sales are for the Orchard process alone.
package struct RawReportStore: Sendable {
    package let directory: URL

    package init(directory: URL) {
        self.directory = directory
    }

    /// The raw store inside Orchard's data directory.
    package init(dataDirectory: String) {
        self.init(directory: URL(fileURLWithPath: dataDirectory).appendingPathComponent("raw"))
    }

    package func path(sha256: String) -> String {
        directory.appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(sha256).path
    }

    /// Copies the file in, hashing as it goes (memory stays at one chunk); returns its SHA-256.
    package func store(fileAt path: String) throws -> String {
        try Self.makeDirectory(directory.path)
        let temporary = directory.appendingPathComponent(".incoming-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: Self.fileAttributes),
            let output = FileHandle(forWritingAtPath: temporary)
        else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary]) }
        let sha: String
        do {
            defer { try? output.close() }
            sha = try Self.hash(fileAt: path) { try output.write(contentsOf: $0) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        let destination = self.path(sha256: sha)
        try Self.makeDirectory((destination as NSString).deletingLastPathComponent)
        if FileManager.default.fileExists(atPath: destination) {
            try FileManager.default.removeItem(atPath: temporary)
        } else {
            guard rename(temporary, destination) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination])
            }
        }
        return sha
    }

    /// Stores bytes already in memory (a download); returns their SHA-256.
    package func store(data: Data) throws -> String {
        let sha = Self.hash(data: data)
        let destination = self.path(sha256: sha)
        guard !FileManager.default.fileExists(atPath: destination) else { return sha }
        let folder = (destination as NSString).deletingLastPathComponent
        try Self.makeDirectory(folder)
        let temporary = directory.appendingPathComponent(".incoming-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: Self.fileAttributes)
        else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path]) }
        guard rename(temporary.path, destination) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination])
        }
        return sha
    }

    static var fileAttributes: [FileAttributeKey: Any] { [.posixPermissions: 0o600] }

    /// Creates `path` (and its parents inside the store's data directory) as 0700; one that exists
    /// is tightened to 0700.
    static func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
    }

    /// The SHA-256 of bytes in hex.
    package static func hash(data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of a file in hex, reading it in 1 MiB chunks; `chunk` sees each one.
    package static func hash(fileAt path: String, chunk: (Data) throws -> Void = { _ in }) throws -> String {
        guard let input = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? input.close() }
        var hasher = SHA256()
        while let data = try input.read(upToCount: 1 << 20), !data.isEmpty {
            hasher.update(data: data)
            try chunk(data)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
