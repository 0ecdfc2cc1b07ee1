import Testing

@testable import SalesReports

@Suite struct SubscriptionReportTests {
    static func write(_ kind: ReportKind, _ given: [[String: String]]) throws -> [UInt8] {
        let writer = ReportWriter(kind: kind, gzip: true)
        for values in given { try writer.write(values: writer.columns.map { values[$0] ?? "" }) }
        return try writer.finish()
    }

    @Test func readsSubscriptionReport() throws {
        // given
        let bytes = try Self.write(
            .subscription,
            [
                [
                    "App Name": "Orchard", "App Apple ID": "1", "Subscription Name": "Pro",
                    "Subscription Apple ID": "2",
                    "Customer Price": "4.99", "Customer Currency": "USD", "Developer Proceeds": "3.49",
                    "Proceeds Currency": "USD", "Country": "US", "Active Standard Price Subscriptions": "120",
                    "Billing Retry": "3",
                ]
            ])

        // when
        let reader = try ReportReader(bytes: bytes, file: "sub.txt.gz")
        let row = try #require(try reader.nextSubscriptionRow())

        // then
        #expect(reader.kind == .subscription)
        #expect(row.activeStandardPriceSubscriptions == 120)
        #expect(row.developerProceeds == DecimalAmount("3.49"))
        #expect(row.record.integer("Billing Retry") == 3)
        #expect(row.record.integer("Grace Period") == nil)
        #expect(try reader.nextSubscriptionRow() == nil)
    }

    @Test func readsSubscriptionEventReportWithISODates() throws {
        // given
        let bytes = try Self.write(
            .subscriptionEvent,
            [
                [
                    "Event Date": "2020-10-05", "Event": "Renew", "App Apple ID": "1", "Subscription Apple ID": "2",
                    "Country": "RU", "Quantity": "4", "Original Start Date": "2020-09-28",
                ]
            ])

        // when
        let reader = try ReportReader(bytes: bytes, file: "events.txt")
        let row = try #require(try reader.nextSubscriptionEventRow())

        // then
        #expect(row.eventDate == ReportDate(year: 2020, month: 10, day: 5))
        #expect(row.event == "Renew")
        #expect(row.quantity == 4)
        #expect(row.record.date("Original Start Date") == ReportDate(year: 2020, month: 9, day: 28))
    }

    @Test func readsSubscriberReport() throws {
        // given
        let bytes = try Self.write(
            .subscriber,
            [
                [
                    "Event Date": "2020-10-05", "App Apple ID": "1", "Subscriber ID": "abc123",
                    "Customer Price": "2.99",
                    "Developer Proceeds": "2.09", "Proceeds Currency": "EUR", "Country": "DE", "Refund": "Yes",
                    "Units": "-1",
                ]
            ])

        // when
        let reader = try ReportReader(bytes: bytes, file: "subscriber.txt")
        let row = try #require(try reader.nextSubscriberRow())

        // then
        #expect(row.subscriberID == "abc123")
        #expect(row.units == -1)
        #expect(row.refund == "Yes")
    }

    @Test func badCountInASubscriptionReportIsLocated() throws {
        // given
        let bytes = try Self.write(
            .subscriptionEvent,
            [
                [
                    "Event Date": "2020-10-05", "Event": "Renew", "App Apple ID": "1", "Country": "RU",
                    "Quantity": "four",
                ]
            ])

        // when
        let error = Read.error {
            let reader = try ReportReader(bytes: bytes, file: "events.txt")
            _ = try reader.nextSubscriptionEventRow()
        }

        // then
        #expect(error?.description == "events.txt:2:28: 'four' is not a whole number in column 'Quantity'")
    }

    @Test func summarizeRefusesSubscriptionReportsClearly() throws {
        // given
        let bytes = try Self.write(.subscriber, [])

        // when
        let error = Read.error { _ = try Read.fastSummary([("subscriber.txt", bytes)]) }

        // then
        #expect(error?.reason == .wrongKind)
        #expect(error?.line == 1)
    }
}
