import NIOCore
import Synchronization

/// Faults the sandbox injects into Apple's paths (never the control API or the web page):
/// latency, HTTP 5xx, 429 with Retry-After, hanging past the client's timeout, and truncated
/// or corrupt gzip report bodies, and listings of accounts (`Sales.getAccounts`) answered with HTTP
/// 200 and an empty `<Accounts/>` or an HTML maintenance page, as Apple's servers have answered.
/// Rates are probabilities 0...1, drawn from a seeded generator.
package struct FaultSettings: Sendable, Equatable, Codable {
    package var errorRate: Double = 0
    package var rateLimitRate: Double = 0
    package var timeoutRate: Double = 0
    package var truncateRate: Double = 0
    package var corruptRate: Double = 0
    /// `Sales.getAccounts` answered 200 with `<Accounts/>`, whoever asks.
    package var emptyListingRate: Double = 0
    /// `Sales.getAccounts` answered 200 with an HTML maintenance page.
    package var htmlRate: Double = 0
    package var latencyMs: Int = 0
    /// The `Retry-After` of injected 429s.
    package var retryAfterSeconds: Int = 1
    /// How long a "timeout" hangs before answering 504 (longer than the client waits).
    package var timeoutSeconds: Double = 30

    package init(
        errorRate: Double = 0, rateLimitRate: Double = 0, timeoutRate: Double = 0, truncateRate: Double = 0,
        corruptRate: Double = 0, emptyListingRate: Double = 0, htmlRate: Double = 0, latencyMs: Int = 0,
        retryAfterSeconds: Int = 1, timeoutSeconds: Double = 30
    ) {
        self.errorRate = errorRate
        self.rateLimitRate = rateLimitRate
        self.timeoutRate = timeoutRate
        self.truncateRate = truncateRate
        self.corruptRate = corruptRate
        self.emptyListingRate = emptyListingRate
        self.htmlRate = htmlRate
        self.latencyMs = latencyMs
        self.retryAfterSeconds = retryAfterSeconds
        self.timeoutSeconds = timeoutSeconds
    }

    /// Absent fields keep their defaults, so `{}` clears every fault.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        errorRate = try container.decodeIfPresent(Double.self, forKey: .errorRate) ?? 0
        rateLimitRate = try container.decodeIfPresent(Double.self, forKey: .rateLimitRate) ?? 0
        timeoutRate = try container.decodeIfPresent(Double.self, forKey: .timeoutRate) ?? 0
        truncateRate = try container.decodeIfPresent(Double.self, forKey: .truncateRate) ?? 0
        corruptRate = try container.decodeIfPresent(Double.self, forKey: .corruptRate) ?? 0
        emptyListingRate = try container.decodeIfPresent(Double.self, forKey: .emptyListingRate) ?? 0
        htmlRate = try container.decodeIfPresent(Double.self, forKey: .htmlRate) ?? 0
        latencyMs = try container.decodeIfPresent(Int.self, forKey: .latencyMs) ?? 0
        retryAfterSeconds = try container.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? 1
        timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 30
    }

    /// A sentence naming the first invalid field, or `nil`.
    package var problem: String? {
        let rates = [
            ("errorRate", errorRate), ("rateLimitRate", rateLimitRate), ("timeoutRate", timeoutRate),
            ("truncateRate", truncateRate), ("corruptRate", corruptRate), ("emptyListingRate", emptyListingRate),
            ("htmlRate", htmlRate),
        ]
        if let bad = rates.first(where: { !(0...1).contains($0.1) }) { return "\(bad.0) must be between 0 and 1." }
        if latencyMs < 0 || latencyMs > 600_000 { return "latencyMs must be between 0 and 600000." }
        if retryAfterSeconds < 0 { return "retryAfterSeconds must not be negative." }
        if timeoutSeconds < 0 || timeoutSeconds > 3600 { return "timeoutSeconds must be between 0 and 3600." }
        return nil
    }
}

/// What to do to one request.
struct FaultDecision: Sendable {
    enum Refusal: Sendable { case timeout, serverError, rateLimit }
    enum Damage: Sendable { case truncate, corrupt }

    var latencyMs = 0
    var refusal: Refusal?
    var damage: Damage?
}

/// A listing of accounts answered wrongly with HTTP 200.
enum ListingGlitch: Sendable { case empty, html }

/// Holds the fault settings and draws decisions from them.
package final class FaultInjector: Sendable {
    private let state: Mutex<(settings: FaultSettings, random: SeededGenerator, decided: Int)>

    package init(_ settings: FaultSettings = FaultSettings(), seed: UInt64 = 1) {
        state = Mutex((settings, SeededGenerator(seed, 0xFA17), 0))
    }

    /// Requests to Apple's interfaces answered so far (each one asked for a decision): what a
    /// benchmark counts when the clients are other processes.
    package var requests: Int { state.withLock { $0.decided } }

    package var settings: FaultSettings {
        get { state.withLock { $0.settings } }
        set { state.withLock { $0.settings = newValue } }
    }

    func decide() -> FaultDecision {
        state.withLock { state in
            state.decided += 1
            let settings = state.settings
            var decision = FaultDecision(latencyMs: settings.latencyMs)
            if state.random.chance(settings.timeoutRate) {
                decision.refusal = .timeout
            } else if state.random.chance(settings.errorRate) {
                decision.refusal = .serverError
            } else if state.random.chance(settings.rateLimitRate) {
                decision.refusal = .rateLimit
            } else if state.random.chance(settings.truncateRate) {
                decision.damage = .truncate
            } else if state.random.chance(settings.corruptRate) {
                decision.damage = .corrupt
            }
            return decision
        }
    }

    /// How a listing of accounts is spoiled this time, if it is.
    func listingGlitch() -> ListingGlitch? {
        state.withLock { state in
            if state.random.chance(state.settings.emptyListingRate) { return .empty }
            if state.random.chance(state.settings.htmlRate) { return .html }
            return nil
        }
    }

    /// The damage decided for the report body being served by the current request.
    @TaskLocal static var pendingDamage: FaultDecision.Damage?

    /// `body` as the current request's fault wants it: cut in half, or with bytes flipped in
    /// the middle of the deflate stream (the gzip header stays, so it still looks like gzip).
    static func damaged(_ body: ByteBuffer) -> ByteBuffer {
        guard let damage = pendingDamage, body.readableBytes > 20 else { return body }
        var bytes = Array(body.readableBytesView)
        switch damage {
        case .truncate:
            bytes.removeLast(bytes.count / 2)
        case .corrupt:
            let middle = bytes.count / 2
            for index in middle..<min(middle + 16, bytes.count - 8) { bytes[index] ^= 0x5A }
        }
        return ByteBuffer(bytes: bytes)
    }
}
