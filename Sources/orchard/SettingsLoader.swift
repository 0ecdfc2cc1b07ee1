import Configuration
import OrchardCore

/// Reads `Settings` once: command-line values first, then the environment, then the defaults.
enum SettingsLoader {
    /// - Parameters:
    ///   - commandLine: values the user gave as options of the running command.
    ///   - environment: the environment to read; the process environment when `nil`.
    static func load(
        commandLine: [SettingKey: String] = [:],
        environment: [String: String]? = nil
    ) throws(SettingsError) -> Settings {
        let secretNames = Set(SettingKey.allCases.filter(\.isSecret).map(\.environmentName))
        var given: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in commandLine {
            given[AbsoluteConfigKey(components(of: key.environmentName))] = ConfigValue(
                .string(value), isSecret: key.isSecret)
        }
        let environmentProvider =
            if let environment {
                EnvironmentVariablesProvider(
                    environmentVariables: environment, secretsSpecifier: .specific(secretNames))
            } else {
                EnvironmentVariablesProvider(secretsSpecifier: .specific(secretNames))
            }
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "command line", values: given),
            environmentProvider,
        ])
        return try Settings { key in
            for name in [key.environmentName] + key.fallbackEnvironmentNames {
                if let value = reader.string(forKey: ConfigKey(components(of: name)), isSecret: key.isSecret) {
                    return value
                }
            }
            return nil
        }
    }

    /// `ORCHARD_DATA_DIR` is read under the key `orchard.data.dir`, which the environment provider maps back.
    private static func components(of environmentName: String) -> [String] {
        environmentName.lowercased().split(separator: "_").map(String.init)
    }
}
