import ConnectSandbox
import Foundation
import OrchardTestSupport
import Testing

/// `orchard service set-token` asks Apple before it stores anything (docs/CLI.md).
@Suite("orchard service set-token against Connect Sandbox")
struct ServiceCommandTests {
    @Test("a token Apple refuses is not stored; one it accepts is, with what it sees; an unreachable Apple stores it")
    func setToken() async throws {
        try SummarizeCommandTests.requireExecutable()
        // Apple is `orchard sandbox` in a process of its own: the command's 8 s wait for an answer
        // is then not spent behind the rest of the suite's work in this process.
        try await Self.withSandboxProcess(serviceAppleID: "service@orchard.test") { baseURL, token in
            try await withTemporaryDirectory { directory in
                var environment = ProcessInfo.processInfo.environment
                environment["ORCHARD_DATA_DIR"] = directory.path
                environment["ORCHARD_REPORTER_URL"] = baseURL
                let database = ["--database-url", "sqlite://\(directory.path)/service.sqlite"]
                func set(_ value: String, reporter: String? = nil) async throws -> (
                    status: Int32, stdout: String, stderr: String
                ) {
                    var environment = environment
                    if let reporter { environment["ORCHARD_REPORTER_URL"] = reporter }
                    return try await SummarizeCommandTests.run(
                        ["service", "set-token"] + database, environment: environment, input: value + "\n")
                }

                // when: a token Apple does not know
                let refused = try await set("0c9ad3b2-1d3e-4e9a-8a41-000000000000")
                // then
                #expect(refused.status == 1, "\(refused.stdout) \(refused.stderr)")
                #expect(refused.stderr.contains("Apple says token ••••0000 is invalid; nothing was stored"))
                #expect(refused.stdout.isEmpty)

                // when: the service Apple ID's own token
                let accepted = try await set(token)
                #expect(accepted.status == 0, "\(accepted.stderr)")
                #expect(accepted.stdout.contains("stored, encrypted"))
                #expect(accepted.stdout.contains("Apple accepts it: the service Apple ID sees 0 accounts"))

                // when: Apple cannot be reached, the token is stored and the workers test it
                let unreachable = try await set(token, reporter: "http://127.0.0.1:9")
                #expect(unreachable.status == 0, "\(unreachable.stderr)")
                #expect(unreachable.stdout.contains("Apple could not be asked now"))

                // never the token itself
                for output in [refused, accepted, unreachable] {
                    #expect(!output.stdout.contains(token) && !output.stderr.contains(token))
                }
            }
        }
    }

    /// Runs `orchard sandbox --port 0 --empty` with `serviceAppleID`, gives `body` its base URL and
    /// that Apple ID's access token (as the command prints them), and stops it afterwards.
    static func withSandboxProcess(
        serviceAppleID: String, _ body: (_ baseURL: String, _ token: String) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let output = directory.appendingPathComponent("sandbox.out")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let process = Process()
            process.executableURL = SummarizeCommandTests.executable
            process.arguments = ["sandbox", "--port", "0", "--empty", "--service-apple-id", serviceAppleID]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer {
                process.terminate()
                process.waitUntilExit()
            }
            var printed = ""
            for _ in 0..<600 where !printed.contains("access token: ") && process.isRunning {
                try await Task.sleep(for: .milliseconds(100))
                printed = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            }
            let lines = printed.split(separator: "\n")
            let listening = try #require(
                lines.first { $0.hasPrefix("Connect Sandbox listening on ") }, "orchard sandbox printed: \(printed)")
            let tokenLine = try #require(lines.first { $0.contains("\(serviceAppleID) access token: ") })
            let token = try #require(
                tokenLine.split(separator: "access token: ").last?.split(separator: " ").first.map(String.init))
            try await body(String(listening.dropFirst("Connect Sandbox listening on ".count)), token)
        }
    }
}
