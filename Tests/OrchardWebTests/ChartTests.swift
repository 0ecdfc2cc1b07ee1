import Foundation
import Testing

@testable import OrchardWeb

@Suite("Chart: a server-drawn SVG with nice axes, gaps, a legend and hover data")
struct ChartTests {
    /// Whole numbers without a fraction, others as Swift writes them: enough to read ticks back.
    static let plain: @Sendable (Double) -> String = { $0 == $0.rounded() ? String(Int($0)) : String($0) }

    static func chart(
        _ series: [Chart.Series], kind: Chart.Kind = .line, slots: Int? = nil, title: String = "Downloads"
    ) -> Chart {
        let count = slots ?? series.map(\.values.count).max() ?? 0
        return Chart(
            kind: kind, title: title, summary: "Downloads by day", slots: (0..<count).map { Self.slot($0) },
            series: series, format: plain, axisNote: "Apple report days (UTC)")
    }

    static func slot(_ index: Int) -> Chart.Slot {
        .init(label: "\(index + 1) Nov", detail: "Day \(index + 1) Nov 2026")
    }

    /// The chart read back as XML; fails the test when it is not well-formed.
    static func parse(_ chart: Chart) throws -> PageStructure {
        let tree = PageStructure(chart.svg())
        try #require(tree.parseError == nil, "\(tree.parseError ?? "")\n\(chart.svg())")
        return tree
    }

    static func number(_ element: PageStructure.Element, _ name: String) throws -> Double {
        let text = try #require(element.attributes[name])
        return try #require(Double(text))
    }

    /// The points of each `M…L…` run of a path's `d`.
    static func runs(_ d: String) -> [[(x: Double, y: Double)]] {
        d.split(separator: "M").map { run in
            run.split(separator: "L").map { point in
                let xy = point.split(separator: ",").compactMap { Double($0) }
                return (xy.first ?? .nan, xy.last ?? .nan)
            }
        }
    }

    static func yTicks(_ tree: PageStructure) -> [(label: String, y: Double)] {
        tree.all("text").filter { $0.attributes["class"] == "tick y" }.map {
            ($0.text, Double($0.attributes["y"] ?? "") ?? .nan)
        }
    }

