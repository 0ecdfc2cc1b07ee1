/// Every migration, in the order they are applied. Append; never reorder or edit a released one.
package enum Migrations {
    package static let all: [any Migration] = [
        CreateUsersAndSessions(),
        CreateAccountsIntegrationsAndReports(),
        FactMoneyAndUniqueRollups(),
        ReSealSecretsWithContext(),
        JobQueueTable(),
        SyncState(),
        MetricSlicesAndBaseCurrency(),
        ListingEvidence(),
        UnusedAccounts(),
        Admissions(),
        ReportArchiveTable(),
        SubscriptionReports(),
        Notifications(),
        FinancialReports(),
        ArchiveParts(),
        NewestRateIndex(),
        MetricChangesTable(),
    ]
}
