/// An exact signed decimal number with six fractional digits, stored as a count of millionths.
///
/// Apple's report files carry prices and proceeds with at most a few decimals (`209.30`, `0`,
/// `-85.43`); six digits keep every such value exact. Money is never held in binary floating
/// point: sums and products by whole units are exact, overflow is reported rather than trapped,
/// and rounding happens only when rendering (``formatted(fractionDigits:)``).
public struct DecimalAmount: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The number of fractional digits kept exactly.
    public static let scale = 6
    static let one: Int128 = 1_000_000

    /// The value as a whole number of millionths (`1.5` is `1_500_000`).
    public let millionths: Int128

    /// Zero.
    public static let zero = DecimalAmount(millionths: 0)

    /// Creates a value from a count of millionths.
    public init(millionths: Int128) {
        self.millionths = millionths
    }

    /// Creates a whole-number value.
    public init(_ whole: Int64) {
        self.millionths = Int128(whole) * Self.one
    }

    /// Parses a plain decimal such as `-85.43`, `0`, `2950.00` or `.5` (no exponent, no thousands
    /// separator, at most six fractional digits and twelve integer digits); `nil` otherwise.
    public init?(_ text: some StringProtocol) {
        var utf8 = Array(text.utf8)
        guard
            let value = utf8.withUnsafeMutableBytes({ FieldParser.decimalMillionths(UnsafeRawBufferPointer($0)) })
        else { return nil }
        self.millionths = Int128(value)
    }

    /// `true` when the value is exactly zero.
    public var isZero: Bool { millionths == 0 }

    /// The sum, or `nil` when it does not fit.
    public func adding(_ other: DecimalAmount) -> DecimalAmount? {
        let (sum, overflow) = millionths.addingReportingOverflow(other.millionths)
        return overflow ? nil : DecimalAmount(millionths: sum)
    }

    /// The absolute value. Apple writes a refund's Customer Price negative and its Developer
    /// Proceeds positive, so money is `Units × |per-unit amount|`: the sign comes from Units alone.
    public var magnitude: DecimalAmount { DecimalAmount(millionths: millionths < 0 ? -millionths : millionths) }

    /// The amount of `units` at this per-unit amount, signed by `units` alone (docs/REPORTS.md,
    /// Money): `units × |self|`, or `nil` when it does not fit.
    public func extended(units: Int64) -> DecimalAmount? { magnitude.multiplied(by: units) }

    /// The product by a whole number of units (a per-unit price times `Units`), or `nil` when it
    /// does not fit.
    public func multiplied(by units: Int64) -> DecimalAmount? {
        let (product, overflow) = millionths.multipliedReportingOverflow(by: Int128(units))
        return overflow ? nil : DecimalAmount(millionths: product)
    }

    /// The value rounded half-to-even to `fractionDigits` digits (0...6), e.g. `"12.34"`, `"-0.50"`.
    public func formatted(fractionDigits: Int = 2) -> String {
        let digits = min(max(fractionDigits, 0), Self.scale)
        var divisor: Int128 = 1
        for _ in 0..<(Self.scale - digits) { divisor *= 10 }
        let magnitude = millionths.magnitude
        var quotient = magnitude / UInt128(divisor)
        let remainder = magnitude % UInt128(divisor)
        let twice = remainder * 2
        if twice > UInt128(divisor) || (twice == UInt128(divisor) && quotient % 2 == 1) {
            quotient += 1
        }
        return Self.render(magnitude: quotient, negative: millionths < 0 && quotient != 0, fractionDigits: digits)
    }

    /// The exact value with at least two fractional digits and no superfluous trailing zeros
    /// beyond them, e.g. `"209.30"`, `"0.125"`, `"-85.43"`.
    public var description: String {
        var digits = Self.scale
        var magnitude = millionths.magnitude
        while digits > 2 && magnitude % 10 == 0 {
            magnitude /= 10
            digits -= 1
        }
        return Self.render(magnitude: magnitude, negative: millionths < 0, fractionDigits: digits)
    }

    private static func render(magnitude: UInt128, negative: Bool, fractionDigits: Int) -> String {
        var text = String(magnitude)
        if fractionDigits > 0 {
            if text.count <= fractionDigits {
                text = String(repeating: "0", count: fractionDigits - text.count + 1) + text
            }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -fractionDigits))
        }
        return negative ? "-" + text : text
    }

    /// Orders by numeric value.
    public static func < (lhs: DecimalAmount, rhs: DecimalAmount) -> Bool {
        lhs.millionths < rhs.millionths
    }
}
