import Logging
package import PostgresKit
package import SQLKit

/// A query read on every request, which PostgreSQL plans once per connection (a named prepared
/// statement) rather than each time it is sent: planning the session's query with the readable
/// accounts cost about seven times as much as running it (docs/ARCHITECTURE.md, "Queries on every
/// request"). On SQLite it runs as any other query.
package protocol PreparedQuery: Sendable {
    /// The statement's name on a connection, unique among prepared queries.
    static var name: String { get }
    /// The SQL, its parameters written `$1`, `$2`… each once and in that order.
    static var sql: String { get }
    /// The values of `$1`, `$2`…, in order.
    var binds: [any PostgresThrowingDynamicTypeEncodable & Encodable & Sendable] { get }
}

extension PreparedQuery {
    /// The query for SQLKit: each `$n` becomes a bind of the n-th value.
    var sqlKitQuery: SQLQueryString {
        var query = SQLQueryString(literalCapacity: Self.sql.utf8.count, interpolationCount: binds.count)
        var rest = Substring(Self.sql)
        var count = 0
        while let dollar = rest.firstIndex(of: "$") {
            query.appendLiteral(String(rest[..<dollar]))
            let digits = rest[rest.index(after: dollar)...].prefix(while: \.isNumber)
            precondition(Int(digits) == count + 1, "\(Self.name): parameters must be $1, $2… in order")
            query.appendInterpolation(bind: binds[count])
            count += 1
            rest = rest[digits.endIndex...]
        }
        precondition(count == binds.count, "\(Self.name): \(binds.count) values for \(count) parameters")
        query.appendLiteral(String(rest))
        return query
    }
}

/// A ``PreparedQuery`` as PostgresNIO prepares it: once per connection, by name.
private struct PostgresStatement<Query: PreparedQuery>: PostgresPreparedStatement {
    typealias Row = PostgresRow

    static var name: String { Query.name }
    static var sql: String { Query.sql }

    let query: Query

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: query.binds.count)
        for value in query.binds { try bindings.append(value) }
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

extension OrchardDatabase {
    private static let preparedLogger = Logger(label: "orchard.database")

    /// The rows of `query`, prepared once per PostgreSQL connection.
    package func rows<Query: PreparedQuery>(_ query: Query) async throws -> [any SQLRow] {
        try await withDriverConnection { driver, sql in
            switch driver {
            case .postgres(let connection):
                var rows: [any SQLRow] = []
                for try await row in try await connection.execute(
                    PostgresStatement(query: query), logger: Self.preparedLogger)
                {
                    rows.append(row.sql())
                }
                return rows
            case .sqlite:
                return try await sql.raw(query.sqlKitQuery).all()
            }
        }
    }
}
