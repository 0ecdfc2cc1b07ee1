import ArgumentParser
import Foundation

/// Measures endpoints of an `orchard-bench metrics-serve` child from outside it: each once uncached
/// with curl, then with wrk, one client, then `connections` clients `runs` times (the median run is
/// reported). The `metrics` and `subscriptions` benchmarks share it.
struct LoadProbe {
    let databaseURL: String
    let connections: Int
    let seconds: Int
    let runs: Int

    /// `targets`: (name, path with its query, the request header that authenticates). With `newData`,
    /// each target is then asked once more with curl after each of three calls of it (new data for a
    /// day: the first render after new data, everything before it cached).
    func measure(
        base: String, targets: [(String, String, String)], newData: ((Int) async throws -> Void)? = nil
    ) async throws {
        try await Self.installMissingTools()
        for (name, path, header) in targets {
            // The first request, before anything is cached (and again after every change of the data).
            let cold = try await curl(url: base + path, header: header)
            // One client, one request after another: the latency a single user sees.
            let single = try await wrk(url: base + path, header: header, connections: 1, threads: 1)
            guard single.errors == 0 else { throw ValidationError("\(path) answered with errors") }
            var results: [WrkResult] = []
            for _ in 0..<runs {
                results.append(try await wrk(url: base + path, header: header, connections: connections, threads: 2))
            }
            let throughput = results.map(\.requestsPerSecond).sorted()[results.count / 2]
            let p99 = results.map(\.p99Milliseconds).sorted()[results.count / 2]
            let p50 = results.map(\.p50Milliseconds).sorted()[results.count / 2]
            var afterNewData = ""
            if let newData {
                var times: [Double] = []
                for round in 0..<3 {
                    try await newData(round)
                    times.append(try await curl(url: base + path, header: header))
                }
                afterNewData =
                    "; first after new data \(format(times.sorted()[1])) ms (median of 3: "
                    + times.map(format).joined(separator: ", ") + " ms)"
            }
            say(
                """
                \(name): first (uncached) \(format(cold)) ms\(afterNewData); one client p50 \(format(single.p50Milliseconds)) ms, p99 \(format(single.p99Milliseconds)) ms; \
                wrk -c\(connections) median of \(runs): \(format(throughput)) req/s, p50 \(format(p50)) ms, \
                p99 \(format(p99)) ms (runs: \(results.map { format($0.requestsPerSecond) }.joined(separator: ", ")) req/s; \
                errors \(results.map(\.errors).reduce(0, +)))
                """)
        }
    }

    /// Runs `body` with the port of an `orchard-bench metrics-serve` child on this database, and stops it after.
    func withServer(_ body: (Int) async throws -> Void) async throws {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        let server = try ChildProcess(executable, ["metrics-serve", "--database-url", databaseURL])
        do {
            var port: Int? = nil
            while port == nil, let line = await server.nextLine() {
                if line.hasPrefix(MetricsServer.portLine) { port = Int(line.dropFirst(MetricsServer.portLine.count)) }
            }
            guard let port else {
                throw ValidationError("the metrics server did not start (status \(await server.exit()))")
            }
            try await body(port)
        } catch {
            _ = await server.stop()
            throw error
        }
        let status = await server.stop()
        guard status == 0 else { throw ValidationError("the metrics server exited with status \(status)") }
    }

    /// wrk and curl are Debian packages: installed with apt-get when missing, as `scripts/load` does.
    static func installMissingTools() async throws {
        for tool in ["wrk", "curl"] {
            guard try await ChildProcess.run(["sh", "-c", "command -v \(tool)"]).status != 0 else { continue }
            say("installing \(tool) with apt-get")
            let (status, output) = try await ChildProcess.run([
                // A fresh machine has no package lists yet: fetched when the first try finds none.
                "sh", "-c",
                "export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq \(tool) 2>&1"
                    + " || { apt-get update -qq 2>&1 && apt-get install -y -qq \(tool) 2>&1; }",
            ])
            guard status == 0 else {
                throw ValidationError("\(tool) is missing and apt-get could not install it: \(output)")
            }
        }
    }

    static func format(_ value: Double) -> String { String(format: value < 10 ? "%.2f" : "%.0f", value) }

    private func format(_ value: Double) -> String { Self.format(value) }

    /// The time of one request in milliseconds, from curl.
    private func curl(url: String, header: String) async throws -> Double {
        let (_, output) = try await ChildProcess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-H", header, url])
        let fields = output.split(separator: " ")
        guard fields.first == "200", let seconds = Double(fields.last ?? "") else {
            throw ValidationError("\(url) answered \(output)")
        }
        return seconds * 1_000
    }

    struct WrkResult {
        var requestsPerSecond: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var errors: Int
    }

    /// Runs wrk with its latency distribution and reads requests/s, p50 and p99 from its report.
    private func wrk(url: String, header: String, connections: Int, threads: Int) async throws -> WrkResult {
        let (_, output) = try await ChildProcess.run([
            "wrk", "-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "-H", header, url,
        ])
        func milliseconds(_ text: Substring) -> Double {
            let value = Double(text.filter { $0.isNumber || $0 == "." }) ?? .nan
            if text.hasSuffix("us") { return value / 1_000 }
            if text.hasSuffix("ms") { return value }
            if text.hasSuffix("s") { return value * 1_000 }
            return value
        }
        var result = WrkResult(requestsPerSecond: .nan, p50Milliseconds: .nan, p99Milliseconds: .nan, errors: 0)
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first == "Requests/sec:", fields.count > 1 {
                result.requestsPerSecond = Double(fields[1]) ?? .nan
            }
            if fields.first == "50%", fields.count > 1 { result.p50Milliseconds = milliseconds(fields[1]) }
            if fields.first == "99%", fields.count > 1 { result.p99Milliseconds = milliseconds(fields[1]) }
            if fields.first == "Non-2xx" || fields.first == "Socket" { result.errors += 1 }
        }
        guard !result.requestsPerSecond.isNaN else { throw ValidationError("wrk said: \(output)") }
        return result
    }
}
