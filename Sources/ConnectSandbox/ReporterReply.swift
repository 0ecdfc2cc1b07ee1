import HTTPTypes
import Hummingbird
import NIOCore

/// Reporter's answers in Robot.XML or Normal (plain text) mode (docs/SANDBOX.md, Reporter).
enum ReporterReply {
    static let declaration = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#

    /// A success answer: `xml` in Robot.XML mode, `text` in Normal mode.
    static func success(xml: String, text: String, mode: ReporterRequest.Mode) -> Response {
        mode == .robotXML
            ? body(declaration + xml, contentType: "text/xml; charset=UTF-8", status: .ok)
            : body(text + "\n", contentType: "text/plain; charset=UTF-8", status: .ok)
    }

    /// An error: `<Error><Code/><Message/></Error>` in Robot.XML mode, the message in Normal mode.
    static func failure(_ failure: ReporterFailure, mode: ReporterRequest.Mode) -> Response {
        var response =
            mode == .robotXML
            ? body(
                declaration
                    + "<Error><Code>\(failure.code)</Code><Message>\(escape(failure.message))</Message></Error>",
                contentType: "text/xml; charset=UTF-8", status: failure.status)
            : body(failure.message + "\n", contentType: "text/plain; charset=UTF-8", status: failure.status)
        if let seconds = failure.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    /// A server fault: HTTP 5xx with Apple's sentence.
    /// The HTML page Apple's front servers answer with HTTP 200 during maintenance.
    static func maintenancePage() -> Response {
        body(
            "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We'll be back soon.</h1>"
                + "<p>Sales and Trends is undergoing maintenance.</p></body></html>",
            contentType: "text/html; charset=UTF-8", status: .ok)
    }

    static func serverError(status: HTTPResponse.Status = .internalServerError) -> Response {
        body(ReporterFailure.unexpected + "\n", contentType: "text/plain; charset=UTF-8", status: status)
    }

    /// A report file: gzip bytes with the `filename` and `downloadmsg` headers.
    static func file(_ file: ReportFile) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/a-gzip"
        headers[filenameHeader] = file.filename
        headers[downloadMessageHeader] = "Successfully downloaded \(file.filename)"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: FaultInjector.damaged(file.body)))
    }

    static let filenameHeader = HTTPField.Name("filename")!
    static let downloadMessageHeader = HTTPField.Name("downloadmsg")!

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func body(_ text: String, contentType: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
