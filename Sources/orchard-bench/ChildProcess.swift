import Foundation
import SalesReports

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
    @discardableResult
    func exited() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                self.waitUntilExit()
                continuation.resume(returning: self.terminationStatus)
            }
        }
    }
}
