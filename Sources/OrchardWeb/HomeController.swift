import Hummingbird
import OrchardCore
import OrchardStorage

/// The home page.
struct HomeController: Sendable {
    let database: OrchardDatabase
    let migrations: MigrationRunner
    let settings: Settings

    func addRoutes(to router: Router<OrchardRequestContext>) {
        router.get(SiteRoute.home.pattern) { request, context in
            HomePage.view(
                await HomePage.model(database: database, migrations: migrations, settings: settings),
                frame: PageFrame(context, request: request))
        }
    }
}
