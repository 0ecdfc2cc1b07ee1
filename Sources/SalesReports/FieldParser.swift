/// Byte-level parsers for the field types of Apple's reports. Every function takes the field's
/// bytes already trimmed of placeholder spaces and returns `nil` when the text is not valid.
enum FieldParser {
    /// A whole number with an optional sign and at most 18 digits, in integer or integral decimal
    /// form: Apple types Units as DECIMAL(18,2), so `3`, `3.00`, `-2.0` and `3.` are whole numbers,
    /// while `2.5` is not (docs/REPORTS.md, File format).
    @inline(__always)
    static func integer(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        let count = bytes.count
        guard count > 0 else { return nil }
        var negative = false
        let first = bytes[0]
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            index = 1
        }
        let start = index
        var value: Int64 = 0
        while index < count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            value = value &* 10 &+ Int64(digit)
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits <= 18 else { return nil }
        if index < count {
            // An integral decimal: a point followed by zeros only.
            guard bytes[index] == UInt8(ascii: ".") else { return nil }
            index += 1
            while index < count {
                guard bytes[index] == UInt8(ascii: "0") else { return nil }
                index += 1
            }
        }
        return negative ? -value : value
    }

    /// A plain decimal (`-85.43`, `0`, `12.`, `.5`) as a count of millionths: at most 12 integer
    /// digits and 6 fractional digits, so the result always fits in `Int64`.
    @inline(__always)
    static func decimalMillionths(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        guard count > 0 else { return nil }
        var index = 0
        var negative = false
        let first = bytes[0]
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            index = 1
        }
        var value: Int64 = 0
        var integerDigits = 0
        while index < count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            value = value &* 10 &+ Int64(digit)
            integerDigits += 1
            index += 1
        }
        guard integerDigits <= 12 else { return nil }
        var fractionDigits = 0
        if index < count {
            guard bytes[index] == UInt8(ascii: ".") else { return nil }
            index += 1
            while index < count {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10, fractionDigits < 6 else { return nil }
                value = value &* 10 &+ Int64(digit)
                fractionDigits += 1
                index += 1
            }
        }
        guard integerDigits + fractionDigits > 0 else { return nil }
        while fractionDigits < 6 {
            value = value &* 10
            fractionDigits += 1
        }
        return negative ? -value : value
    }

    /// `MM/DD/YYYY` or `YYYY-MM-DD`.
    static func date(_ bytes: UnsafeRawBufferPointer) -> ReportDate? {
        guard bytes.count == 10 else { return nil }
        func number(_ from: Int, _ length: Int) -> Int? {
            var value = 0
            for index in from..<(from + length) {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        if bytes[2] == UInt8(ascii: "/") && bytes[5] == UInt8(ascii: "/") {
            guard let month = number(0, 2), let day = number(3, 2), let year = number(6, 4) else { return nil }
            return ReportDate(year: year, month: month, day: day)
        }
        if bytes[4] == UInt8(ascii: "-") && bytes[7] == UInt8(ascii: "-") {
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2) else { return nil }
            return ReportDate(year: year, month: month, day: day)
        }
        return nil
    }

    /// The bytes without leading and trailing ASCII spaces (Apple's `" "` placeholder for blank).
    @inline(__always)
    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end && bytes[start] == 0x20 { start += 1 }
        while end > start && bytes[end - 1] == 0x20 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// `true` when `count` bytes at `left` and `right` are equal; inlined, because the keys
    /// compared on the hot path are a few bytes long and a call to `memcmp` costs more.
    @inline(__always)
    static func bytesEqual(_ left: UnsafeRawPointer, _ right: UnsafeRawPointer, _ count: Int) -> Bool {
        var index = 0
        while index + 8 <= count {
            guard
                left.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    == right.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            else { return false }
            index += 8
        }
        while index < count {
            guard left.load(fromByteOffset: index, as: UInt8.self) == right.load(fromByteOffset: index, as: UInt8.self)
            else { return false }
            index += 1
        }
        return true
    }

    /// `true` when the bytes are well-formed UTF-8.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            // Skip ASCII eight bytes at a time.
            while index + 8 <= count
                && bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
            }
            guard index < count else { break }
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return false
            }
            let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
            var scalar = UInt32(lead & (0xFF >> (length + 1)))
            guard index + length <= count else { return false }
            for offset in 1..<length {
                let next = bytes[index + offset]
                guard next & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
            index += length
        }
        return true
    }
}
