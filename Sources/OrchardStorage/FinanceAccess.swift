package import Foundation

/// Whether the service user can read an account's Payments and Financial Reports (the Finance
/// role, docs/PAYOUTS.md), as the last `sync_finance` job found it; kept in `instance_settings`.
package struct FinanceAccess: Sendable, Equatable, Codable {
    /// `true` when Apple listed the account's vendors and regions for finance.
    package var granted: Bool
    /// The regions Apple listed, per vendor (`vendor:region`).
    package var regions: [String]
    package var checkedAt: Date

    package init(granted: Bool, regions: [String], checkedAt: Date) {
        self.granted = granted
        self.regions = regions
        self.checkedAt = checkedAt
    }

    static func key(_ accountNumber: String) -> String { "finance_access:\(accountNumber)" }

    /// The last check's finding for the account, `nil` before the first.
    package static func read(accountNumber: String, in settings: InstanceSettings) async throws -> FinanceAccess? {
        guard let text = try await settings.get(key(accountNumber)) else { return nil }
        return try? JSONDecoder.finance.decode(FinanceAccess.self, from: Data(text.utf8))
    }

    /// Records a check's finding.
    package func record(accountNumber: String, in settings: InstanceSettings) async throws {
        let data = try JSONEncoder.finance.encode(self)
        try await settings.set(Self.key(accountNumber), String(decoding: data, as: UTF8.self))
    }
}

extension JSONEncoder {
    fileprivate static var finance: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}

extension JSONDecoder {
    fileprivate static var finance: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }
}
