import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON answers of the control API and the App Store Connect API.
enum JSONReply {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(JSONReply.timestamp(date))
        }
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Orchard's error shape (docs/API.md, Errors): `{"error": {"code", "message"}}`.
    static func error(_ code: String, _ message: String, status: HTTPResponse.Status) -> Response {
        response(["error": ["code": code, "message": message]], status: status)
    }

    /// ISO 8601 with seconds, UTC: `2026-03-10T05:00:00Z`.
    static func timestamp(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - day * 86_400
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let date = ReportDateText.iso(dayNumber: day)
        return "\(date)T\(pad(rest / 3600)):\(pad(rest % 3600 / 60)):\(pad(rest % 60))Z"
    }

    /// Parses `2026-03-10T05:00:00Z` (fractional seconds and offsets accepted).
    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) -> T? {
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer.readableBytesView)
        return try? JSONDecoder().decode(type, from: data)
    }
}
