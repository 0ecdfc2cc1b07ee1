#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Splits a byte stream into lines and tab-separated fields without copying them: the current
/// line's fields are offsets into one reusable buffer, valid until the next ``nextLine()``.
///
/// Accepts `\n` and `\r\n` line ends and a UTF-8 byte order mark. Memory is bounded by the
/// chunk size plus the longest line (at most ``maximumLineLength``). A struct, so that hot
/// loops keep it in a local variable (no exclusivity checks per access); the owner calls
/// ``deallocate()`` once.
struct TSVScanner {
    /// Longer lines are refused as binary junk rather than buffered without bound.
    static let maximumLineLength = 4 << 20

    private let source: any ByteSource
    private var storage: UnsafeMutableRawBufferPointer
    private var dataStart = 0
    private var dataEnd = 0
    private var searchFrom = 0
    private var sourceEnded = false

    /// The 1-based number of the current line (0 before the first).
    private(set) var lineNumber = 0
    /// Offsets of the current line in the buffer.
    private(set) var lineStart = 0
    private(set) var lineEnd = 0
    /// `fieldStarts[i]` is the offset of field `i`; `fieldStarts[fieldCount]` is `lineEnd + 1`.
    private(set) var fieldStarts: UnsafeMutablePointer<Int>
    private var fieldCapacity = 64
    /// The number of fields of the current line.
    private(set) var fieldCount = 0
    /// `true` when the current line has only ASCII bytes.
    private(set) var lineIsASCII = true

    /// `true` to drop a UTF-8 byte order mark at the start of line 1 (not for a scanner that
    /// starts in the middle of a file).
    private let stripsByteOrderMark: Bool

    init(source: any ByteSource, chunkSize: Int = 1 << 20, stripsByteOrderMark: Bool = true) {
        self.source = source
        self.stripsByteOrderMark = stripsByteOrderMark
        self.storage = .allocate(byteCount: max(chunkSize, 64), alignment: 16)
        self.fieldStarts = .allocate(capacity: fieldCapacity + 1)
    }

    /// Frees the buffers; the scanner (and every copy of it) must not be used afterwards.
    func deallocate() {
        storage.deallocate()
        fieldStarts.deallocate()
    }

    /// The buffer's base address; field offsets are relative to it.
    @inline(__always)
    var base: UnsafePointer<UInt8> {
        UnsafePointer(storage.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    /// The bytes of field `index` of the current line, untrimmed.
    @inline(__always)
    func field(_ index: Int) -> UnsafeRawBufferPointer {
        let start = fieldStarts[index]
        return UnsafeRawBufferPointer(start: base + start, count: fieldStarts[index + 1] - 1 - start)
    }

    /// The bytes of the current line (without its line end).
    var line: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + lineStart, count: lineEnd - lineStart)
    }

    /// Advances to the next line; `false` at the end of the data.
    @inline(__always)
    mutating func nextLine() throws(SourceFailure) -> Bool {
        while true {
            let raw = storage.baseAddress!
            if searchFrom < dataEnd, let found = memchr(raw + searchFrom, 0x0A, dataEnd - searchFrom) {
                lineStart = dataStart
                lineEnd = raw.distance(to: found)
                dataStart = lineEnd + 1
                searchFrom = dataStart
                break
            }
            searchFrom = dataEnd
            if sourceEnded {
                guard dataStart < dataEnd else { return false }
                lineStart = dataStart
                lineEnd = dataEnd
                dataStart = dataEnd
                break
            }
            try refill()
        }
        lineNumber += 1
        if lineEnd > lineStart && base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        if lineNumber == 1 && stripsByteOrderMark && lineEnd - lineStart >= 3 && base[lineStart] == 0xEF
            && base[lineStart + 1] == 0xBB
            && base[lineStart + 2] == 0xBF
        {
            lineStart += 3
        }
        splitFields()
        return true
    }

