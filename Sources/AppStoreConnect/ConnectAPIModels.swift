import Foundation

/// An app as `GET /v1/apps` lists it. `id` is the numeric Apple ID, the reports' `Apple Identifier`.
public struct ConnectApp: Sendable, Hashable, Decodable {
    public var id: String
    public var name: String
    public var bundleId: String
    public var sku: String

    enum CodingKeys: String, CodingKey { case id, attributes }
    enum AttributeKeys: String, CodingKey { case name, bundleId, sku }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let attributes = try container.nestedContainer(keyedBy: AttributeKeys.self, forKey: .attributes)
        name = try attributes.decodeIfPresent(String.self, forKey: .name) ?? ""
        bundleId = try attributes.decodeIfPresent(String.self, forKey: .bundleId) ?? ""
        sku = try attributes.decodeIfPresent(String.self, forKey: .sku) ?? ""
    }
}

/// A member of the team, as `GET /v1/users` lists it.
public struct ConnectUser: Sendable, Hashable, Decodable {
    public var id: String
    public var username: String
    public var firstName: String?
    public var lastName: String?
    public var roles: [String]
    public var allAppsVisible: Bool

    enum CodingKeys: String, CodingKey { case id, attributes }
    enum AttributeKeys: String, CodingKey { case username, firstName, lastName, roles, allAppsVisible }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let attributes = try container.nestedContainer(keyedBy: AttributeKeys.self, forKey: .attributes)
        username = try attributes.decodeIfPresent(String.self, forKey: .username) ?? ""
        firstName = try attributes.decodeIfPresent(String.self, forKey: .firstName)
        lastName = try attributes.decodeIfPresent(String.self, forKey: .lastName)
        roles = try attributes.decodeIfPresent([String].self, forKey: .roles) ?? []
        allAppsVisible = try attributes.decodeIfPresent(Bool.self, forKey: .allAppsVisible) ?? false
    }
}

/// A pending invitation, as `GET /v1/userInvitations` lists it; gone once accepted.
public struct ConnectInvitation: Sendable, Hashable, Decodable {
    public var id: String
    public var email: String
    public var roles: [String]
    /// As Apple sends it (ISO 8601 date-time).
    public var expirationDate: String?

    enum CodingKeys: String, CodingKey { case id, attributes }
    enum AttributeKeys: String, CodingKey { case email, roles, expirationDate }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let attributes = try container.nestedContainer(keyedBy: AttributeKeys.self, forKey: .attributes)
        email = try attributes.decodeIfPresent(String.self, forKey: .email) ?? ""
        roles = try attributes.decodeIfPresent([String].self, forKey: .roles) ?? []
        expirationDate = try attributes.decodeIfPresent(String.self, forKey: .expirationDate)
    }
}

/// The filters of `GET /v1/salesReports`, with Apple's upper-case values.
public struct ConnectSalesReportQuery: Sendable, Equatable {
    public var vendorNumber: String
    public var reportType: String
    public var reportSubType: String
    public var frequency: String
    /// `YYYY-MM-DD` (daily, weekly), `YYYY-MM` (monthly), `YYYY` (yearly); `nil` asks for the latest.
    public var reportDate: String?
    public var version: String?

    public init(
        vendorNumber: String, reportType: String = "SALES", reportSubType: String = "SUMMARY",
        frequency: String = "DAILY", reportDate: String?, version: String? = "1_0"
    ) {
        self.vendorNumber = vendorNumber
        self.reportType = reportType
        self.reportSubType = reportSubType
        self.frequency = frequency
        self.reportDate = reportDate
        self.version = version
    }

    var queryItems: [URLQueryItem] {
        [
            URLQueryItem(name: "filter[vendorNumber]", value: vendorNumber),
            URLQueryItem(name: "filter[reportType]", value: reportType),
            URLQueryItem(name: "filter[reportSubType]", value: reportSubType),
            URLQueryItem(name: "filter[frequency]", value: frequency),
        ] + (reportDate.map { [URLQueryItem(name: "filter[reportDate]", value: $0)] } ?? [])
            + (version.map { [URLQueryItem(name: "filter[version]", value: $0)] } ?? [])
    }

    var fileName: String {
        let date = (reportDate ?? "latest").replacingOccurrences(of: "-", with: "")
        return "\(reportType)_\(reportSubType)_\(frequency)_\(vendorNumber)_\(date).txt.gz"
    }
}

/// A JSON:API collection page: `data`, and `links.next` while more pages exist.
struct ConnectPage<Resource: Decodable>: Decodable {
    struct Links: Decodable {
        let next: String?
    }
    let data: [Resource]
    let links: Links?
}
