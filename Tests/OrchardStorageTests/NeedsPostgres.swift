import OrchardTestSupport
import Testing

extension Trait where Self == ConditionTrait {
    /// The one place a test is declared optional: it needs PostgreSQL itself (its row locks, a
    /// barrier only it can show). Without PostgreSQL (`scripts/test --quick`) it is skipped and
    /// `scripts/test` counts the skip in its summary; the full run has PostgreSQL and fails on a skip.
    static var needsPostgres: Self {
        .enabled(
            if: TestBackend.available.contains(.postgres),
            "needs PostgreSQL: scripts/test starts one, scripts/test --quick runs without")
    }
}
