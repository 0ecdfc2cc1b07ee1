import Foundation
import Hummingbird
import Logging
import NIOCore
import SalesReports

/// Apple's Reporter service: `POST /reportservice/sales/v1` and `/reportservice/finance/v1`.
struct ReporterController: Sendable {
    enum Service: String, Sendable { case sales = "Sales", finance = "Finance" }

    let world: SandboxWorld
    let library: ReportLibrary
    let faults: FaultInjector
    let logger: Logger

    func addRoutes(to router: Router<some RequestContext>) {
        router.post("/reportservice/sales/v1") { request, context in
            try await handle(request, context: context, service: .sales)
        }
        router.post("/reportservice/finance/v1") { request, context in
            try await handle(request, context: context, service: .finance)
        }
    }

    private func handle(_ request: Request, context: some RequestContext, service: Service) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let reporterRequest = ReporterRequest(body: String(buffer: body)) else {
            return ReporterReply.failure(.malformed, mode: .robotXML)
        }
        do {
            return try respond(to: reporterRequest, service: service)
        } catch {
            return ReporterReply.failure(error, mode: reporterRequest.mode)
        }
    }

    func respond(to request: ReporterRequest, service: Service) throws(ReporterFailure) -> Response {
        let parts = request.command.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == service.rawValue.lowercased() else {
            throw .invalidCommand
        }
        let command = parts[1].lowercased()
        if command == "getstatus" {
            return ReporterReply.success(
                xml: "<Status><Code>0</Code><Message>\(statusMessage(service))</Message></Status>",
                text: statusMessage(service), mode: request.mode)
        }
        let appleId = try authenticate(request.accessToken)
        let access: SandboxWorld.Access = service == .sales ? .sales : .finance
        let chosen = { () throws(ReporterFailure) -> SandboxAccount in
            try resolve(request.account, appleId: appleId, access: access)
        }
        switch (service, command) {
        case (_, "getaccounts"):
            try expect(request, arguments: 0)
            switch service == .sales ? faults.listingGlitch() : nil {
            case .empty: return accountsReply([], mode: request.mode)
            case .html: return ReporterReply.maintenancePage()
            case nil: return accountsReply(world.visibleAccounts(of: appleId, for: access), mode: request.mode)
            }
        case (.sales, "getvendors"):
            try expect(request, arguments: 0)
            let account = try chosen()
            return ReporterReply.success(
                xml: "<Vendors>" + account.vendors.map { "<Vendor>\($0)</Vendor>" }.joined() + "</Vendors>",
                text: account.vendors.map(String.init).joined(separator: "\n"), mode: request.mode)
        case (.finance, "getvendorsandregions"):
            try expect(request, arguments: 0)
            return vendorsAndRegionsReply(try chosen(), mode: request.mode)
        case (.sales, "getreport"):
            guard (5...6).contains(request.arguments.count) else { throw .wrongParameterCount(request.command) }
            return try salesReport(request, account: try chosen())
        case (.finance, "getreport"):
            try expect(request, arguments: 5)
            return try financeReport(request, account: try chosen())
        default:
            throw .invalidCommand
        }
    }

    private func authenticate(_ token: String) throws(ReporterFailure) -> String {
        switch world.check(token: token) {
        case .valid(let appleId): return appleId
        case .expired: throw .tokenExpired
        case .invalid: throw .tokenInvalid
        }
    }

    /// The account a command is about: the one given, or the only one the token sees.
    private func resolve(_ requested: String?, appleId: String, access: SandboxWorld.Access) throws(ReporterFailure)
        -> SandboxAccount
    {
        guard let requested else {
            let visible = world.visibleAccounts(of: appleId, for: access)
            guard visible.count <= 1 else { throw .severalAccounts }
            guard let only = visible.first else { throw .invalidAccount() }
            return only
        }
        // fedoco: an empty account value gets HTTP 404 from Apple
        guard !requested.isEmpty else { throw .invalidAccount(status: .notFound) }
        guard let number = Int(requested.trimmingCharacters(in: .whitespaces)),
            let account = world.visibleAccount(number, of: appleId, for: access)
        else { throw .invalidAccount() }
        return account
    }

    private func expect(_ request: ReporterRequest, arguments count: Int) throws(ReporterFailure) {
        guard request.arguments.count == count else { throw .wrongParameterCount(request.command) }
    }

    private func statusMessage(_ service: Service) -> String {
        service == .sales
            ? "Sales and Trends Reporter is currently available."
            : "Payments and Financial Reports Reporter is currently available."
    }

    private func accountsReply(_ accounts: [SandboxAccount], mode: ReporterRequest.Mode) -> Response {
        ReporterReply.success(
            xml: "<Accounts>"
                + accounts.map {
                    "<Account><Name>\(ReporterReply.escape($0.name))</Name><Number>\($0.number)</Number></Account>"
                }.joined() + "</Accounts>",
            text: accounts.map { "\($0.name), \($0.number)" }.joined(separator: "\n"), mode: mode)
    }

    private func vendorsAndRegionsReply(_ account: SandboxAccount, mode: ReporterRequest.Mode) -> Response {
        let regions = Storefront.regions
        let xml = account.vendors.map { vendor in
            "<Vendor><Number>\(vendor)</Number>"
                + regions.map { "<Region><Code>\($0)</Code><Reports><Report>Financial</Report></Reports></Region>" }
                .joined() + "</Vendor>"
        }.joined()
        let text = account.vendors.map { "\($0): " + regions.joined(separator: ", ") }.joined(separator: "\n")
        return ReporterReply.success(xml: "<VendorsAndRegions>\(xml)</VendorsAndRegions>", text: text, mode: mode)
    }
}
