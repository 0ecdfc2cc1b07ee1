import ArgumentParser

/// Benchmarks and fault drills of the sync engine that need more than a test: thousands of accounts,
/// or real `orchard worker` processes killed with SIGKILL. Results go into BENCHMARKS.md.
@main
struct OrchardBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchard-bench",
        abstract:
            "Benchmarks and fault drills of Orchard: the sync engine against Connect Sandbox, the metrics read path.",
        subcommands: [
            DailySyncBenchmark.self, ChaosDrill.self, MetricsBenchmark.self, MetricsServer.self,
            SubscriptionsBenchmark.self, PayoutsBenchmark.self, DigestsBenchmark.self, WebhooksBenchmark.self,
            WebhookReceiverCommand.self,
        ])
}
