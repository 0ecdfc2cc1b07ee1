import Foundation
import SQLKit

/// An app as a user may see it: from the reports of an account the user has an active integration of.
package struct VisibleApp: Sendable, Equatable {
    package var sku: String
    package var appleIdentifier: String?
    package var title: String?
    package var accountNumber: String
    package var accountName: String
}

/// The apps a user may see. The tenant boundary lives in the query: only accounts with an active
/// integration of that user.
package struct VisibleAppStore: Sendable {
    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    package func apps(userID: Int64) async throws -> [VisibleApp] {
        try await database.withConnection { connection in
            try await connection.raw(
                """
                SELECT apps.sku, apps.apple_identifier, apps.title, store_accounts.number, store_accounts.name
                FROM integrations
                JOIN store_accounts ON store_accounts.id = integrations.store_account_id
                JOIN apps ON apps.store_account_id = store_accounts.id
                WHERE integrations.user_id = \(bind: userID) AND integrations.status = 'active'
                ORDER BY store_accounts.number, apps.sku
                """
            ).all().map { row in
                VisibleApp(
                    sku: try row.decode(column: "sku", as: String.self),
                    appleIdentifier: try row.decode(column: "apple_identifier", as: String?.self),
                    title: try row.decode(column: "title", as: String?.self),
                    accountNumber: try row.decode(column: "number", as: String.self),
                    accountName: try row.decode(column: "name", as: String.self))
            }
        }
    }
}
