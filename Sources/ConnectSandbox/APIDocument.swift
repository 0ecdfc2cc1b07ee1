import Foundation
import Hummingbird

/// JSON:API documents as App Store Connect sends them: resources with `links.self`, and
/// collections with `links.self`/`links.next` and `meta.paging` (docs/SANDBOX.md, App Store Connect API).
enum APIDocument {
    struct Resource<Attributes: Encodable>: Encodable {
        let type: String
        let id: String
        let attributes: Attributes
        var relationships: [String: Relationship]? = nil
        let links: Links
    }

    /// A relationship as Apple lists it on a resource: links only, no data unless included.
    struct Relationship: Encodable {
        let links: RelationshipLinks
    }

    struct RelationshipLinks: Encodable {
        let `self`: String
        let related: String
    }

    /// `links` for each of `names` on the resource at `resource` (its `links.self` URL).
    static func relationships(_ names: [String], of resource: String) -> [String: Relationship] {
        guard let split = resource.range(of: "/v1/") else { return [:] }
        let base = resource[..<split.lowerBound]
        let path = resource[split.lowerBound...]
        return Dictionary(
            uniqueKeysWithValues: names.map { name in
                (
                    name,
                    Relationship(
                        links: RelationshipLinks(
                            self: "\(base)\(path)/relationships/\(name)", related: "\(base)\(path)/\(name)"))
                )
            })
    }

    struct Links: Encodable {
        let `self`: String
        var next: String? = nil
    }

    struct Paging: Encodable {
        let total: Int
        let limit: Int
    }

    struct Meta: Encodable {
        let paging: Paging
    }

    struct Collection<Attributes: Encodable>: Encodable {
        let data: [Resource<Attributes>]
        let links: Links
        let meta: Meta
    }

    struct Single<Attributes: Encodable>: Encodable {
        let data: Resource<Attributes>
        let links: Links
    }

    static let defaultLimit = 50
    static let maximumLimit = 200

    /// One page of `items` after the request's `cursor`, at most `limit` (≤ 200) long, with a
    /// `links.next` carrying the next cursor while more remain.
    static func page<Item, Attributes: Encodable>(
        _ items: [Item], call: ConnectAPIController.Call, type: String, id: KeyPath<Item, String>,
        relationships: [String] = [], attributes: (Item) -> Attributes
    ) throws(ConnectAPIError) -> Response {
        var limit = defaultLimit
        if let text = call.query["limit"] {
            guard let value = Int(text), (1...maximumLimit).contains(value) else {
                throw .invalidParameter("limit", "The limit must be between 1 and \(maximumLimit).")
            }
            limit = value
        }
        var offset = 0
        if let cursor = call.query["cursor"] {
            guard let value = decodeCursor(cursor), value >= 0 else {
                throw .invalidParameter("cursor", "The cursor is not valid.")
            }
            offset = value
        }
        let base = baseURL(call.request)
        let slice = items.dropFirst(offset).prefix(limit)
        var links = Links(self: base + call.request.uri.string)
        if offset + slice.count < items.count {
            var items = call.query.items.filter { $0.name != "cursor" && $0.name != "limit" }
            items.append(("cursor", encodeCursor(offset + slice.count)))
            items.append(("limit", String(limit)))
            links.next =
                base + call.request.uri.path + "?"
                + items.map { FormFields.encode($0.name) + "=" + FormFields.encode($0.value) }.joined(separator: "&")
        }
        let data = slice.map { item in
            let link = base + "/v1/\(type)/\(item[keyPath: id])"
            return Resource(
                type: type, id: item[keyPath: id], attributes: attributes(item),
                relationships: relationships.isEmpty ? nil : Self.relationships(relationships, of: link),
                links: Links(self: link))
        }
        return JSONReply.response(
            Collection(data: data, links: links, meta: Meta(paging: Paging(total: items.count, limit: limit))))
    }

    static func single<Attributes: Encodable>(
        type: String, id: String, attributes: Attributes, call: ConnectAPIController.Call,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let link = baseURL(call.request) + "/v1/\(type)/\(id)"
        return JSONReply.response(
            Single(
                data: Resource(type: type, id: id, attributes: attributes, links: Links(self: link)),
                links: Links(self: link)),
            status: status)
    }

    static func baseURL(_ request: Request) -> String {
        "http://" + (request.head.authority ?? "127.0.0.1")
    }

    /// Apple's cursors are opaque base64 (`eyJvZmZzZXQiOiI1MCJ9` is `{"offset":"50"}`).
    static func encodeCursor(_ offset: Int) -> String {
        Data(#"{"offset":"\#(offset)"}"#.utf8).base64EncodedString()
    }

    static func decodeCursor(_ cursor: String) -> Int? {
        guard let data = JWTVerifier.base64URL(cursor),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String]
        else { return nil }
        return object["offset"].flatMap(Int.init)
    }
}