    static func zeroLine(_ tree: PageStructure) throws -> Double {
        try number(try #require(tree.all("line").first { $0.attributes["class"] == "grid zero" }), "y1")
    }

    @Test("the root, then title and desc with ids it points to; ids differ between charts")
    func titleAndDescription() throws {
        // given
        let downloads = Self.chart([.init(name: "Downloads", values: [1, 2, 3])])
        var proceeds = downloads
        proceeds.title = "Proceeds"

        // when
        let tree = try Self.parse(downloads)
        let other = try Self.parse(proceeds)

        // then
        #expect(downloads.svg().hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 300" role="img""#))
        #expect(tree.elements.prefix(3).map(\.name) == ["svg", "title", "desc"])
        let title = tree.elements[1]
        let desc = tree.elements[2]
        #expect(title.text == "Downloads")
        #expect(desc.text == "Downloads by day")
        let titleID = try #require(title.attributes["id"])
        let descID = try #require(desc.attributes["id"])
        #expect(tree.elements[0].attributes["aria-labelledby"] == "\(titleID) \(descID)")
        #expect(tree.elements[0].attributes["class"] == "chart")
        #expect(other.elements[1].attributes["id"] != titleID)
        var named = downloads
        named.id = "downloads-chart"
        #expect(try Self.parse(named).elements[1].attributes["id"] == "downloads-chart-title")
    }

    @Test("a gap breaks the line into two runs and is never drawn as zero")
    func gapBreaksLine() throws {
        // given
        let chart = Self.chart([.init(name: "Downloads", values: [1, 2, nil, 3, 4])])

        // when
        let tree = try Self.parse(chart)

        // then
        let paths = tree.all("path")
        try #require(paths.count == 1)
        let d = try #require(paths[0].attributes["d"])
        #expect(d.filter { $0 == "M" }.count == 2)
        let runs = Self.runs(d)
        #expect(runs.map(\.count) == [2, 2])
        let zero = try Self.zeroLine(tree)
        #expect(runs.joined().allSatisfy { $0.y < zero }, "\(d)")
        // the runs skip the third slot: the second starts where the fourth slot's hit area is centred
        let hits = tree.all("rect").filter { $0.attributes["class"] == "hit" }
        let fourth = try Self.number(hits[3], "x") + Self.number(hits[3], "width") / 2
        #expect(abs(runs[1][0].x - fourth) <= 0.1)
        #expect(tree.all("circle").isEmpty)
    }

    @Test("a point with gaps on both sides is a dot at its value")
    func isolatedPoint() throws {
        // given
        let chart = Self.chart([.init(name: "Downloads", values: [1, 2, nil, 5, nil, 3, 4])])

        // when
        let tree = try Self.parse(chart)

        // then
        let circles = tree.all("circle")
        try #require(circles.count == 1)
        #expect(circles[0].attributes["class"] == "dot s0")
        let d = try #require(tree.all("path").first?.attributes["d"])
        #expect(Self.runs(d).map(\.count) == [2, 2])
        // y is linear in the value: 5 sits where 0 and the top tick say it should
        let ticks = Self.yTicks(tree)
        let top = try #require(ticks.last.flatMap { Double($0.label) })
        let (zero, topY) = (ticks[0].y, ticks[ticks.count - 1].y)
        #expect(abs(try Self.number(circles[0], "cy") - (zero + (topY - zero) * 5 / top)) <= 0.1)
    }

    @Test(
        "y ticks are 0, nice steps (1, 2, 2.5, 5 × 10ⁿ), four to six, the top at or above the largest value",
        arguments: [0.3, 2, 7, 12, 88.5, 99, 100, 1234, 99_999, 0.047])
    func niceTicks(largest: Double) throws {
        // given
        let chart = Self.chart([.init(name: "Downloads", values: [0, largest / 3, nil, largest])])

        // when
        let tree = try Self.parse(chart)

        // then
        let ticks = Self.yTicks(tree)
        let values = ticks.compactMap { Double($0.label) }
        try #require(values.count == ticks.count, "\(ticks.map(\.label))")
        #expect((4...6).contains(values.count), "\(values)")
        #expect(values.first == 0)
        #expect(try #require(values.last) >= largest)
        let step = values[1] - values[0]
        for (lower, upper) in zip(values, values.dropFirst()) {
            #expect(abs(upper - lower - step) < step * 1e-9, "\(values)")
        }
        let mantissa = step / pow(10, log10(step).rounded(.down))
        #expect([1, 2, 2.5, 5].contains { abs($0 - mantissa) < 1e-9 }, "step \(step)")
        #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $0.y > $1.y }, "higher values are drawn higher")
        #expect(tree.all("line").filter { $0.attributes["class"]?.hasPrefix("grid") == true }.count == ticks.count)
    }

    @Test("whole numbers get whole steps: 2 downloads is not an axis written 0, 0, 1, 1, 2")
    func wholeTicks() throws {
        // given
        let chart = Self.chart([.init(name: "Downloads", values: [0, 1, nil, 2])])

        // when
        let tree = try Self.parse(chart)

        // then
        #expect(Self.yTicks(tree).map(\.label) == ["0", "1", "2", "3"])
        #expect(Chart.ticks(for: [0.5, 2], format: { String(Int($0.rounded())) }) == [0, 1, 2, 3])
        #expect(Chart.ticks(for: [0.5, 2], format: { String($0) }) == [0, 0.5, 1, 1.5, 2])
    }

    @Test("at most ten x labels, apart from each other, the latest slot among them, and the axis note")
    func xLabels() throws {
        for (count, expected) in [(365, 1...10), (30, 4...10), (5, 5...5)] {
            // given
            let chart = Self.chart([.init(name: "Downloads", values: (0..<count).map { Double($0) })])

            // when
            let tree = try Self.parse(chart)

            // then
            let labels = tree.all("text").filter { $0.attributes["class"] == "tick x" }
            #expect(expected.contains(labels.count), "\(count) slots: \(labels.count) labels")
            #expect(labels.first?.text == "\(count) Nov")
            let xs = try labels.map { try Self.number($0, "x") }
            let width = 7.0 * Double(labels.map(\.text.count).max() ?? 0)
            #expect(zip(xs, xs.dropFirst()).allSatisfy { $0 - $1 >= width }, "\(xs)")
            #expect(xs.allSatisfy { (0...800).contains($0) })
            #expect(
                tree.all("text").contains { $0.attributes["class"] == "note" && $0.text == "Apple report days (UTC)" })
        }
    }

    @Test("several series: a legend naming each, with its own colour class; one series: none")
    func legend() throws {
        // given
        let names = ["Downloads", "Re-downloads", "Updates"]
        let chart = Self.chart(names.map { Chart.Series(name: $0, values: [1, 2, 3]) })

        // when
        let tree = try Self.parse(chart)

        // then
        #expect(tree.all("g").filter { $0.attributes["class"] == "legend" }.count == 1)
        let legendTexts = tree.all("text").filter { $0.ancestors.last == "g" }.map(\.text)
        #expect(legendTexts == names)
        let swatches = tree.all("rect").compactMap(\.attributes["class"]).filter { $0.hasPrefix("swatch") }
        #expect(swatches == ["swatch s0", "swatch s1", "swatch s2"])
        #expect(tree.all("path").compactMap(\.attributes["class"]) == ["line s0", "line s1", "line s2"])
        #expect(tree.elements[0].attributes["data-series"] == #"["Downloads","Re-downloads","Updates"]"#)
        let single = try Self.parse(Self.chart([.init(name: "Downloads", values: [1, 2, 3])]))
        #expect(single.all("g").isEmpty)
    }

