import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named points where a test can make the process die abruptly, as a power cut or `kill -9` would:
/// `ORCHARD_TEST_FAILPOINT=NAME` ends the process with `_exit(86)` there (no clean-up, no buffered
/// output flushed by Orchard). Unset in production, where `hit` does nothing.
enum Failpoint {
    static let variable = "ORCHARD_TEST_FAILPOINT"
    static let exitCode: Int32 = 86

    static func hit(_ name: String) {
        guard ProcessInfo.processInfo.environment[variable] == name else { return }
        _exit(exitCode)
    }
}