    private mutating func refill() throws(SourceFailure) {
        if dataStart > 0 {
            let pending = dataEnd - dataStart
            if pending > 0 {
                storage.baseAddress!.copyMemory(from: storage.baseAddress! + dataStart, byteCount: pending)
            }
            dataEnd = pending
            searchFrom -= dataStart
            dataStart = 0
        }
        if dataEnd == storage.count {
            guard storage.count < TSVScanner.maximumLineLength else {
                throw SourceFailure(
                    reason: .lineTooLong,
                    message: "line is longer than \(TSVScanner.maximumLineLength >> 20) MiB; not a report file")
            }
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: storage.count * 2, alignment: 16)
            larger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: dataEnd)
            storage.deallocate()
            storage = larger
        }
        let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[dataEnd...]))
        if count == 0 { sourceEnded = true }
        dataEnd += count
    }

    /// Records where each field starts: sixteen bytes at a time with SSE2 on x86-64 (one compare
    /// and one mask per block), else eight at a time with a branch-free zero-byte test, then the
    /// remaining bytes one by one.
    @inline(__always)
    private mutating func splitFields() {
        let bytes = base
        var position = lineStart
        let end = lineEnd
        var count = 1
        var starts = fieldStarts
        starts[0] = position
        var highBits: UInt64 = 0
        #if arch(x86_64)
        // A block may read past the line's end (never past the buffer); those bytes are masked off.
        let tab = _mm_set1_epi8(0x09)
        var high: UInt32 = 0
        let limit = storage.count - 16
        while position < end && position <= limit {
            if count + 16 >= fieldCapacity {
                growFields()
                starts = fieldStarts
            }
            let block = unsafeBitCast(
                UnsafeRawPointer(bytes + position).loadUnaligned(as: SIMD16<UInt8>.self), to: __m128i.self)
            let keep: UInt32 = end - position >= 16 ? 0xFFFF : (1 << UInt32(end - position)) - 1
            var tabs = UInt32(truncatingIfNeeded: _mm_movemask_epi8(_mm_cmpeq_epi8(block, tab))) & keep
            high |= UInt32(truncatingIfNeeded: _mm_movemask_epi8(block)) & keep
            // Wrapping arithmetic: offsets and counts stay far below `Int.max`, and the checks
            // were a fifth of this loop's time.
            while tabs != 0 {
                starts[count] = position &+ tabs.trailingZeroBitCount &+ 1
                count &+= 1
                tabs &= tabs &- 1
            }
            position &+= 16
        }
        if high != 0 { highBits = 0x80 }
        #endif
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        while position + 8 <= end {
            if count + 8 >= fieldCapacity {
                growFields()
                starts = fieldStarts
            }
            let word = UnsafeRawPointer(bytes + position).loadUnaligned(as: UInt64.self)
            highBits |= word
            let tabs = word ^ 0x0909_0909_0909_0909
            var found = ~(((tabs & low7) &+ low7) | tabs | low7)
            while found != 0 {
                starts[count] = position &+ (found.trailingZeroBitCount &>> 3) &+ 1
                count &+= 1
                found &= found &- 1
            }
            position += 8
        }
        if count + 8 >= fieldCapacity {
            growFields()
            starts = fieldStarts
        }
        while position < end {
            let byte = bytes[position]
            highBits |= UInt64(byte)
            position += 1
            if byte == 0x09 {
                starts[count] = position
                count += 1
            }
        }
        starts[count] = end + 1
        fieldCount = count
        lineIsASCII = highBits & 0x8080_8080_8080_8080 == 0
    }

    private mutating func growFields() {
        let larger = UnsafeMutablePointer<Int>.allocate(capacity: fieldCapacity * 2 + 1)
        larger.update(from: fieldStarts, count: fieldCapacity + 1)
        fieldStarts.deallocate()
        fieldStarts = larger
        fieldCapacity *= 2
    }
}
