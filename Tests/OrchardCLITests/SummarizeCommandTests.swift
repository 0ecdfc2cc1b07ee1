import ArgumentParser
import Foundation
import SalesReports
import Testing

@testable import orchard

@Suite("orchard summarize")
struct SummarizeCommandTests {
    /// The `orchard` binary built beside the test bundle.
    static let executable = Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("orchard")
    static var hasExecutable: Bool { FileManager.default.isExecutableFile(atPath: executable.path) }

    /// Fails the test, naming the fix, when the `orchard` binary is not beside the test bundle.
    static func requireExecutable() throws {
        try #require(
            hasExecutable,
            "no orchard binary at \(executable.path): run `swift build` (or `swift build --build-tests`) first")
    }

    static func salesFile(_ rows: [SalesRow], gzip: Bool = false) throws -> String {
        let writer = ReportWriter(kind: .summarySales, gzip: gzip)
        for row in rows { try writer.write(row) }
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("summarize-\(UUID().uuidString).txt\(gzip ? ".gz" : "")").path
        try Data(try writer.finish()).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func row(sku: String, type: String, units: Int64, proceeds: String, parent: String = "") -> SalesRow {
        let day = ReportDate(year: 2024, month: 5, day: 1)!
        return SalesRow(
            sku: sku, title: "Title of \(sku)", productType: ProductType(type), units: units,
            developerProceeds: DecimalAmount(proceeds)!, beginDate: day, endDate: day, customerCurrency: "EUR",
            countryCode: "DE", proceedsCurrency: "EUR", appleIdentifier: "1\(sku.count)",
            customerPrice: DecimalAmount(proceeds)!, parentIdentifier: parent)
    }

    /// Runs the built `orchard` with `arguments` (and `environment`, else this process's).
    ///
    /// The child is started and waited for on a thread of its own, and its two pipes are read on two:
    /// a test that blocked in `waitUntilExit` would hold one of the few threads every test's tasks share,
    /// and the other tests' servers and clients would stall behind it.
    static func run(_ arguments: [String], environment: [String: String]? = nil, input: String? = nil) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        try requireExecutable()
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let input {
            let pipe = Pipe()
            process.standardInput = pipe
            try pipe.fileHandleForWriting.write(contentsOf: Data(input.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        async let stdout = Self.readToEnd(output.fileHandleForReading)
        async let stderr = Self.readToEnd(errors.fileHandleForReading)
        let (out, err) = await (stdout, stderr)
        let status = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
        return (status, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// Everything `handle` gives until its end, read on a thread of its own.
    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }

    @Test("takes --json and one or more files, and refuses none")
    func arguments() throws {
        let command = try Summarize.parse(["--json", "a.txt", "b.txt.gz"])
        #expect(command.json)
        #expect(command.files == ["a.txt", "b.txt.gz"])
        #expect(throws: (any Error).self) { try Summarize.parse([]) }
    }

    @Test("the table shows every bucket, returns, money and one line per app")
    func table() {
        // given
        var summary = SalesSummary()
        summary.files = 1
        summary.rows = 3
        summary.units.downloads = 12
        summary.returns = 2
        summary.proceeds = ["EUR": DecimalAmount("1.005")!]
        summary.apps = [AppSummary(sku: "app.a", appleIdentifier: "7", title: "A", proceeds: ["EUR": .zero])]

        // when
        let text = SummaryTable(summary: summary).text

        // then
        #expect(text.contains("1 file, 3 rows"))
        #expect(text.contains("downloads                   12"))
        #expect(text.contains("returns                      2"))
        #expect(text.contains("Proceeds  EUR 1.00"))
        #expect(text.contains("app.a"))
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count == 16)
    }

    @Test("--json prints the totals of all files as one object")
    func json() async throws {
        // given
        try Self.requireExecutable()
        let plain = try Self.salesFile([Self.row(sku: "app.a", type: "1", units: 3, proceeds: "0.70")])
        let gzip = try Self.salesFile(
            [Self.row(sku: "app.a.coins", type: "IA1", units: -1, proceeds: "1.40", parent: "app.a")], gzip: true)
        defer {
            try? FileManager.default.removeItem(atPath: plain)
            try? FileManager.default.removeItem(atPath: gzip)
        }

        // when
        let result = try await Self.run(["summarize", "--json", plain, gzip])

        // then
        #expect(result.status == 0)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["files"] as? Int == 2)
        #expect(object["rows"] as? Int == 2)
        #expect(object["returns"] as? Int == 1)
        #expect(object["proceeds"] as? [String: String] == ["EUR": "0.70"])
        let apps = try #require(object["apps"] as? [[String: Any]])
        #expect(apps.count == 1)
        #expect(apps.first?["sku"] as? String == "app.a")
    }

    @Test("a bad file is an error on stderr naming file, line and column")
    func badFile() async throws {
        // given
        try Self.requireExecutable()
        let path = try Self.salesFile([Self.row(sku: "app.a", type: "1", units: 3, proceeds: "0.70")])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\t3\t0.70\t", with: "\tthree\t0.70\t")
            .write(toFile: path, atomically: true, encoding: .utf8)

        // when
        let result = try await Self.run(["summarize", path])

        // then
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("\(path):2:8: 'three' is not a whole number in column 'Units'"))
    }
}
