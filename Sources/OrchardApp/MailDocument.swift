package import Foundation

/// A mail's content once, rendered twice: plain text and HTML that reads well in common mail clients
/// (one column, inline styles, system fonts, no remote images, no scripts), escaped throughout.
package struct MailDocument: Sendable, Equatable {
    package enum Block: Sendable, Equatable {
        case paragraph(String)
        /// Label and value rows, values right-aligned (figures).
        case figures([(label: String, value: String, note: String?)])
        /// A heading and rows of cells, the first column left-aligned.
        case table(title: String, header: [String], rows: [[String]])
        case button(title: String, url: URL)
        case heading(String)

        package static func == (lhs: Block, rhs: Block) -> Bool {
            switch (lhs, rhs) {
            case (.paragraph(let a), .paragraph(let b)), (.heading(let a), .heading(let b)): a == b
            case (.figures(let a), .figures(let b)):
                a.count == b.count
                    && zip(a, b).allSatisfy { $0.label == $1.label && $0.value == $1.value && $0.note == $1.note }
            case (.table(let a, let b, let c), .table(let d, let e, let f)): a == d && b == e && c == f
            case (.button(let a, let b), .button(let c, let d)): a == c && b == d
            default: false
            }
        }
    }

    package var subject: String
    /// One line under the subject in mail clients' lists (preheader).
    package var preview: String
    package var title: String
    package var blocks: [Block]
    /// Why the recipient receives it and where to change that.
    package var footer: String
    package var settingsURL: URL?
    package var unsubscribeURL: URL?

    package init(
        subject: String, preview: String, title: String, blocks: [Block], footer: String, settingsURL: URL? = nil,
        unsubscribeURL: URL? = nil
    ) {
        self.subject = subject
        self.preview = preview
        self.title = title
        self.blocks = blocks
        self.footer = footer
        self.settingsURL = settingsURL
        self.unsubscribeURL = unsubscribeURL
    }

    package var text: String {
        var lines = [title, String(repeating: "=", count: min(title.count, 72)), ""]
        for block in blocks {
            switch block {
            case .paragraph(let text): lines += [text, ""]
            case .heading(let text): lines += [text, String(repeating: "-", count: min(text.count, 72))]
            case .figures(let rows):
                let width = rows.map(\.label.count).max() ?? 0
                for row in rows {
                    let padded = row.label.padding(toLength: width, withPad: " ", startingAt: 0)
                    lines.append("  \(padded)  \(row.value)\(row.note.map { "  (\($0))" } ?? "")")
                }
                lines.append("")
            case .table(let title, let header, let rows):
                lines.append(title)
                let all = [header] + rows
                let widths = (0..<header.count).map { column in
                    all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
                }
                for row in all {
                    let cells = row.enumerated().map { index, cell in
                        index == 0
                            ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                            : String(repeating: " ", count: max(0, widths[index] - cell.count)) + cell
                    }
                    lines.append("  " + cells.joined(separator: "  "))
                }
                lines.append("")
            case .button(let title, let url): lines += ["\(title): \(url.absoluteString)", ""]
            }
        }
        lines += ["--", footer]
        if let settingsURL { lines.append("Notification settings: \(settingsURL.absoluteString)") }
        if let unsubscribeURL { lines.append("Unsubscribe from these: \(unsubscribeURL.absoluteString)") }
        return lines.joined(separator: "\n") + "\n"
    }

    package var html: String {
        func e(_ text: String) -> String {
            var out = ""
            for character in text {
                switch character {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&#39;"
                default: out.append(character)
                }
            }
            return out
        }
        let font = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
        var body = ""
        for block in blocks {
            switch block {
            case .paragraph(let text):
                body += #"<p style="margin:0 0 16px;line-height:1.5">\#(e(text))</p>"#
            case .heading(let text):
                body += #"<h2 style="margin:24px 0 8px;font-size:16px">\#(e(text))</h2>"#
            case .figures(let rows):
                body += #"<table role="presentation" style="width:100%;border-collapse:collapse;margin:0 0 16px">"#
                for row in rows {
                    body +=
                        #"<tr><td style="padding:6px 0;border-bottom:1px solid #e5e5e5;color:#555">\#(e(row.label))</td>"#
                    body +=
                        #"<td style="padding:6px 0;border-bottom:1px solid #e5e5e5;text-align:right;font-variant-numeric:tabular-nums;font-weight:600">\#(e(row.value))"#
                    if let note = row.note {
                        body += #"<br><span style="font-weight:400;color:#555;font-size:13px">\#(e(note))</span>"#
                    }
                    body += "</td></tr>"
                }
                body += "</table>"
            case .table(let title, let header, let rows):
                body += #"<h2 style="margin:24px 0 8px;font-size:16px">\#(e(title))</h2>"#
                body += #"<table style="width:100%;border-collapse:collapse;margin:0 0 16px;font-size:14px">"#
                body +=
                    "<tr>"
                    + header.enumerated().map { index, cell in
                        #"<th style="text-align:\#(index == 0 ? "left" : "right");padding:4px 0;border-bottom:2px solid #ccc">\#(e(cell))</th>"#
                    }.joined() + "</tr>"
                for row in rows {
                    body +=
                        "<tr>"
                        + row.enumerated().map { index, cell in
                            #"<td style="text-align:\#(index == 0 ? "left" : "right");padding:4px 0;border-bottom:1px solid #eee;font-variant-numeric:tabular-nums">\#(e(cell))</td>"#
                        }.joined() + "</tr>"
                }
                body += "</table>"
            case .button(let title, let url):
                body +=
                    #"<p style="margin:8px 0 24px"><a href="\#(e(url.absoluteString))" style="display:inline-block;background:#0b6e4f;color:#ffffff;text-decoration:none;padding:10px 16px;border-radius:6px;font-weight:600">\#(e(title))</a></p>"#
            }
        }
        var footer = e(self.footer)
        if let settingsURL {
            footer += #" <a href="\#(e(settingsURL.absoluteString))" style="color:#0b6e4f">Notification settings</a>."#
        }
        if let unsubscribeURL {
            footer += #" <a href="\#(e(unsubscribeURL.absoluteString))" style="color:#0b6e4f">Unsubscribe</a>."#
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
            <meta name="color-scheme" content="light dark"><title>\(e(subject))</title></head>
            <body style="margin:0;padding:0;background:#f6f6f6;\(font);color:#1a1a1a">
            <div style="display:none;max-height:0;overflow:hidden">\(e(preview))</div>
            <table role="presentation" style="width:100%;border-collapse:collapse"><tr><td style="padding:16px 6px">
            <div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:20px 16px;\(font)">
            <p style="margin:0 0 16px;font-size:13px;color:#0b6e4f;font-weight:700;letter-spacing:.04em">ORCHARD</p>
            <h1 style="margin:0 0 16px;font-size:20px;line-height:1.3">\(e(title))</h1>
            \(body)
            <p style="margin:24px 0 0;font-size:12px;color:#666;line-height:1.5">\(footer)</p>
            </div></td></tr></table></body></html>
            """
    }
}
