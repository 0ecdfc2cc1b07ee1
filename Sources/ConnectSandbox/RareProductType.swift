/// Product type identifiers the generator emits now and then, so every classification path of
/// Orchard's parser is exercised end to end: Apple's identifiers the ordinary lines never use,
/// and plausible future ones that Orchard must bucket by prefix (docs/REPORTS.md, Product types and buckets).
struct RareProductType: Sendable {
    let identifier: String
    /// What the line stands for: decides its price, product and parent, not its identifier.
    let kind: SaleLine.Kind

    /// Index + 1 is a line's `variant`.
    static let all: [RareProductType] = [
        .init("1-B", .download), .init("F1-B", .download), .init("1E", .download), .init("1EP", .download),
        .init("1EU", .download), .init("FI1", .purchase), .init("IA3", .restore),
        // not in Apple's table (yet): downloads, updates, restores, in-app purchases, other
        .init("1X", .download), .init("F7-B", .update), .init("IA3-M", .restore), .init("IAZ", .purchase),
        .init("Q9", .other),
    ]

    private init(_ identifier: String, _ kind: SaleLine.Kind) {
        self.identifier = identifier
        self.kind = kind
    }
}
