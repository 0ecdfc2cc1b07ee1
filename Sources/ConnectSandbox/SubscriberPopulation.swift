import SalesReports
import Synchronization

/// The subscribers of one auto-renewable product in one storefront, simulated day by day from the
/// account's seed (docs/SANDBOX.md, Subscribers). Every subscription figure the sandbox serves comes
/// from here: the Subscription report (the counts at the end of a day), the Subscription Event
/// report and the Subscriber report (the day's events and transactions) and the Summary Sales
/// report's subscription rows (the day's paid transactions), so the four always agree.
///
/// The life of a subscriber: a start (a free trial, an offer code's free month, or paid at once);
/// at the end of a trial a conversion to paid or a cancellation; at the end of each paid period a
/// renewal, a cancellation (some come back twenty days later: a reactivation) or a failed charge.
/// A failed charge enters a grace period of six days, then billing retry: recovered at the end of
/// the grace period or ten days into the retry, else canceled from billing retry. Some new paid
/// subscribers ask for a refund the same day. After a year of paid service a subscriber's renewals
/// earn Apple's higher "Rate After One Year".
struct SubscriberPopulation: Sendable {
    /// One day of one product in one storefront: the counts at the end of the day, and its events.
    struct Day: Sendable, Equatable {
        /// Paid subscribers in their first year of paid service (standard price).
        var paid: Int32 = 0
        /// Paid subscribers past a year of paid service ("Rate After One Year").
        var paidAfterYear: Int32 = 0
        /// In an introductory free trial.
        var trials: Int32 = 0
        /// In an offer code's free month.
        var offerTrials: Int32 = 0
        var grace: Int32 = 0
        var retry: Int32 = 0

        /// `Subscribe`: paid at once.
        var subscribe: Int32 = 0
        /// `Start Introductory Offer` with offer type `Free Trial`.
        var trialStarts: Int32 = 0
        /// `Start Offer Code` with offer type `Free Trial`.
        var offerStarts: Int32 = 0
        /// `Paid Subscription from Introductory Offer`, from trials started `trialDays` before.
        var convertedTrials: Int32 = 0
        /// `Paid Subscription from Offer Code`, from offer months started `offerDays` before.
        var convertedOffers: Int32 = 0
        /// `Reactivate`: subscribers who canceled twenty days before, paying again.
        var reactivations: Int32 = 0
        /// `Renew` at the first-year rate, and after a year of paid service.
        var renewals: Int32 = 0
        var renewalsAfterYear: Int32 = 0
        /// `Renewal from Billing Retry` at the first-year rate, and after a year of paid service.
        var recovered: Int32 = 0
        var recoveredAfterYear: Int32 = 0
        /// `Cancel` of a paid subscription at the end of its period.
        var cancels: Int32 = 0
        /// `Cancel` with offer type `Free Trial`: a trial, or an offer code's free month, that ended unpaid.
        var trialCancels: Int32 = 0
        var offerCancels: Int32 = 0
        /// `Billing Retry from Paid Subscription`: a failed charge (into the grace period).
        var toBillingRetry: Int32 = 0
        /// `Canceled from Billing Retry`.
        var canceledFromRetry: Int32 = 0
        /// `Refund`: a new paid subscriber refunded (and gone) the day they paid.
        var refunds: Int32 = 0

        /// Every paid subscriber, both rates.
        var allPaid: Int32 { paid + paidAfterYear }

        /// The change in paid subscribers the day's events make, as the simulation defines them.
        var paidChange: Int32 {
            subscribe + convertedTrials + convertedOffers + reactivations + recovered + recoveredAfterYear - cancels
                - toBillingRetry - refunds
        }

        /// The paid transactions of the day: new (first payments) and renewals at either rate.
        var newPayments: Int32 { subscribe + convertedTrials + convertedOffers + reactivations }
        var firstYearRenewals: Int32 { renewals + recovered }
        var afterYearRenewals: Int32 { renewalsAfterYear + recoveredAfterYear }
    }

    static let trialDays = 7
    static let offerDays = 30
    static let graceDays = 6
    static let retryRecoveryDays = 10
    static let retryGiveUpDays = 54
    static let reactivationDays = 20

    /// The simulation's state between days.
    struct Simulator: Sendable {
        let periodDays: Int
        /// Paid periods in a year: after this many, renewals earn the higher rate.
        let yearPeriods: Int
        let trialRate: Double
        let firstChurn: Double
        let laterChurn: Double
        var day = Day()
        /// Paid subscribers whose period ends on a day, by the number of periods they started
        /// (1...yearPeriods + 1, the last meaning "past a year").
        var due: [Int: [Int32]] = [:]
        var graceEnds: [Int: [Int32]] = [:]
        var retryRecoveries: [Int: [Int32]] = [:]
        var retryGiveUps: [Int: Int32] = [:]
        var trialEnds: [Int: Int32] = [:]
        var offerEnds: [Int: Int32] = [:]
        var comebacks: [Int: Int32] = [:]

