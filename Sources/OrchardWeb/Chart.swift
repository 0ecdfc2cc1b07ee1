import Foundation

/// A line or bar chart drawn on the server as one `<svg>` element, so a page is complete without
/// JavaScript; the site's script only adds hover values, read from the `rect.hit` attributes.
/// Series colours come from the stylesheet through the classes `s0`…`s7` (Okabe-Ito), so the dark
/// theme can adjust them. The text equivalent is the table the page puts below the chart.
struct Chart: Sendable {
    enum Kind: Sendable { case line, bar }

    /// One place on the x axis: a short tick label ("3 Nov") and the full one shown on hover.
    struct Slot: Sendable {
        var label: String
        var detail: String
    }

    /// One value per slot. `nil` is a slot without data: a gap, never drawn as a zero.
    struct Series: Sendable {
        var name: String
        var values: [Double?]
    }

    var kind: Kind
    var title: String
    var summary: String
    var slots: [Slot]
    var series: [Series]
    /// How a value is written on the y axis and on hover ("1,234", "$1,234.50").
    var format: @Sendable (Double) -> String
    var axisNote: String
    /// The prefix of the `<title>` and `<desc>` ids. By default derived from the title and summary;
    /// set it when one page shows two charts with the same title.
    var id: String? = nil

    static let width = 800.0
    static let height = 300.0
    /// A rough average glyph width at the 12 px the stylesheet sets, used to keep labels apart.
    static let charWidth = 7.0

