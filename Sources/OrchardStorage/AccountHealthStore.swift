package import Foundation
import SQLKit

/// What the notification check last told of each account: the day it was late for (until it
/// recovers) and the last day it said was complete, so each is told once.
package struct AccountHealthStore: Sendable {
    package struct State: Sendable, Equatable {
        package var delayedDay: String?
        package var completeThrough: String?

        package init(delayedDay: String? = nil, completeThrough: String? = nil) {
            self.delayedDay = delayedDay
            self.completeThrough = completeThrough
        }
    }

    let database: OrchardDatabase

    package init(database: OrchardDatabase) {
        self.database = database
    }

    package func state(of number: String) async throws -> State? {
        try await database.withConnection { connection in
            try await connection.raw(
                "SELECT delayed_day, complete_through FROM account_health WHERE account_number = \(bind: number)"
            ).first().map { row in
                State(
                    delayedDay: try row.decode(column: "delayed_day", as: String?.self),
                    completeThrough: try row.decode(column: "complete_through", as: String?.self))
            }
        }
    }

    package func set(_ state: State, of number: String, now: Date) async throws {
        try await database.withWriter { connection in
            try await connection.raw(
                """
                INSERT INTO account_health (account_number, delayed_day, complete_through, updated_at)
                VALUES (\(bind: number), \(bind: state.delayedDay), \(bind: state.completeThrough), \(bind: now))
                ON CONFLICT (account_number) DO UPDATE SET delayed_day = excluded.delayed_day,
                    complete_through = excluded.complete_through, updated_at = excluded.updated_at
                """
            ).run()
        }
    }
}