        init(periodDays: Int) {
            self.periodDays = periodDays
            yearPeriods = max(1, 365 / periodDays)
            let monthlyOrShorter = periodDays <= 31
            trialRate = monthlyOrShorter ? 0.55 : 0.4
            firstChurn = monthlyOrShorter ? 0.12 : 0.35
            laterChurn = monthlyOrShorter ? 0.06 : 0.2
        }

        private func isAfterYear(_ periods: Int) -> Bool { periods > yearPeriods }

        private mutating func addPaid(_ count: Int32, periods: Int, on dayNumber: Int) {
            guard count > 0 else { return }
            if isAfterYear(periods) { day.paidAfterYear += count } else { day.paid += count }
            due[dayNumber + periodDays, default: Array(repeating: 0, count: yearPeriods + 2)][periods] += count
        }

        private mutating func removePaid(_ count: Int32, periods: Int) {
            if isAfterYear(periods) { day.paidAfterYear -= count } else { day.paid -= count }
        }

        /// Moves the simulation to `dayNumber` with `expectedStarts` new subscribers expected.
        mutating func step(_ dayNumber: Int, expectedStarts: Double, random: inout SeededGenerator) {
            var next = Day()
            (next.paid, next.paidAfterYear) = (day.paid, day.paidAfterYear)
            (next.trials, next.offerTrials, next.grace, next.retry) = (
                day.trials, day.offerTrials, day.grace, day.retry
            )
            day = next
            let slots = yearPeriods + 2

            // Periods that end today: cancel, fail to charge, or renew.
            if let ending = due.removeValue(forKey: dayNumber) {
                for periods in 1..<slots where ending[periods] > 0 {
                    let count = ending[periods]
                    let cancels = random.share(count, periods == 1 ? firstChurn : laterChurn)
                    let failed = random.share(count - cancels, 0.04)
                    let renewed = count - cancels - failed
                    removePaid(cancels + failed + renewed, periods: periods)
                    day.cancels += cancels
                    comebacks[dayNumber + SubscriberPopulation.reactivationDays, default: 0] += cancels
                    day.toBillingRetry += failed
                    day.grace += failed
                    graceEnds[dayNumber + SubscriberPopulation.graceDays, default: Array(repeating: 0, count: slots)][
                        periods] += failed
                    let renewedPeriods = min(periods + 1, yearPeriods + 1)
                    if isAfterYear(renewedPeriods) { day.renewalsAfterYear += renewed } else { day.renewals += renewed }
                    addPaid(renewed, periods: renewedPeriods, on: dayNumber)
                }
            }
            // Grace periods that end today: recovered, or into billing retry.
            if let ending = graceEnds.removeValue(forKey: dayNumber) {
                for periods in 1..<slots where ending[periods] > 0 {
                    let count = ending[periods]
                    day.grace -= count
                    let recovered = random.share(count, 0.5)
                    recover(recovered, periods: periods, on: dayNumber)
                    let retrying = count - recovered
                    day.retry += retrying
                    let later = random.share(retrying, 0.3)
                    retryRecoveries[
                        dayNumber + SubscriberPopulation.retryRecoveryDays, default: Array(repeating: 0, count: slots)][
                            periods] += later
                    retryGiveUps[dayNumber + SubscriberPopulation.retryGiveUpDays, default: 0] += retrying - later
                }
            }
            if let recovering = retryRecoveries.removeValue(forKey: dayNumber) {
                for periods in 1..<slots where recovering[periods] > 0 {
                    day.retry -= recovering[periods]
                    recover(recovering[periods], periods: periods, on: dayNumber)
                }
            }
            if let giving = retryGiveUps.removeValue(forKey: dayNumber) {
                day.retry -= giving
                day.canceledFromRetry += giving
            }
            // Free months that end today: paid, or canceled.
            if let ending = trialEnds.removeValue(forKey: dayNumber) {
                let converted = random.share(ending, 0.5)
                day.trials -= ending
                day.convertedTrials += converted
                day.trialCancels += ending - converted
                addPaid(converted, periods: 1, on: dayNumber)
            }
            if let ending = offerEnds.removeValue(forKey: dayNumber) {
                let converted = random.share(ending, 0.35)
                day.offerTrials -= ending
                day.convertedOffers += converted
                day.offerCancels += ending - converted
                addPaid(converted, periods: 1, on: dayNumber)
            }
            if let canceled = comebacks.removeValue(forKey: dayNumber) {
                let back = random.share(canceled, 0.08)
                day.reactivations += back
                addPaid(back, periods: 1, on: dayNumber)
            }
            // New subscribers.
            let starts = Int32(clamping: random.count(expected: expectedStarts))
            let trials = random.share(starts, trialRate)
            let offers = random.share(starts - trials, 0.05)
            let subscribed = starts - trials - offers
            day.trialStarts += trials
            day.trials += trials
            trialEnds[dayNumber + SubscriberPopulation.trialDays, default: 0] += trials
            day.offerStarts += offers
            day.offerTrials += offers
            offerEnds[dayNumber + SubscriberPopulation.offerDays, default: 0] += offers
            let refunded = random.share(subscribed, 0.02)
            day.subscribe += subscribed
            day.refunds += refunded
            addPaid(subscribed - refunded, periods: 1, on: dayNumber)
            // The refunded paid and are gone the same day: their payment is in the day's sales.
        }

