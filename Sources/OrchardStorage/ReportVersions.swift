package import SalesReports

/// The version Orchard asks Apple for, per subscription report type (docs/SUBSCRIPTIONS.md,
/// Versions): the newest it knows until Apple refuses it and names a newer one, which every worker
/// then asks for. Kept in `instance_settings`.
package struct ReportVersions: Sendable {
    let settings: InstanceSettings

    package init(database: OrchardDatabase) {
        settings = InstanceSettings(database: database)
    }

    /// The version to ask for `type`.
    package func version(of type: ReportType) async throws -> String {
        guard type.isSubscription else { return type.recordedVersion }
        if let remembered = try await settings.get(Self.key(type)), Self.isVersion(remembered) { return remembered }
        return type.recordedVersion
    }

    /// Remembers the version Apple named for `type`.
    package func remember(_ version: String, for type: ReportType) async throws {
        guard type.isSubscription, Self.isVersion(version) else { return }
        try await settings.set(Self.key(type), version)
    }

    static func key(_ type: ReportType) -> String { "report_version.\(type.rawValue)" }

    /// `1_3`, `1_4`, `2_0` ...
    static func isVersion(_ text: String) -> Bool {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }
    }
}
