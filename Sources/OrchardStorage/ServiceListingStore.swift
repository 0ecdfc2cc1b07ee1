package import Foundation
import SQLKit

/// Whether the service identity's account listing can be believed (docs/STATUSES.md, Revocation):
/// when too many accessible accounts vanish from it at once, it is *degraded* and revokes nobody
/// until a listing is whole again.
package struct ServiceListingStore: Sendable {
    /// A listing that lost too many accounts at once.
    package struct Degraded: Sendable, Equatable {
        /// The first check that found it so, in this spell.
        package var since: Date
        /// Accessible accounts missing from the latest such listing, and how many there were.
        package var vanished: Int
        package var accessible: Int
        /// The latest check that found it so.
        package var checkedAt: Date
    }

    private let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    /// The degraded state, or `nil` while listings are believed.
    package func degraded() async throws -> Degraded? {
        try await database.withConnection { connection in
            guard
                let row = try await connection.raw(
                    "SELECT degraded_since, vanished, accessible, checked_at FROM service_listing WHERE id = 1"
                ).first(),
                let since = try row.decode(column: "degraded_since", as: Date?.self)
            else { return nil }
            return Degraded(
                since: since, vanished: try row.decode(column: "vanished", as: Int.self),
                accessible: try row.decode(column: "accessible", as: Int.self),
                checkedAt: try row.decode(column: "checked_at", as: Date?.self) ?? since)
        }
    }

    /// Records a listing that lost `vanished` of `accessible` accounts at once; keeps the start of
    /// a spell already running.
    package func markDegraded(vanished: Int, accessible: Int, now: Date) async throws {
        try await database.withWriter { connection in
            try await connection.raw(
                """
                INSERT INTO service_listing (id, degraded_since, vanished, accessible, checked_at)
                VALUES (1, \(bind: now), \(bind: vanished), \(bind: accessible), \(bind: now))
                ON CONFLICT (id) DO UPDATE SET
                    degraded_since = COALESCE(service_listing.degraded_since, excluded.degraded_since),
                    vanished = excluded.vanished, accessible = excluded.accessible, checked_at = excluded.checked_at
                """
            ).run()
        }
    }

    /// A listing is believed again (and `now` is when one was last read). `true` when a degraded
    /// spell ended with this call.
    @discardableResult
    package func markWhole(now: Date) async throws -> Bool {
        try await database.withTransaction { connection in
            let ended =
                try await connection.raw(
                    """
                    UPDATE service_listing SET degraded_since = NULL, vanished = 0, accessible = 0, checked_at = \(bind: now)
                    WHERE id = 1 AND degraded_since IS NOT NULL
                    RETURNING id
                    """
                ).first() != nil
            try await connection.raw(
                """
                INSERT INTO service_listing (id, degraded_since, vanished, accessible, checked_at)
                VALUES (1, NULL, 0, 0, \(bind: now))
                ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at
                """
            ).run()
            return ended
        }
    }

    /// When the service identity's listing was last read (degraded or not), if ever.
    package func lastChecked() async throws -> Date? {
        try await database.withConnection { connection in
            try await connection.raw("SELECT checked_at FROM service_listing WHERE id = 1").first()?
                .decode(column: "checked_at", as: Date?.self)
        }
    }
}
