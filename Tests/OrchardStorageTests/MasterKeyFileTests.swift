import Foundation
import OrchardTestSupport
import Testing

@testable import OrchardStorage

@Suite("Master key file and key ring")
struct MasterKeyFileTests {
    @Test("a generated master key is written owner-only and read back")
    func generated() async throws {
        try await withTemporaryDirectory { directory in
            // when
            let (keys, origin) = try MasterKeyFile.load(configured: nil, dataDirectory: directory.path)

            // then
            let path = directory.appendingPathComponent("master.key").path
            #expect(origin == .generated(path: path))
            let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(permissions == 0o600)
            let (again, secondOrigin) = try MasterKeyFile.load(configured: nil, dataDirectory: directory.path)
            #expect(secondOrigin == .file(path: path))
            #expect(again.keyIDs == keys.keyIDs)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(leftovers == ["master.key"])
        }
    }

    @Test("processes starting together agree on one generated key")
    func concurrentCreation() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // given: threads held at a gate, as processes started together
        let results = Results()
        let gate = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let path = directory.path
        for _ in 0..<16 {
            done.enter()
            Thread.detachNewThread {
                gate.wait()
                let loaded = try? MasterKeyFile.load(configured: nil, dataDirectory: path)
                let generated = loaded?.1 == .generated(path: MasterKeyFile.path(dataDirectory: path))
                results.append((loaded?.0.current.keyID ?? "failed", generated))
                done.leave()
            }
        }

        // when
        for _ in 0..<16 { gate.signal() }
        done.wait()

        // then
        let all = results.all
        let onFile = try MasterKeyFile.read(directory.appendingPathComponent("master.key").path)
        #expect(Set(all.map(\.0)) == [onFile.current.keyID])
        #expect(all.filter(\.1).count == 1)
    }

    @Test("a key file holds a ring, current key first; a single-key file still loads")
    func ringFile() async throws {
        try await withTemporaryDirectory { directory in
            // given
            let (old, new) = (SecretBox.generateKey(), SecretBox.generateKey())
            let path = directory.appendingPathComponent("master.key").path
            try Data((old + "\n").utf8).write(to: URL(fileURLWithPath: path))
            let sealed = try MasterKeyFile.read(path).seal("s", context: .serviceSecret(name: "n"))

            // when
            try MasterKeyFile.addCurrentKey(new, at: path)
            let ring = try MasterKeyFile.read(path)

            // then
            #expect(ring.current.keyID == (try SecretBox(base64Key: new)).keyID)
            #expect(ring.keyIDs.count == 2)
            #expect(try ring.open(sealed, context: .serviceSecret(name: "n")) == "s")
            let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(permissions == 0o600)

            // when the old key is dropped
            try MasterKeyFile.dropPreviousKeys(at: path)

            // then
            let pruned = try MasterKeyFile.read(path)
            #expect(pruned.keyIDs == [ring.current.keyID])
            #expect(throws: SecretBoxError.wrongKey(sealedWith: sealed.keyID)) {
                try pruned.open(sealed, context: .serviceSecret(name: "n"))
            }
        }
    }

    @Test("ORCHARD_MASTER_KEY may be a comma-separated ring, the current key first")
    func configuredRing() async throws {
        try await withTemporaryDirectory { directory in
            // given
            let (current, previous) = (SecretBox.generateKey(), SecretBox.generateKey())

            // when
            let (ring, origin) = try MasterKeyFile.load(
                configured: "\(current), \(previous)", dataDirectory: directory.path)

            // then
            #expect(origin == .configuration)
            #expect(ring.keyIDs == [try SecretBox(base64Key: current).keyID, try SecretBox(base64Key: previous).keyID])
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("master.key").path))
        }
    }

    @Test("no key is generated when generation is not allowed")
    func noGeneration() async throws {
        try await withTemporaryDirectory { directory in
            #expect(throws: MasterKeyError.self) {
                try MasterKeyFile.load(configured: nil, dataDirectory: directory.path, generateIfMissing: false)
            }
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("master.key").path))
        }
    }
}

/// Key ids and whether each load generated the key, collected from several threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(String, Bool)] = []

    func append(_ item: (String, Bool)) { lock.withLock { items.append(item) } }
    var all: [(String, Bool)] { lock.withLock { items } }
}
