import Foundation
import OrchardTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("orchard serve")
struct ServeCommandTests {
    /// A TCP socket listening on a free port of 127.0.0.1.
    final class Listener {
        let descriptor: Int32
        let port: Int

        init() throws {
            #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let listening = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bind(descriptor, address, length) == 0 && listen(descriptor, 1) == 0
                        && getsockname(descriptor, address, &length) == 0
                }
            }
            guard listening else {
                close(descriptor)
                throw POSIXError(.EADDRNOTAVAIL)
            }
            self.descriptor = descriptor
            self.port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(descriptor) }
    }

    @Test("a port in use is said as such, with the way out")
    func portInUse() async throws {
        try #require(
            SummarizeCommandTests.hasExecutable,
            "no orchard binary at \(SummarizeCommandTests.executable.path): run `swift build` first")
        try await withTemporaryDirectory { directory in
            // given: another listener on the port
            let listener = try Listener()
            let environment = [
                "DATABASE_URL": "sqlite://\(directory.path)/orchard.sqlite", "ORCHARD_DATA_DIR": directory.path,
            ]

            // when
            let result = try await SummarizeCommandTests.run(
                ["serve", "--port", String(listener.port), "--no-workers"], environment: environment)

            // then
            #expect(result.status == 1)
            #expect(result.stderr.contains("orchard: port \(listener.port) is in use; choose another with --port"))
            withExtendedLifetime(listener) {}
        }
    }
}
