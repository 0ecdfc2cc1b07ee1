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
        try await SandboxServer.withRunning { sandbox in
            try await withTemporaryDirectory { directory in
                let (_, token) = try sandbox.world.createUser(appleId: "service@orchard.test", accounts: [])
                var environment = ProcessInfo.processInfo.environment
                environment["ORCHARD_DATA_DIR"] = directory.path
                environment["ORCHARD_REPORTER_URL"] = sandbox.baseURL
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
                let accepted = try await set(token.value)
                #expect(accepted.status == 0, "\(accepted.stderr)")
                #expect(accepted.stdout.contains("stored, encrypted"))
                #expect(accepted.stdout.contains("Apple accepts it: the service Apple ID sees 0 accounts"))

                // when: Apple cannot be reached, the token is stored and the workers test it
                let unreachable = try await set(token.value, reporter: "http://127.0.0.1:9")
                #expect(unreachable.status == 0, "\(unreachable.stderr)")
                #expect(unreachable.stdout.contains("Apple could not be asked now"))

                // never the token itself
                for output in [refused, accepted, unreachable] {
                    #expect(!output.stdout.contains(token.value) && !output.stderr.contains(token.value))
                }
            }
        }
    }
}
