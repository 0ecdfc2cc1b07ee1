import OrchardCore
import Plot

extension HomePage {
    static func view(_ model: Model, frame: PageFrame) -> HTMLPage {
        HTMLPage(
            title: "Home", frame: frame,
            content: .group(
                .h1("App Store metrics from Apple's own reports"),
                .unwrap(
                    frame.user, { user in .p(.text("Signed in as \(user.email).")) },
                    else: .p(
                        .a(.class("button"), .href(SiteRoute.signUp().path), .text("Create an account")), .text(" or "),
                        .a(.href(SiteRoute.signIn().path), .text("sign in")))),
                .p(
                    "Orchard connects your App Store Connect accounts and turns Apple's Sales and Trends ",
                    "reports into downloads, re-downloads, updates, in-app purchases, proceeds and refunds ",
                    "per app, country, device and day."
                ),
                .h2("This instance"),
                .dl(
                    .class("status"),
                    .dt("Version"), .dd(.text(model.version)),
                    .dt("Database"), .dd(.text(model.databaseBackend)),
                    .dt("Schema"),
                    .dd(
                        model.isDatabaseReady
                            ? .span(.class("ok"), .text("up to date (version \(model.expectedSchemaVersion))"))
                            : .span(
                                .class("problem"),
                                .text(
                                    "at version \(model.schemaVersion.map(String.init) ?? "unknown"), expected "
                                        + "\(model.expectedSchemaVersion): run orchard migrate"))
                    ),
                    .dt("Service Apple ID"),
                    .dd(
                        model.serviceAppleID.map { .text($0) }
                            ?? .span(.class("problem"), .text("not set (ORCHARD_SERVICE_APPLE_ID)"))
                    )
                ),
                .p(
                    .a(.href(SiteRoute.healthz.path), .text("Health")), .text(" · "),
                    .a(.href(SiteRoute.readyz.path), .text("Readiness"))
                )
            )
        )
    }
}