        private mutating func recover(_ count: Int32, periods: Int, on dayNumber: Int) {
            guard count > 0 else { return }
            let renewedPeriods = min(periods + 1, yearPeriods + 1)
            if isAfterYear(renewedPeriods) { day.recoveredAfterYear += count } else { day.recovered += count }
            addPaid(count, periods: renewedPeriods, on: dayNumber)
        }
    }
}

extension SeededGenerator {
    /// About `fraction` of `count`: the expected share, its fraction settled by a Bernoulli trial.
    mutating func share(_ count: Int32, _ fraction: Double) -> Int32 {
        guard count > 0 else { return 0 }
        return min(count, Int32(clamping: self.count(expected: Double(count) * fraction)))
    }
}

/// The simulated days of an account's subscription products, kept once computed: a report of any
/// day needs every day before it.
final class SubscriberPopulations: Sendable {
    static let shared = SubscriberPopulations()

    /// Everything a simulation depends on: two accounts of one seed but different histories (or
    /// catalogs) start their populations on different days, and must not share one.
    private struct Key: Hashable {
        var seed: UInt64
        var app: Int
        var product: Int
        var firstDay: Int
        var periodDays: Int
    }

    private final class Entry: @unchecked Sendable {
        let firstDay: Int
        var simulators: [SubscriberPopulation.Simulator]
        /// By storefront, then by day from `firstDay`.
        var days: [[SubscriberPopulation.Day]]

        init(firstDay: Int, simulators: [SubscriberPopulation.Simulator]) {
            self.firstDay = firstDay
            self.simulators = simulators
            days = simulators.map { _ in [] }
        }
    }

    private let entries = Mutex<[Key: Entry]>([:])

    /// Product `product` (an index into the app's products) of app `app` in every storefront on
    /// `dayNumber`, or `nil` before its simulation starts or when it is no auto-renewable
    /// subscription.
    func days(
        account: SandboxAccount, app: Int, product: Int, dayNumber: Int
    ) -> [SubscriberPopulation.Day]? {
        let profile = account.catalog[app]
        guard case .autoRenewable(_, let periodDays, _) = profile.products[product].kind else { return nil }
        // Subscribers from the product's launch, or for a long-established app two months before
        // the account's history starts, so its first days already have a population.
        let first = max(profile.launchDay, account.historyStart.dayNumber - 60)
        guard dayNumber >= first else { return nil }
        return entries.withLock { entries in
            let key = Key(seed: account.seed, app: app, product: product, firstDay: first, periodDays: periodDays)
            let entry =
                entries[key]
                ?? Entry(
                    firstDay: first,
                    simulators: Storefront.all.map { _ in SubscriberPopulation.Simulator(periodDays: periodDays) })
            entries[key] = entry
            let generator = SalesGenerator(account: account)
            while entry.firstDay + entry.days[0].count <= dayNumber {
                let number = entry.firstDay + entry.days[0].count
                let day = ReportDate(dayNumber: number)
                let demand = generator.demand(of: profile, on: day)
                let totalWeight = Storefront.all.reduce(0) { $0 + $1.demandWeight }
                for (index, storefront) in Storefront.all.enumerated() {
                    var random = SeededGenerator(
                        account.seed, UInt64(app), UInt64(product), UInt64(index), UInt64(bitPattern: Int64(number)),
                        0x5B5)
                    // Two to eight in a hundred first downloads start a subscription or a trial.
                    let expected =
                        demand * storefront.demandWeight / totalWeight * profile.products[product].attachRate
                        * 2
                    entry.simulators[index].step(number, expectedStarts: expected, random: &random)
                    entry.days[index].append(entry.simulators[index].day)
                }
            }
            return entry.days.map { $0[dayNumber - entry.firstDay] }
        }
    }
}
