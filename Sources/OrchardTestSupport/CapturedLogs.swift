package import Logging
import Synchronization

/// Collects every log line, to prove secrets never reach one.
package final class CapturedLogs: Sendable {
    package init() {}

    private let lines = Mutex<[String]>([])
    package var text: String { lines.withLock { $0.joined(separator: "\n") } }

    package var logger: Logger {
        Logger(label: "test") { label in Handler(label: label, sink: self) }
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let label: String
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.append("\(event.level) \(event.message) \(merged)")
        }
    }
}