    /// The whole `<svg>` element.
    func svg() -> String {
        let id = Self.escape(self.id ?? "chart-\(Self.fingerprint("\(kind) \(title) \(summary)"))")
        // Non-finite (and absurdly large) values cannot be drawn; treating them as gaps keeps NaN out of the markup.
        let rows = series.map { series in
            slots.indices.map { index in
                index < series.values.count
                    ? series.values[index].flatMap { $0.magnitude <= .greatestFiniteMagnitude / 4 ? $0 : nil } : nil
            }
        }
        let ticks = Self.ticks(for: rows.flatMap { $0.compactMap { $0 } }, format: format)
        let tickLabels = ticks.map(format)
        let left = min(200, max(40, 16 + Self.charWidth * Double(tickLabels.map(\.count).max() ?? 1)))
        let frame = Frame(
            left: left, top: series.count > 1 ? 38 : 14, right: Self.width - 12, bottom: Self.height - 46,
            low: ticks.first ?? 0, high: ticks.last ?? 1, count: slots.count)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" \
            role="img" aria-labelledby="\(id)-title \(id)-desc" class="chart" \
            data-series="\(Self.escape(Self.json(series.map(\.name))))">\
            <title id="\(id)-title">\(Self.escape(title))</title><desc id="\(id)-desc">\(Self.escape(summary))</desc>
            """
        for (tick, label) in zip(ticks, tickLabels) {
            let y = frame.y(tick).svg
            svg += """
                <line class="grid\(tick == 0 ? " zero" : "")" x1="\(left.svg)" x2="\(frame.right.svg)" \
                y1="\(y)" y2="\(y)"/><text class="tick y" x="\((left - 8).svg)" y="\(y)" dy=".32em" \
                text-anchor="end">\(Self.escape(label))</text>
                """
        }
        svg += xAxis(frame) + (series.count > 1 ? legend(left: left) : "")
        svg += kind == .line ? lines(rows, frame) : bars(rows, frame)
        // The hit areas go last, on top of the marks, so the pointer always lands on one.
        for index in slots.indices {
            let values = rows.map { $0[index].map(format) ?? "—" }
            svg += """
                <rect class="hit" data-i="\(index)" x="\((frame.x(index) - frame.band / 2).svg)" \
                y="\(frame.top.svg)" width="\(frame.band.svg)" height="\((frame.bottom - frame.top).svg)" \
                data-label="\(Self.escape(slots[index].detail))" data-values="\(Self.escape(Self.json(values)))"/>
                """
        }
        return svg + "</svg>"
    }

    /// Tick labels at most ten, spread evenly and counted back from the last slot (the latest day
    /// is the one people look for), skipping any that would touch its neighbour; then the caption.
    private func xAxis(_ frame: Frame) -> String {
        let labelWidth = 16 + Self.charWidth * Double(slots.map(\.label.count).max() ?? 0)
        let every = max(1, Int((labelWidth / frame.band).rounded(.up)), Int((Double(slots.count) / 10).rounded(.up)))
        var axis = ""
        var previous = Double.infinity
        for index in stride(from: slots.count - 1, through: 0, by: -every) {
            // Labels at the edges are pulled inside the view box rather than cut off.
            let x = max(labelWidth / 2, min(Self.width - labelWidth / 2, frame.x(index)))
            guard previous - x >= labelWidth else { continue }
            previous = x
            axis += """
                <text class="tick x" x="\(x.svg)" y="\((frame.bottom + 18).svg)" \
                text-anchor="middle">\(Self.escape(slots[index].label))</text>
                """
        }
        return axis + #"<text class="note" x="\#(frame.left.svg)" y="\#((Self.height - 6).svg)">"#
            + "\(Self.escape(axisNote))</text>"
    }

    /// Swatches and names in one row above the plot, only drawn when there are several series.
    private func legend(left: Double) -> String {
        var legend = #"<g class="legend">"#
        var x = left
        for (index, series) in series.enumerated() {
            legend += """
                <rect class="swatch s\(index % 8)" x="\(x.svg)" y="10" width="10" height="10" rx="2"/>\
                <text x="\((x + 14).svg)" y="15" dy=".32em">\(Self.escape(series.name))</text>
                """
            x += 32 + Self.charWidth * Double(series.name.count)
        }
        return legend + "</g>"
    }

    /// One path per series, broken (a new `M`) at every gap. A point with gaps on both sides
    /// would be an invisible zero-length segment, so it becomes a dot.
    private func lines(_ rows: [[Double?]], _ frame: Frame) -> String {
        var marks = ""
        for (index, values) in rows.enumerated() {
            let runs = values.indices.split { values[$0] == nil }
            let path = runs.filter { $0.count > 1 }.map { run in
                "M" + run.map { "\(frame.x($0).svg),\(frame.y(values[$0] ?? 0).svg)" }.joined(separator: "L")
            }
            if !path.isEmpty { marks += #"<path class="line s\#(index % 8)" d="\#(path.joined())"/>"# }
            for run in runs where run.count == 1 {
                let slot = run.startIndex
                marks += """
                    <circle class="dot s\(index % 8)" cx="\(frame.x(slot).svg)" \
                    cy="\(frame.y(values[slot] ?? 0).svg)" r="3"/>
                    """
            }
        }
        return marks
    }

    /// One bar per value, series side by side within a slot, growing up or down from zero. A zero
    /// gets a 1-unit sliver so it stays distinguishable from a gap.
    private func bars(_ rows: [[Double?]], _ frame: Frame) -> String {
        let group = frame.band * 0.8
        let barWidth = group / Double(max(rows.count, 1))
        let zero = frame.y(0)
        var marks = ""
        for (index, values) in rows.enumerated() {
            for (slot, value) in values.enumerated() {
                guard let value else { continue }
                var top = min(zero, frame.y(value))
                var height = abs(frame.y(value) - zero)
                if height < 1 { (top, height) = (value < 0 ? zero : zero - 1, 1) }
                marks += """
                    <rect class="bar s\(index % 8)" x="\((frame.x(slot) - group / 2 + Double(index) * barWidth).svg)" \
                    y="\(top.svg)" width="\(barWidth.svg)" height="\(height.svg)"/>
                    """
            }
        }
        return marks
    }

    /// The y gridlines: from 0 (or a nice negative minimum) to a nice maximum at or above the largest
    /// value, in steps of 1, 2, 2.5 or 5 × 10ⁿ, four to six of them. Whole-number data (counts) never
    /// gets a fractional step, and a step that `format` would write as repeated labels is skipped;
    /// when that leaves fewer than four ticks, the axis grows a little headroom instead.
    static func ticks(for values: [Double], format: (Double) -> String) -> [Double] {
        let low = min(0, values.min() ?? 0)
        var high = max(0, values.max() ?? 0)
        if high == low { high = 1 }  // no data, or only zeros
        let whole = !values.isEmpty && values.allSatisfy { $0 == $0.rounded() }
        let base = Int(log10((high - low) / 5).rounded(.down))
        var fallback: [Double]?
        for exponent in base...(base + 3) {
            // Dividing by an exact power of ten gives the double nearest each decimal tick: 0.6, not
            // 0.6000000000000001 as 3 × 0.2 would.
            let unit = pow(10, Double(abs(exponent)))
            func scaled(_ x: Double) -> Double { exponent >= 0 ? x * unit : x / unit }
            for multiple in [1, 2, 2.5, 5] {
                let step = scaled(multiple)
                if whole && step != step.rounded() { continue }
                var first = Int((low / step + 1e-9).rounded(.down))
                var last = Int((high / step - 1e-9).rounded(.up))
                guard last - first <= 5 else { continue }
                while last - first < 3 {
                    if high == 0 { first -= 1 } else { last += 1 }
                }
                let ticks = (first...last).map { scaled(Double($0) * multiple) }
                if Set(ticks.map(format)).count == ticks.count { return ticks }
                fallback = fallback ?? ticks
            }
        }
        return fallback ?? [0, 0.25, 0.5, 0.75, 1]
    }

    /// The positions of slots and values inside the view box.
    private struct Frame {
        let left, top, right, bottom, low, high: Double
        let count: Int

        var band: Double { (right - left) / Double(max(count, 1)) }
        func x(_ slot: Int) -> Double { left + band * (Double(slot) + 0.5) }
        func y(_ value: Double) -> Double { bottom - (value - low) / (high - low) * (bottom - top) }
    }

    /// Text for the SVG's content and attributes (``HTMLEscape``, one escaping for the site).
    static func escape(_ text: String) -> String { HTMLEscape.attribute(text) }

    /// A JSON array of strings, for the script to read back with `JSON.parse` (formatted values may
    /// contain commas, so a plain separator would not do).
    static func json(_ strings: [String]) -> String {
        let items = strings.map { string in
            var item = "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": item += #"\""#
                case "\\": item += #"\\"#
                case _ where scalar.value < 0x20: item += String(format: #"\u%04x"#, scalar.value)
                default: item.unicodeScalars.append(scalar)
                }
            }
            return item + "\""
        }
        return "[" + items.joined(separator: ",") + "]"
    }

    /// FNV-1a: stable across processes (unlike `Hasher`), so the same chart always gets the same ids.
    private static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }
}

extension Double {
    /// A coordinate as SVG wants it: one decimal at most, a "." whatever the locale, never NaN or infinity.
    fileprivate var svg: String {
        guard isFinite else { return "0" }
        let tenths = Int((Swift.min(Swift.max(self, -1e9), 1e9) * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return sign + "\(abs(tenths) / 10)" + (abs(tenths) % 10 == 0 ? "" : ".\(abs(tenths) % 10)")
    }
}
