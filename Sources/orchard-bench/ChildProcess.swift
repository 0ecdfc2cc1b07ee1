import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SalesReports

#if canImport(Glibc)
import Glibc
#endif

/// A program run as a child process of the benchmark. Its output is read, and its exit waited for,
/// on threads of their own: a benchmark that blocked in `waitUntilExit` or in a pipe read would hold
/// one of Swift concurrency's few threads, and everything else in the process would stall behind it.
final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()
    /// Kept open while the child runs: it sees the end of its standard input when this process goes.
    private let input = Pipe()
    /// Its standard output, line by line, from the thread that reads it.
    private let lines = ThreadChannel<String, Never>(capacity: 64)

    /// Starts `executable` with `arguments`; its standard error is this process's.
    init(_ executable: URL, _ arguments: [String]) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        let handle = output.fileHandleForReading
        let lines = lines
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                pending.append(data)
                while let end = pending.firstIndex(of: 0x0A) {
                    _ = lines.send(String(decoding: pending[pending.startIndex..<end], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...end)
                }
            }
            if !pending.isEmpty { _ = lines.send(String(decoding: pending, as: UTF8.self)) }
            lines.finish()
        }
    }

    /// Runs a program found on the PATH to its end and returns its exit status and standard output.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), arguments)
        var output: [String] = []
        while let line = await child.nextLine() { output.append(line) }
        let status = await child.exit()
        return (status, output.joined(separator: "\n"))
    }

    /// The next line of the child's standard output; `nil` once it has closed it.
    func nextLine() async -> String? {
        await lines.next()
    }

    /// Waits for the child to exit and returns its status.
    func exit() async -> Int32 {
        await process.exited()
    }

    /// Asks the child to stop (SIGTERM) and waits for it; its output from then on is not read.
    func stop() async -> Int32 {
        lines.cancel()
        if process.isRunning { process.terminate() }
        return await exit()
    }
}

extension Process {
    /// Waits for the process to exit on a thread of its own, never on one of Swift concurrency's,
    /// and returns its status.
    ///
    /// Not `waitUntilExit`: Foundation was seen to miss a child's exit (after a shell command had
    /// stopped and started PostgreSQL) and spin for ever. The child is reaped here, or, when
    /// Foundation reaped it first, its status is Foundation's.
    @discardableResult
    func exited() async -> Int32 {
        let pid = processIdentifier
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while true {
                    let reaped = waitpid(pid, &status, WNOHANG)
                    if reaped == pid {
                        // WIFEXITED: the exit code; otherwise the signal that ended it, as Foundation says.
                        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f
                        continuation.resume(returning: code)
                        return
                    }
                    if reaped == -1, errno == ECHILD, !self.isRunning {
                        continuation.resume(returning: self.terminationStatus)
                        return
                    }
                    usleep(10_000)
                }
            }
        }
    }
}

extension ChildProcess {
    /// A TCP port free on loopback at the moment of asking.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The HTTP status of a GET of `url` (within 2 s), or 0 when nothing answered.
    static func status(of url: URL) async throws -> Int {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(2))
            _ = try await response.body.collect(upTo: 1 << 20)
            return Int(response.status.code)
        } catch {
            return 0
        }
    }

    /// Runs a shell command to its end (its output is this process's); throws when it fails. Spawned
    /// and waited for with POSIX calls on a thread of its own: Foundation's `Process` was seen to
    /// leave a `sh` that had exited unreaped, waiting for it for ever.
    static func shell(_ command: String) async throws {
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var pid: pid_t = 0
                let arguments = ["/bin/sh", "-c", command]
                var argv = arguments.map { strdup($0) } + [nil]
                defer { for pointer in argv { free(pointer) } }
                guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 else {
                    continuation.resume(returning: -1)
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1, errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        guard status == 0 else { throw ValidationError("`\(command)` failed (wait status \(status))") }
    }
}
