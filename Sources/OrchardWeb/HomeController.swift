import Hummingbird
import OrchardCore
import OrchardStorage

/// The home page.
struct HomeController: Sendable {
    let database: OrchardDatabase
    let migrations: MigrationRunner
    let settings: Settings

    func addRoutes(to router: Router<some RequestContext>) {
        router.get(RouterPath(SiteRoute.home.path)) { _, _ in
            HomePage.view(await HomePage.model(database: database, migrations: migrations, settings: settings))
        }
    }
}
