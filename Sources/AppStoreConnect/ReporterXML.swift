import Foundation

/// A small, tolerant reader of the Robot.XML documents Reporter sends (docs/REPORTS.md, Requests).
///
/// The documents are shallow and attribute-free; this reader skips declarations and comments,
/// decodes the five XML entities and numeric references, and never fails: what it cannot read
/// it leaves out. (Third-party fixtures of these bodies are not always well-formed XML.)
struct ReporterXML: Sendable, Equatable {
    var name: String
    var text: String
    var children: [ReporterXML]

    /// The first child with this name.
    func child(_ name: String) -> ReporterXML? { children.first { $0.name == name } }
    /// All children with this name.
    func children(_ name: String) -> [ReporterXML] { children.filter { $0.name == name } }
    /// The trimmed text of the first child with this name.
    func value(_ name: String) -> String? { child(name)?.text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The root element of `data`, or `nil` when it holds no element.
    static func parse(_ data: Data) -> ReporterXML? {
        var reader = Reader(bytes: Array(data))
        return reader.document()
    }

    /// `<Error><Code>…</Code><Message>…</Message></Error>`, or a plain-text message (Normal mode).
    static func errorBody(_ data: Data) -> (code: Int?, message: String?) {
        if let root = parse(data) {
            let element = root.name == "Error" ? root : (root.child("Error") ?? root)
            let message = element.value("Message") ?? (element.children.isEmpty ? element.text : nil)
            return (element.value("Code").flatMap { Int($0) }, message?.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let text = String(decoding: data.prefix(2_000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return (nil, text.isEmpty ? nil : text)
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func document() -> ReporterXML? {
            while index < bytes.count {
                guard let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) else { return nil }
                index = open
                if skipMarkup() { continue }
                return element()
            }
            return nil
        }

        /// Skips `<?…?>`, `<!--…-->` and `<!…>`; returns whether it skipped something.
        private mutating func skipMarkup() -> Bool {
            guard index + 1 < bytes.count else { return false }
            switch bytes[index + 1] {
            case UInt8(ascii: "?"):
                index = find("?>").map { $0 + 2 } ?? bytes.count
            case UInt8(ascii: "!"):
                index = (hasPrefix("<!--") ? find("-->").map { $0 + 3 } : find(">").map { $0 + 1 }) ?? bytes.count
            default:
                return false
            }
            return true
        }

        private mutating func element() -> ReporterXML? {
            // at "<name ...>"
            index += 1
            let nameStart = index
            while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">"),
                bytes[index] != UInt8(ascii: "/")
            {
                index += 1
            }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
            guard let close = bytes[index...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
            let selfClosing = close > 0 && bytes[close - 1] == UInt8(ascii: "/")
            index = close + 1
            var node = ReporterXML(name: name, text: "", children: [])
            if selfClosing { return node }
            var text: [UInt8] = []
            while index < bytes.count {
                if bytes[index] != UInt8(ascii: "<") {
                    text.append(bytes[index])
                    index += 1
                    continue
                }
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                    index = (bytes[index...].firstIndex(of: UInt8(ascii: ">")).map { $0 + 1 }) ?? bytes.count
                    break
                }
                if skipMarkup() { continue }
                if let child = element() { node.children.append(child) }
            }
            node.text = Self.decodeEntities(String(decoding: text, as: UTF8.self))
            return node
        }

        private func find(_ needle: String) -> Int? {
            let pattern = Array(needle.utf8)
            var position = index
            while position + pattern.count <= bytes.count {
                if bytes[position..<position + pattern.count].elementsEqual(pattern) { return position }
                position += 1
            }
            return nil
        }

        private func hasPrefix(_ prefix: String) -> Bool {
            let pattern = Array(prefix.utf8)
            return index + pattern.count <= bytes.count && bytes[index..<index + pattern.count].elementsEqual(pattern)
        }

        private func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        static func decodeEntities(_ text: String) -> String {
            guard text.contains("&") else { return text }
            var result = ""
            var rest = Substring(text)
            while let amp = rest.firstIndex(of: "&") {
                result += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                    result += "&"
                    rest = rest[rest.index(after: amp)...]
                    continue
                }
                let entity = rest[rest.index(after: amp)..<semi]
                switch entity {
                case "amp": result += "&"
                case "lt": result += "<"
                case "gt": result += ">"
                case "quot": result += "\""
                case "apos": result += "'"
                default:
                    let scalar: Unicode.Scalar? =
                        entity.hasPrefix("#x")
                        ? UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
                        : entity.hasPrefix("#") ? UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init) : nil
                    if let scalar { result.unicodeScalars.append(scalar) } else { result += "&\(entity);" }
                }
                rest = rest[rest.index(after: semi)...]
            }
            return result + rest
        }
    }
}
