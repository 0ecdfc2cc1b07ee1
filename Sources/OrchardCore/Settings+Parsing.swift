import Foundation

extension Settings {
    /// Builds settings from raw text values, looked up by key; `nil` means "not set, use the default".
    ///
    /// Collects every malformed value before failing, so one start-up attempt names them all.
    package init(rawValue lookup: (SettingKey) -> String?) throws(SettingsError) {
        self.init()
        var problems: [SettingsError.Problem] = []
        func value(_ key: SettingKey) -> String? {
            guard let raw = lookup(key)?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
                return nil
            }
            return raw
        }
        func shown(_ key: SettingKey, _ raw: String) -> String {
            key.isSecret ? "the value" : "'\(raw)'"
        }
        func integer(_ key: SettingKey, in range: ClosedRange<Int>, _ what: String) -> Int? {
            guard let raw = value(key) else { return nil }
            guard let number = Int(raw), range.contains(number) else {
                problems.append(
                    .init(
                        key: key,
                        message: "\(shown(key, raw)) is not \(what) (\(range.lowerBound)...\(range.upperBound))"))
                return nil
            }
            return number
        }
        func httpURL(_ key: SettingKey) -> URL? {
            guard let raw = value(key) else { return nil }
            guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https",
                url.host?.isEmpty == false
            else {
                problems.append(.init(key: key, message: "\(shown(key, raw)) is not an http(s) URL with a host"))
                return nil
            }
            return url
        }