    @Test("bars: one per value, none for a gap, side by side per slot, negatives below the zero line")
    func bars() throws {
        // given
        let chart = Self.chart(
            [.init(name: "Proceeds", values: [5, -3, nil, 8]), .init(name: "Refunds", values: [1, nil, nil, 0])],
            kind: .bar)

        // when
        let tree = try Self.parse(chart)

        // then
        let bars = tree.all("rect").filter { $0.attributes["class"]?.hasPrefix("bar ") == true }
        #expect(bars.count == 5)
        #expect(bars.filter { $0.attributes["class"] == "bar s1" }.count == 2)
        let zero = try Self.zeroLine(tree)
        let negative = bars[1]
        #expect(abs(try Self.number(negative, "y") - zero) <= 0.1)
        #expect(try Self.number(negative, "height") > 10)
        let positive = bars[0]
        #expect(abs(try Self.number(positive, "y") + Self.number(positive, "height") - zero) <= 0.1)
        #expect(try Self.number(positive, "height") > Self.number(negative, "height"))
        // the zero refund is a sliver on the line, not nothing
        #expect(try Self.number(bars[4], "height") == 1)
        let beside = try Self.number(bars[0], "x") + Self.number(bars[0], "width")
        #expect(abs(try Self.number(bars[3], "x") - beside) <= 0.1)
        let labels = Self.yTicks(tree).compactMap { Double($0.label) }
        #expect(labels.first ?? 0 <= -3 && labels.contains(0) && labels.last ?? 0 >= 8, "\(labels)")
    }

    @Test("no data, only zeros, or no slots at all still make an axis, and no NaN anywhere")
    func emptyData() throws {
        let cases: [Chart] = [
            Self.chart([.init(name: "Downloads", values: [nil, nil, nil])]),
            Self.chart([.init(name: "Downloads", values: [0, 0, 0])]),
            Self.chart([.init(name: "Downloads", values: [])], kind: .bar, slots: 0),
            Self.chart([], kind: .bar, slots: 4),
            Self.chart([.init(name: "Downloads", values: [.nan, .infinity, 4])]),
        ]
        for chart in cases {
            // when
            let svg = chart.svg()
            let tree = try Self.parse(chart)

            // then
            #expect(!svg.lowercased().contains("nan") && !svg.lowercased().contains("inf"), "\(svg)")
            let ticks = Self.yTicks(tree).compactMap { Double($0.label) }
            #expect((4...6).contains(ticks.count) && ticks.first == 0, "\(ticks)")
            #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $0 < $1 })
        }
    }

    @Test("every hit area carries its slot's label and each series' value, with — for a gap")
    func hoverData() throws {
        // given
        let chart = Self.chart([
            .init(name: "Downloads", values: [1234, nil, 7]), .init(name: "Updates", values: [3, 4]),
        ])

        // when
        let tree = try Self.parse(chart)

        // then
        let hits = tree.all("rect").filter { $0.attributes["class"] == "hit" }
        #expect(hits.map { $0.attributes["data-i"] } == ["0", "1", "2"])
        #expect(hits.map { $0.attributes["data-label"] } == ["Day 1 Nov 2026", "Day 2 Nov 2026", "Day 3 Nov 2026"])
        let values = try hits.map {
            try JSONDecoder().decode([String].self, from: Data($0.attributes["data-values"]!.utf8))
        }
        #expect(values == [["1234", "3"], ["—", "4"], ["7", "—"]])
        #expect(try hits.allSatisfy { try Self.number($0, "height") > 200 })
    }

    @Test("markup characters in any text are escaped, and coordinates have at most one decimal")
    func escaping() throws {
        // given
        let nasty = #"<b> & "quoted" \ back"#
        var chart = Self.chart([.init(name: nasty, values: [1, 2]), .init(name: "B", values: [2, 1])], title: nasty)
        chart.summary = nasty
        chart.axisNote = nasty
        chart.slots = [.init(label: nasty, detail: nasty), .init(label: "2", detail: "2")]
        chart.format = { "<$\($0)&>" }

        // when
        let tree = try Self.parse(chart)

        // then
        #expect(tree.elements[1].text == nasty)
        #expect(tree.elements[2].text == nasty)
        #expect(tree.all("text").contains { $0.attributes["class"] == "note" && $0.text == nasty })
        #expect(tree.all("text").contains { $0.attributes["class"] == "tick x" && $0.text == nasty })
        #expect(tree.all("text").contains { $0.text == "<$0.0&>" })
        let hit = try #require(tree.all("rect").first { $0.attributes["class"] == "hit" })
        #expect(hit.attributes["data-label"] == nasty)
        let names = try JSONDecoder().decode(
            [String].self, from: Data(tree.elements[0].attributes["data-series"]!.utf8))
        #expect(names == [nasty, "B"])
        let coordinate = try Regex(#"^-?[0-9]+(\.[0-9])?$"#)
        for element in tree.elements {
            for name in ["x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height"] {
                guard let value = element.attributes[name] else { continue }
                #expect(value.wholeMatch(of: coordinate) != nil, "\(element.name) \(name)=\(value)")
            }
        }
    }
}
