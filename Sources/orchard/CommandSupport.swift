import ArgumentParser
import Foundation
import Logging
import OrchardCore
import Synchronization

/// Options every command that opens the database takes.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help:
            "sqlite:///path, sqlite://./path or postgres://user:pass@host:port/db (env ORCHARD_DATABASE_URL, DATABASE_URL)."
    )
    var databaseURL: String?

    var commandLineSettings: [SettingKey: String] {
        databaseURL.map { [.databaseURL: $0] } ?? [:]
    }
}

/// Shared start-up of every command: settings read once, logging set up from them.
enum CommandSupport {
    /// Reads settings or exits with code 78 (EX_CONFIG), naming every bad setting on stderr.
    static func settings(commandLine: [SettingKey: String]) throws -> Settings {
        do {
            let settings = try SettingsLoader.load(commandLine: commandLine)
            bootstrapLogging(settings.logLevel)
            return settings
        } catch {
            printError("orchard: \(error.description)")
            throw ExitCode(78)
        }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// swift-log may be bootstrapped once per process.
    private static let isBootstrapped = Mutex(false)

    private static func bootstrapLogging(_ level: Settings.LogLevel) {
        guard
            isBootstrapped.withLock({ done in
                defer { done = true }; return !done
            })
        else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: level.rawValue) ?? .info
            return handler
        }
    }
}