        if let host = value(.host) {
            if host.contains(where: \.isWhitespace) || host.contains("/") {
                problems.append(.init(key: .host, message: "'\(host)' is not a host name or address"))
            } else {
                self.host = host
            }
        }
        if let port = integer(.port, in: 0...65535, "a port number") { self.port = port }
        if let raw = value(.databaseURL) {
            if let url = DatabaseURL(parsing: raw) {
                databaseURL = url
            } else {
                problems.append(
                    .init(
                        key: .databaseURL,
                        message:
                            "'\(DatabaseURL.maskingPassword(in: raw))' is not sqlite:///path, sqlite://./path or postgres://user:pass@host:port/db"
                    ))
            }
        }
        if let directory = value(.dataDirectory) { dataDirectory = directory }
        if let raw = value(.logLevel) {
            if let level = LogLevel(rawValue: raw.lowercased()) {
                logLevel = level
            } else {
                let names = LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(.init(key: .logLevel, message: "'\(raw)' is not one of \(names)"))
            }
        }
        if let raw = value(.runWorkers) {
            switch raw.lowercased() {
            case "1", "true", "yes", "on": runWorkers = true
            case "0", "false", "no", "off": runWorkers = false
            default: problems.append(.init(key: .runWorkers, message: "'\(raw)' is not true or false"))
            }
        }
        if let url = httpURL(.reporterURL) { reporterURL = url }
        if let appleID = value(.serviceAppleID) {
            if appleID.contains("@"), !appleID.hasPrefix("@"), !appleID.hasSuffix("@"),
                !appleID.contains(where: \.isWhitespace)
            {
                serviceAppleID = appleID
            } else {
                problems.append(
                    .init(key: .serviceAppleID, message: "'\(appleID)' is not an Apple ID (an email address)"))
            }
        }
        if let token = value(.serviceAccessToken) {
            if token.contains(where: \.isWhitespace) {
                problems.append(.init(key: .serviceAccessToken, message: "the value contains white space"))
            } else {
                serviceAccessToken = Secret(token)
            }
        }
        if let token = value(.metricsToken) {
            if token.count < 16 || token.contains(where: { $0.isWhitespace || !$0.isASCII }) {
                problems.append(
                    .init(key: .metricsToken, message: "use at least 16 ASCII characters without white space"))
            } else {
                metricsToken = Secret(token)
            }
        }
        if let proxies = value(.trustedProxies) {
            let addresses = proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            if let bad = addresses.first(where: { !Self.isIPAddress($0) }) {
                problems.append(.init(key: .trustedProxies, message: "'\(bad)' is not an IP address"))
            } else {
                trustedProxies = Set(addresses)
            }
        }
        if let mode = value(.signUp) {
            switch mode.lowercased() {
            case "open": signUpOpen = true
            case "closed": signUpOpen = false
            default: problems.append(.init(key: .signUp, message: "'\(mode)' is neither open nor closed"))
            }
        }
        if let keys = value(.masterKey) {
            // One key, or a comma-separated ring with the current key first (previous keys open older secrets).
            let ring = keys.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if ring.allSatisfy({ Data(base64Encoded: $0)?.count == 32 }) {
                masterKey = Secret(keys)
            } else {
                problems.append(
                    .init(
                        key: .masterKey,
                        message:
                            "the value is not base64 of exactly 32 bytes (256 bits), or a comma-separated list of such keys"
                    ))
            }
        }
        if let seconds = integer(.invitationCheckSeconds, in: 1...86_400, "a number of seconds") {
            invitationCheckSeconds = seconds
        }
        if let hours = integer(.invitationWindowHours, in: 1...8_760, "a number of hours") {
            invitationWindow = TimeInterval(hours) * 3_600
        }
        if let days = integer(.backfillDays, in: 1...3_650, "a number of days") { backfillDays = days }
        if let count = integer(.syncConcurrency, in: 1...64, "a number of requests") { syncConcurrency = count }
        if let minutes = integer(.funnelTokenMinutes, in: 1...1_440, "a number of minutes") {
            funnelTokenMinutes = minutes
        }
        if let days = integer(.restatementDays, in: 0...60, "a number of days") { restatementDays = days }
        if let days = integer(.retentionDays, in: 0...3_650, "a number of days") { retentionDays = days }
        if let seconds = integer(.jobLeaseSeconds, in: 3...3_600, "a number of seconds") { jobLeaseSeconds = seconds }
        if let seconds = integer(.jobRetrySeconds, in: 1...3_600, "a number of seconds") { jobRetrySeconds = seconds }
        if let url = httpURL(.publicURL) { publicURL = url }
        if let raw = value(.smtpURL) {
            let scheme = raw.split(separator: ":").first.map { $0.lowercased() }
            if let components = URLComponents(string: raw), scheme == "smtp" || scheme == "smtps",
                components.host?.isEmpty == false
            {
                smtpURL = Secret(raw)
            } else {
                problems.append(
                    .init(
                        key: .smtpURL, message: "the value is not smtp://user:password@host:587 or smtps://…@host:465"))
            }
        }
        if let file = value(.smtpCAFile) {
            if FileManager.default.isReadableFile(atPath: file) {
                smtpCAFile = file
            } else {
                problems.append(.init(key: .smtpCAFile, message: "'\(file)' is not a readable file"))
            }
        }
        if let from = value(.mailFrom) {
            let parts = from.split(separator: "@", omittingEmptySubsequences: false)
            if parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !from.contains(where: \.isWhitespace) {
                mailFrom = from
            } else {
                problems.append(.init(key: .mailFrom, message: "'\(from)' is not an email address"))
            }
        }
        if let directory = value(.mailDirectory) { mailDirectory = directory }
        if let raw = value(.webhookAllowPrivate) {
            switch raw.lowercased() {
            case "1", "true", "yes", "on": webhookAllowPrivate = true
            case "0", "false", "no", "off": webhookAllowPrivate = false
            default: problems.append(.init(key: .webhookAllowPrivate, message: "'\(raw)' is not true or false"))
            }
        }
        if let raw = value(.fxURL) {
            if raw.lowercased() == "none" {
                fxURL = nil
            } else if let url = httpURL(.fxURL) {
                fxURL = url
            }
        }
        if !problems.isEmpty { throw SettingsError(problems: problems) }
    }

    /// An IPv4 address in dotted decimal, or an IPv6 address in hex groups (no zone, no prefix).
    static func isIPAddress(_ text: String) -> Bool {
        let quads = text.split(separator: ".", omittingEmptySubsequences: false)
        if quads.count == 4 { return quads.allSatisfy { UInt8($0) != nil && !$0.isEmpty && $0.count <= 3 } }
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        return text.contains(":") && groups.count <= 8 && text.components(separatedBy: "::").count <= 2
            && groups.allSatisfy { $0.count <= 4 && $0.allSatisfy(\.isHexDigit) }
    }
}
