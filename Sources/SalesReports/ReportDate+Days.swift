extension ReportDate {
    /// The day `dayNumber` days after 1970-01-01 (proleptic Gregorian, Howard Hinnant's civil-from-days).
    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01 (negative before it).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 0 for Sunday through 6 for Saturday.
    public var weekday: Int {
        ((dayNumber + 4) % 7 + 7) % 7
    }

    /// The day `days` later (earlier when negative).
    public func adding(days: Int) -> ReportDate {
        ReportDate(dayNumber: dayNumber + days)
    }

    /// The Sunday that ends the Monday-to-Sunday week of this day: how Apple names weekly reports.
    public var sundayEndingWeek: ReportDate {
        adding(days: (7 - weekday) % 7)
    }

    /// `YYYYMMDD`, as Reporter requests and report file names write days.
    public var compactText: String {
        String(year * 10_000 + month * 100 + day)
    }
}
