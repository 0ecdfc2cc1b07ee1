import Crypto
package import Foundation

/// Keeps every ingested report file as received, named by its SHA-256 (`raw/ab/abcdef….gz`), so any
/// report can be parsed again after a parser fix (`orchard reparse`). Identical files are stored once.
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
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".incoming-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
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
        try FileManager.default.createDirectory(
            atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
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
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".incoming-\(UUID().uuidString)")
        try data.write(to: temporary)
        guard rename(temporary.path, destination) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination])
        }
        return sha
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
