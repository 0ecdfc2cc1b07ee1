import Foundation
import Hummingbird
import NIOCore

/// The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`. A test checks that
/// every API route the router has is described here and that nothing here is missing from it.
enum OpenAPIDocument {
    /// A JSON value, for a document built in code.
    indirect enum JSONValue: Encodable, ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral,
        ExpressibleByArrayLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral
    {
        typealias Key = String
        typealias Value = JSONValue

        case string(String), bool(Bool), int(Int), array([JSONValue]), object([(String, JSONValue)])

        init(stringLiteral value: String) { self = .string(value) }
        init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }
        init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
        init(booleanLiteral value: Bool) { self = .bool(value) }
        init(integerLiteral value: Int) { self = .int(value) }

        struct Name: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .string(let value):
                var container = encoder.singleValueContainer()
                try container.encode(value)
            case .bool(let value):
                var container = encoder.singleValueContainer()
                try container.encode(value)
            case .int(let value):
                var container = encoder.singleValueContainer()
                try container.encode(value)
            case .array(let values):
                var container = encoder.unkeyedContainer()
                for value in values { try container.encode(value) }
            case .object(let pairs):
                var container = encoder.container(keyedBy: Name.self)
                for (key, value) in pairs { try container.encode(value, forKey: Name(stringValue: key)) }
            }
        }
    }

    /// One operation: method, path (with `{id}`), what it answers.
    struct Operation {
        let method: String
        let path: String
        let summary: String
        var authenticated = true
        var body: JSONValue?
        var parameters: [JSONValue] = []
        let success: (status: Int, description: String, schema: JSONValue?)
        var errors: [Int]
        var mediaType = "application/json"
    }

    static func query(_ name: String, _ schema: JSONValue, _ description: String) -> JSONValue {
        [
            "name": .string(name), "in": "query", "required": false, "schema": schema,
            "description": .string(description),
        ]
    }

    static let day: JSONValue = ["type": "string", "format": "date"]
    /// The range and account every figures question takes.
    static let rangeParameters: [JSONValue] = [
        query("from", day, "First day (YYYY-MM-DD, inclusive); with `to`, a custom range"),
        query("to", day, "Last day (YYYY-MM-DD, inclusive)"),
        query(
            "preset",
            [
                "type": "string",
                "enum": ["7d", "30d", "90d", "mtd", "12m", "fiscalMonth", "lastFiscalMonth", "custom"],
            ],
            "A range ending on the newest report day (default 30d)"),
        query("account", string, "One account number (default: every readable account)"),
    ]
    /// The parameters every metrics question takes.
    static let metricsParameters: [JSONValue] =
        rangeParameters + [
            query("app", string, "One app's SKU"),
            query("country", string, "One storefront country code"),
            query("device", string, "One device (iPhone, iPad, Desktop, …)"),
            query("currency", string, "ISO 4217 code money is converted into (default: the user's currency)"),
        ]
    static let metricNames: JSONValue = [
        "type": "string",
        "enum": [
            "downloads", "redownloads", "updates", "inAppPurchases", "restores", "other", "returns", "proceeds",
            "sales",
        ],
    ]
    /// The parameters every subscription question takes.
    static let subscriptionParameters: [JSONValue] =
        rangeParameters + [
            query("app", string, "One app's SKU or App Apple ID"),
            query("subscription", string, "One subscription product's Subscription Apple ID"),
            query("country", string, "One storefront country code"),
            query("currency", string, "ISO 4217 code MRR is converted into (default: the user's currency)"),
        ]
    static let subscriptionMetricNames: JSONValue = [
        "type": "string",
        "enum": [
            "paid", "trials", "mrr", "trialStarts", "newPaid", "conversions", "renewals", "voluntaryChurn",
            "involuntaryChurn", "refunds",
        ],
    ]
    static let groupNames: JSONValue = ["type": "string", "enum": ["app", "country", "device"]]
    static let intervalNames: JSONValue = ["type": "string", "enum": ["day", "week", "month", "fiscalMonth"]]
    /// The parameters of the payouts question.
    static let payoutParameters: [JSONValue] = [
        query(
            "fiscalYear", integer,
            "An Apple fiscal year, e.g. 2027 (October 2026 to September 2027; default: the running one)"),
        query("account", string, "One account number (default: every readable account)"),
        query("currency", string, "ISO 4217 code of the total (default: the user's currency)"),
    ]

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static func object(_ properties: [(String, JSONValue)], required: [String]) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string))]
    }
    static let string: JSONValue = ["type": "string"]
    static let date: JSONValue = ["type": "string", "format": "date-time"]
    static let integer: JSONValue = ["type": "integer"]
    static let nullableString: JSONValue = ["type": ["string", "null"]]
    static let nullableInteger: JSONValue = ["type": ["integer", "null"]]
    static let idParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "schema": ["type": "integer", "format": "int64"],
    ]

    static let operations: [Operation] = [
        Operation(
            method: "post", path: "/auth/signup",
            summary:
                "Create an account; answers a bearer token. The first needs the setup code `orchard serve` printed; "
                + "with ORCHARD_SIGNUP=closed, an invitation for the address",
            authenticated: false, body: ref("SignUp"), success: (201, "The new user and a token", ref("SignedIn")),
            errors: [400, 403, 409, 415, 422, 429]),
        Operation(
            method: "post", path: "/auth/login", summary: "Sign in; answers a new bearer token", authenticated: false,
            body: ref("Credentials"), success: (200, "The user and a token", ref("SignedIn")),
            errors: [400, 401, 415, 429]),
        Operation(
            method: "delete", path: "/auth/token", summary: "End the calling bearer token",
            success: (204, "Ended: the token answers 401 from now on", nil), errors: [401]),
        Operation(
            method: "get", path: "/me", summary: "The signed-in user",
            success: (200, "The user", object([("user", ref("User"))], required: ["user"])), errors: [401]),
        Operation(
            method: "get", path: "/integrations/platforms", summary: "Platforms that can be integrated",
            success: (
                200, "The platforms",
                object([("platforms", ["type": "array", "items": ref("Platform")])], required: ["platforms"])
            ),
            errors: [401]),
        Operation(
            method: "post", path: "/asc/tokens",
            summary: "Validate an App Store Connect access token live and keep it for the funnel",
            body: object([("accessToken", string)], required: ["accessToken"]),
            success: (201, "The kept token (masked) and the accounts it sees", ref("ValidatedToken")),
            errors: [400, 401, 415, 422, 502]),
        Operation(
            method: "get", path: "/asc/tokens", summary: "The user's tokens still inside the funnel's lifetime",
            success: (
                200, "Masked tokens",
                object([("tokens", ["type": "array", "items": ref("FunnelToken")])], required: ["tokens"])
            ),
            errors: [401]),
        Operation(
            method: "get", path: "/asc/tokens/{id}/accounts",
            summary: "The accounts a kept token sees, asked of Apple again",
            parameters: [idParameter],
            success: (
                200, "The accounts",
                object([("accounts", ["type": "array", "items": ref("SeenAccount")])], required: ["accounts"])
            ),
            errors: [401, 404, 422, 502]),
        Operation(
            method: "delete", path: "/asc/tokens/{id}", summary: "Erase a kept token now", parameters: [idParameter],
            success: (204, "Erased", nil), errors: [401, 404]),
        Operation(
            method: "get", path: "/asc/invitation", summary: "Whom to invite into App Store Connect, and how",
            success: (200, "The service Apple ID and the steps", ref("Invitation")), errors: [401]),
        Operation(
            method: "post", path: "/asc/integrations",
            summary: "Finish the funnel: one pending integration per account",
            body: object(
                [
                    ("tokenId", integer), ("accounts", ["type": "array", "items": string]),
                    ("invitationConfirmed", ["type": "boolean"]),
                ],
                required: ["tokenId", "accounts"]),
            success: (201, "The new integrations", ref("Integrations")), errors: [400, 401, 404, 409, 415, 422, 502]),
        Operation(
            method: "get", path: "/integrations", summary: "The user's integrations with status and sync progress",
            success: (200, "The integrations", ref("Integrations")), errors: [401]),
        Operation(
            method: "get", path: "/integrations/{id}",
            summary: "One integration's account: vendors, apps, days held, failed reports, next sync, history",
            parameters: [idParameter], success: (200, "The account page as JSON", ref("IntegrationDetail")),
            errors: [401, 404]),
        Operation(
            method: "post", path: "/integrations/{id}/check",
            summary: "Check now whether the service sees the account (one a minute per account)",
            parameters: [idParameter],
            success: (202, "Queued", object([("checkAgainAt", date)], required: ["checkAgainAt"])),
            errors: [401, 404, 429]),
        Operation(
            method: "post", path: "/integrations/{id}/reconnect",
            summary: "Reconnect an expired integration whose account the service sees now",
            parameters: [idParameter], success: (200, "The integration, active", ref("Integration")),
            errors: [401, 404, 409]),
        Operation(
            method: "delete", path: "/integrations/{id}", summary: "Remove one of the user's integrations",
            parameters: [idParameter], success: (204, "Removed", nil), errors: [401, 404]),
        Operation(
            method: "get", path: "/apps", summary: "The apps of the accounts the user has active integrations of",
            success: (
                200, "The apps",
                object(
                    [
                        (
                            "apps",
                            [
                                "type": "array",
                                "items": object(
                                    [
                                        ("sku", string), ("appleIdentifier", ["type": ["string", "null"]]),
                                        ("title", ["type": ["string", "null"]]),
                                        (
                                            "account",
                                            object(
                                                [("number", string), ("name", string)], required: ["number", "name"])
                                        ),
                                    ], required: ["sku", "appleIdentifier", "title", "account"]),
                            ]
                        )
                    ], required: ["apps"])
            ), errors: [401]),
        Operation(
            method: "patch", path: "/me", summary: "Change the currency the user's figures are shown in",
            body: object([("currency", string)], required: ["currency"]),
            success: (200, "The user", object([("user", ref("User"))], required: ["user"])),
            errors: [400, 401, 415, 422]),
        Operation(
            method: "get", path: "/metrics/summary",
            summary: "Totals over a range: units per bucket, returns, proceeds and sales in one currency",
            parameters: metricsParameters, success: (200, "The totals", ref("MetricsSummary")),
            errors: [400, 401, 404, 422]),
        Operation(
            method: "get", path: "/metrics/timeseries",
            summary: "One metric per day, week or month; days not known yet are absent, never 0",
            parameters: metricsParameters + [
                query("metric", metricNames, "The metric (default downloads)"),
                query(
                    "interval", intervalNames,
                    "day (default), week (from Monday), month or fiscalMonth (Apple's, Sunday to Saturday)"),
                query("groupBy", groupNames, "One series per app, country or device"),
            ], success: (200, "The series", ref("MetricsTimeseries")), errors: [400, 401, 404, 422]),
        Operation(
            method: "get", path: "/metrics/export.csv",
            summary: "CSV: one row per known day (and group), with the currency and the rate date",
            parameters: metricsParameters + [query("groupBy", groupNames, "A row per day and app, country or device")],
            success: (200, "CSV with a header row", ["type": "string"]), errors: [400, 401, 404, 422],
            mediaType: "text/csv"),
        Operation(
            method: "get", path: "/subscriptions/summary",
            summary:
                "Subscription figures over a range: paid, trials, billing retry and grace period on the last day held, MRR, events, churn rate",
            parameters: subscriptionParameters, success: (200, "The figures", ref("SubscriptionSummary")),
            errors: [400, 401, 404, 422]),
        Operation(
            method: "get", path: "/subscriptions/timeseries",
            summary: "One subscription figure per day, week or month; intervals with no day held are absent, never 0",
            parameters: subscriptionParameters + [
                query("metric", subscriptionMetricNames, "The figure (default paid)"),
                query(
                    "interval", intervalNames,
                    "day (default), week (from Monday), month or fiscalMonth (Apple's, Sunday to Saturday)"),
            ], success: (200, "The series", ref("SubscriptionTimeseries")), errors: [400, 401, 404, 422]),
        Operation(
            method: "get", path: "/subscriptions/cohorts",
            summary: "Trials started per week (Monday) and how many of them converted, whenever they did",
            parameters: subscriptionParameters, success: (200, "The weeks", ref("SubscriptionCohorts")),
            errors: [400, 401, 404, 422]),
        Operation(
            method: "get", path: "/subscriptions/export.csv",
            summary: "CSV: one row per day held, with counts, MRR in one currency with its rate date, and events",
            parameters: subscriptionParameters, success: (200, "CSV with a header row", ["type": "string"]),
            errors: [400, 401, 404, 422], mediaType: "text/csv"),
        Operation(
            method: "get", path: "/payouts",
            summary:
                "Per Apple fiscal month and currency: final proceeds from the Financial reports, the daily reports' estimate, the difference in parts, status, expected payment; a forecast of the running month",
            parameters: payoutParameters, success: (200, "The fiscal year's months", ref("Payouts")),
            errors: [400, 401, 404, 422]),
        Operation(
            method: "get", path: "/payouts/export.csv",
            summary: "CSV: one row per fiscal month and currency, final and estimate side by side",
            parameters: payoutParameters, success: (200, "CSV with a header row", ["type": "string"]),
            errors: [400, 401, 404, 422], mediaType: "text/csv"),
        Operation(
            method: "get", path: "/admin/invitations", summary: "Operator: pending integrations by account and age",
            success: (200, "Accounts waiting for their invitation to be accepted", ["type": "object"]),
            errors: [401, 403]),
        Operation(
            method: "get", path: "/admin/jobs",
            summary: "Operator: the job queue's depth, dead jobs, the service token",
            success: (200, "The queue", ["type": "object"]), errors: [401, 403]),
        Operation(
            method: "get", path: "/admin/user-invitations",
            summary: "Operator: whether sign-up is open, and the invitations nobody used yet",
            success: (
                200, "The sign-up mode and the open invitations",
                object(
                    [
                        ("signUp", ["type": "string", "enum": ["open", "closed"]]),
                        ("invitations", ["type": "array", "items": ref("UserInvitation")]),
                    ],
                    required: ["signUp", "invitations"])
            ), errors: [401, 403]),
        Operation(
            method: "post", path: "/admin/user-invitations",
            summary: "Operator: invite a user; answers the sign-up link (once), valid 7 days for that address",
            body: object([("email", string)], required: ["email"]),
            success: (201, "The invitation with its link", ref("UserInvitation")), errors: [400, 401, 403, 415, 422]),
        Operation(
            method: "delete", path: "/admin/user-invitations/{id}", summary: "Operator: withdraw an invitation",
            parameters: [idParameter], success: (204, "Withdrawn: its link no longer works", nil),
            errors: [401, 403, 404]),
        Operation(
            method: "get", path: "/events",
            summary: "The caller's activity feed, newest first (operators also read the operators' events)",
            parameters: [
                query("after", string, "The `next` of the previous page"),
                query("limit", ["type": "integer", "minimum": 1, "maximum": 100], "Events per page (default 50)"),
            ], success: (200, "A page of events", ref("Events")), errors: [400, 401, 422]),
        Operation(
            method: "get", path: "/notifications", summary: "What the caller is notified of, and how",
            success: (200, "The settings", ref("NotificationSettings")), errors: [401]),
        Operation(
            method: "put", path: "/notifications",
            summary:
                "Change the digest's schedule, the alerts' sensitivity or switches; absent fields stay as they are",
            body: object(
                [
                    ("digestFrequency", ["type": "string", "enum": ["off", "daily", "weekly"]]),
                    ("digestHour", ["type": "integer", "minimum": 0, "maximum": 23]),
                    ("digestWeekday", ["type": "integer", "minimum": 1, "maximum": 7]),
                    ("timeZone", string),
                    ("alertSensitivity", ["type": "string", "enum": ["low", "normal", "high"]]),
                    ("switches", ["type": "array", "items": ref("NotificationSwitch")]),
                ], required: []),
            success: (200, "The settings after the change", ref("NotificationSettings")),
            errors: [400, 401, 415, 422]),
        Operation(
            method: "post", path: "/me/email",
            summary: "Change the address: a confirmation link goes to the new one, which replaces the old once used",
            body: object([("email", string)], required: ["email"]),
            success: (202, "The link is on its way", ref("NotificationSettings")),
            errors: [400, 401, 409, 415, 422]),
        Operation(
            method: "post", path: "/me/email/verification", summary: "Send the confirmation link again",
            success: (202, "The link is on its way", ref("NotificationSettings")), errors: [401, 409]),
        Operation(
            method: "get", path: "/webhooks", summary: "The caller's webhook endpoints (never their secrets)",
            success: (200, "The endpoints", ref("Webhooks")), errors: [401]),
        Operation(
            method: "post", path: "/webhooks",
            summary:
                "Add an endpoint: events POSTed as JSON and signed (Orchard-Signature), or in Slack's format; answers its secret once",
            body: object(
                [
                    ("url", string), ("format", ["type": "string", "enum": ["json", "slack"]]),
                    ("events", ["type": "array", "items": eventTypeNames]),
                ], required: ["url"]),
            success: (201, "The endpoint with its secret", ref("WebhookResponse")), errors: [400, 401, 415, 422]),
        Operation(
            method: "get", path: "/webhooks/{id}", summary: "One endpoint", parameters: [idParameter],
            success: (200, "The endpoint", ref("WebhookResponse")), errors: [401, 404]),
        Operation(
            method: "delete", path: "/webhooks/{id}", summary: "Remove an endpoint", parameters: [idParameter],
            success: (204, "Removed: nothing more is sent to it", nil), errors: [401, 404]),
        Operation(
            method: "post", path: "/webhooks/{id}/secret",
            summary: "Rotate the signing secret; answers the new one once",
            parameters: [idParameter], success: (200, "The endpoint with its new secret", ref("WebhookResponse")),
            errors: [401, 404]),
        Operation(
            method: "post", path: "/webhooks/{id}/test", summary: "Queue a `webhook.test` event to this endpoint",
            parameters: [idParameter],
            success: (202, "Queued", object([("event", ref("Event"))], required: ["event"])), errors: [401, 404]),
        Operation(
            method: "get", path: "/webhooks/{id}/deliveries", summary: "The endpoint's deliveries, newest first",
            parameters: [idParameter], success: (200, "The delivery log", ref("WebhookDeliveries")),
            errors: [401, 404]),
        Operation(
            method: "get", path: "/openapi.json", summary: "This document", authenticated: false,
            success: (200, "OpenAPI 3.1", ["type": "object"]), errors: []),
    ]

    static let eventTypeNames: JSONValue = [
        "type": "string",
        "enum": .array(
            [
                "integration.active", "integration.expired", "integration.removed", "integration.restored",
                "integration.invitation_ending", "sync.delayed", "sync.recovered", "data.day_complete", "alert.metric",
                "digest.sent", "operator.token_expiring", "operator.token_refused", "operator.listing_degraded",
                "operator.job_dead",
            ]),
    ]

    /// What each event's `data` holds (every value a string, an integer, a boolean or null).
    static let eventData: [(type: String, summary: String, fields: [String])] = [
        (
            "integration.active", "The service identity sees the account: history is loading",
            ["integrationId", "accountNumber", "accountName", "status", "previousStatus", "reason"]
        ),
        (
            "integration.expired", "The invitation was not seen within the invitation window",
            ["integrationId", "accountNumber", "accountName", "status", "previousStatus", "reason"]
        ),
        (
            "integration.removed", "The service user was removed from the account (every user of it is told)",
            ["integrationId", "accountNumber", "accountName", "status", "previousStatus", "reason", "purgeOn"]
        ),
        (
            "integration.restored", "The service identity sees a removed account again before its purge",
            ["integrationId", "accountNumber", "accountName", "status", "previousStatus", "reason"]
        ),
        (
            "integration.invitation_ending", "A pending integration's invitation window ends in 24 hours",
            ["integrationId", "accountNumber", "accountName", "endsAt", "serviceAppleId"]
        ),
        (
            "sync.delayed", "No new day 36 hours after Apple usually publishes it",
            ["integrationId", "accountNumber", "accountName", "lastDay", "expectedDay", "lastError"]
        ),
        (
            "sync.recovered", "The late day arrived",
            ["integrationId", "accountNumber", "accountName", "lastDay", "delayedDay"]
        ),
        (
            "data.day_complete", "A day's reports are complete for the account",
            ["integrationId", "accountNumber", "accountName", "day"]
        ),
        (
            "alert.metric", "A completed day's downloads, proceeds or refunds are outside their usual range",
            [
                "integrationId", "accountNumber", "accountName", "day", "weekday", "metric", "metricName", "value",
                "expected", "median", "direction", "scope", "link",
            ]
        ),
        ("digest.sent", "A digest was mailed", ["headline", "from", "to", "frequency", "complete"]),
        ("operator.token_expiring", "The service token expires in 30, 14 or 3 days", ["days", "expiresOn"]),
        ("operator.token_refused", "Apple refuses the service token", ["reason"]),
        (
            "operator.listing_degraded", "Apple's account listing lost too many accounts at once",
            ["vanished", "accessible"]
        ),
        ("operator.job_dead", "A job used its last attempt", ["jobId", "kind", "accountNumber", "error"]),
    ]

    static let scalar: JSONValue = ["type": ["string", "integer", "boolean", "null"]]

    /// OpenAPI 3.1 `webhooks`: what Orchard POSTs to an endpoint, per event type.
    static let webhooks: JSONValue = .object(
        eventData.map { event in
            (
                event.type,
                [
                    "post": [
                        "summary": .string(event.summary),
                        "parameters": [
                            [
                                "name": "Orchard-Signature", "in": "header", "required": true,
                                "schema": ["type": "string"],
                                "description":
                                    "t=UNIX_SECONDS,v1=HEX: HEX is HMAC-SHA256 of t, \".\" and the body under the endpoint's secret",
                            ],
                            [
                                "name": "Orchard-Event-Id", "in": "header", "required": true,
                                "schema": ["type": "string"],
                            ],
                        ],
                        "requestBody": [
                            "required": true,
                            "content": [
                                "application/json": [
                                    "schema": object(
                                        [
                                            ("id", string), ("type", ["type": "string", "const": .string(event.type)]),
                                            ("createdAt", date),
                                            (
                                                "data",
                                                object(event.fields.map { ($0, scalar) }, required: [])
                                            ),
                                        ], required: ["id", "type", "createdAt", "data"])
                                ]
                            ],
                        ],
                        "responses": ["2XX": ["description": "Delivered; anything else is retried for a day"]],
                    ]
                ] as JSONValue
            )
        })

    static let schemas: [(String, JSONValue)] = [
        (
            "Event",
            object(
                [
                    ("id", string), ("type", eventTypeNames), ("createdAt", date), ("account", nullableString),
                    ("summary", string), ("data", ["type": "object", "additionalProperties": scalar]),
                ], required: ["id", "type", "createdAt", "summary", "data"])
        ),
        (
            "Events",
            object(
                [("events", ["type": "array", "items": ref("Event")]), ("next", nullableString)],
                required: ["events", "next"])
        ),
        (
            "NotificationSwitch",
            object(
                [
                    (
                        "topic",
                        [
                            "type": "string",
                            "enum": ["integrations", "sync_problems", "data_ready", "alerts", "digest", "operations"],
                        ]
                    ), ("account", nullableString), ("enabled", ["type": "boolean"]),
                ], required: ["topic", "enabled"])
        ),
        (
            "NotificationSettings",
            object(
                [
                    ("email", string), ("emailVerified", ["type": "boolean"]), ("pendingEmail", nullableString),
                    ("mailConfigured", ["type": "boolean"]),
                    ("digestFrequency", ["type": "string", "enum": ["off", "daily", "weekly"]]),
                    ("digestHour", integer), ("digestWeekday", integer), ("timeZone", string),
                    ("alertSensitivity", ["type": "string", "enum": ["low", "normal", "high"]]),
                    ("switches", ["type": "array", "items": ref("NotificationSwitch")]),
                ],
                required: [
                    "email", "emailVerified", "mailConfigured", "digestFrequency", "digestHour", "digestWeekday",
                    "timeZone", "alertSensitivity", "switches",
                ])
        ),
        (
            "Webhook",
            object(
                [
                    ("id", integer), ("url", string), ("format", ["type": "string", "enum": ["json", "slack"]]),
                    ("events", ["type": "array", "items": string]), ("createdAt", date),
                    ("failingSince", ["type": ["string", "null"], "format": "date-time"]),
                    (
                        "secret",
                        ["type": "string", "description": "Only when the endpoint is made or its secret rotated"]
                    ),
                ], required: ["id", "url", "format", "events", "createdAt"])
        ),
        ("WebhookResponse", object([("webhook", ref("Webhook"))], required: ["webhook"])),
        ("Webhooks", object([("webhooks", ["type": "array", "items": ref("Webhook")])], required: ["webhooks"])),
        (
            "WebhookDeliveries",
            object(
                [
                    (
                        "deliveries",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("id", integer), ("eventId", string), ("type", string),
                                    ("state", ["type": "string", "enum": ["pending", "delivered", "failed"]]),
                                    ("attempts", integer), ("lastStatus", nullableInteger),
                                    ("lastError", nullableString), ("createdAt", date), ("updatedAt", date),
                                ], required: ["id", "eventId", "type", "state", "attempts", "createdAt", "updatedAt"]),
                        ]
                    )
                ], required: ["deliveries"])
        ),
        (
            "Error",
            object(
                [("error", object([("code", string), ("message", string)], required: ["code", "message"]))],
                required: ["error"])
        ),
        ("Credentials", object([("email", string), ("password", string)], required: ["email", "password"])),
        (
            "SignUp",
            object(
                [("email", string), ("password", string), ("setupCode", string), ("invitation", string)],
                required: ["email", "password"])
        ),
        (
            "UserInvitation",
            object(
                [
                    ("id", integer), ("email", string), ("invitedBy", string), ("createdAt", date), ("expiresAt", date),
                    ("link", string),
                ],
                required: ["id", "email", "createdAt", "expiresAt"])
        ),
        (
            "User",
            object(
                [
                    ("id", integer), ("email", string), ("role", ["type": "string", "enum": ["member", "operator"]]),
                    ("createdAt", date), ("currency", string),
                ], required: ["id", "email", "role", "createdAt"])
        ),
        ("SignedIn", object([("user", ref("User")), ("token", string)], required: ["user", "token"])),
        (
            "Platform",
            object(
                [("id", string), ("name", string), ("available", ["type": "boolean"])],
                required: ["id", "name", "available"])
        ),
        (
            "FunnelToken",
            object(
                [("id", integer), ("masked", string), ("createdAt", date), ("usableUntil", date)],
                required: ["id", "masked", "createdAt", "usableUntil"])
        ),
        (
            "SeenAccount",
            object(
                [
                    ("number", string), ("name", string), ("vendors", ["type": "array", "items": string]),
                    ("apps", ["type": "array", "items": string]),
                ],
                required: ["number", "name", "vendors", "apps"])
        ),
        (
            "ValidatedToken",
            object(
                [("token", ref("FunnelToken")), ("accounts", ["type": "array", "items": ref("SeenAccount")])],
                required: ["token", "accounts"])
        ),
        (
            "Invitation",
            object(
                [
                    ("serviceAppleId", ["type": ["string", "null"]]), ("configured", ["type": "boolean"]),
                    ("roles", ["type": "array", "items": string]), ("steps", ["type": "array", "items": string]),
                ], required: ["serviceAppleId", "configured", "roles", "steps"])
        ),
        (
            "Integration",
            object(
                [
                    ("id", integer), ("platform", string),
                    ("account", object([("number", string), ("name", string)], required: ["number", "name"])),
                    ("status", ["type": "string", "enum": ["pending", "active", "expired", "removed"]]),
                    ("statusReason", ["type": ["string", "null"]]),
                    ("createdAt", date), ("activatedAt", ["type": ["string", "null"], "format": "date-time"]),
                    ("lastSyncAt", ["type": ["string", "null"], "format": "date-time"]),
                    ("backfill", object([("done", integer), ("total", integer)], required: ["done", "total"])),
                    ("syncError", ["type": ["string", "null"]]),
                    (
                        "problem",
                        [
                            "type": ["object", "null"],
                            "properties": [
                                "code": [
                                    "type": "string",
                                    "enum": [
                                        "service_token_refused", "listing_degraded", "service_token_expiring",
                                        "sync_failing", "vendor_failing", "apple_late", "sync_late",
                                    ],
                                ],
                                "message": ["type": "string"],
                            ],
                            "required": ["code", "message"],
                        ]
                    ),
                ], required: ["id", "platform", "account", "status", "createdAt", "backfill"])
        ),
        (
            "IntegrationDetail",
            object(
                [
                    ("integration", ref("Integration")),
                    ("vendors", ["type": "array", "items": string]),
                    ("droppedVendors", ["type": "array", "items": string]),
                    ("apps", ["type": "array", "items": string]),
                    (
                        "days",
                        [
                            "type": ["object", "null"],
                            "properties": ["first": day, "last": day, "count": integer],
                            "required": ["first", "last", "count"],
                        ]
                    ),
                    ("completeThrough", ["type": ["string", "null"], "format": "date"]),
                    ("lateDay", ["type": ["string", "null"], "format": "date"]),
                    ("nextSyncAt", ["type": ["string", "null"], "format": "date-time"]),
                    (
                        "failures",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("date", day), ("vendor", string), ("reportType", string), ("frequency", string),
                                    ("code", string), ("message", ["type": ["string", "null"]]),
                                ], required: ["date", "vendor", "reportType", "frequency", "code", "message"]),
                        ]
                    ),
                    (
                        "pending",
                        [
                            "type": ["object", "null"],
                            "properties": [
                                "lastCheckedAt": ["type": ["string", "null"], "format": "date-time"],
                                "invitationEndsAt": ["type": ["string", "null"], "format": "date-time"],
                                "checkAllowedAt": ["type": ["string", "null"], "format": "date-time"],
                            ],
                        ]
                    ),
                    ("canReconnect", ["type": "boolean"]),
                    (
                        "financialReports",
                        ["type": "string", "enum": ["available", "needs_finance_role", "not_checked"]]
                    ),
                    (
                        "history",
                        [
                            "type": "array",
                            "items": object(
                                [("at", date), ("action", string), ("detail", string)],
                                required: ["at", "action", "detail"]),
                        ]
                    ),
                ],
                required: [
                    "integration", "vendors", "droppedVendors", "apps", "days", "completeThrough", "lateDay",
                    "nextSyncAt", "failures", "pending", "canReconnect", "history", "financialReports",
                ])
        ),
        (
            "SubscriptionSummary",
            object(
                [
                    ("from", string), ("to", string), ("asOf", nullableString), ("paid", nullableInteger),
                    ("trials", nullableInteger), ("billingRetry", nullableInteger), ("gracePeriod", nullableInteger),
                    (
                        "mrr",
                        object(
                            [
                                ("currency", string), ("amount", nullableString),
                                ("byProceedsCurrency", ["type": "array", "items": ref("Amount")]),
                                ("unconverted", ["type": "array", "items": ref("Amount")]),
                                ("rateDate", nullableString),
                            ], required: ["currency", "amount", "byProceedsCurrency", "unconverted", "rateDate"])
                    ),
                    (
                        "events",
                        object(
                            [
                                ("trialStarts", integer), ("newPaid", integer), ("conversions", integer),
                                ("renewals", integer), ("trialCancellations", integer), ("voluntaryChurn", integer),
                                ("involuntaryChurn", integer), ("refunds", integer), ("reactivations", integer),
                                (
                                    "other",
                                    [
                                        "type": "array",
                                        "items": object(
                                            [("event", string), ("quantity", integer)], required: ["event", "quantity"]),
                                    ]
                                ),
                            ],
                            required: [
                                "trialStarts", "newPaid", "conversions", "renewals", "trialCancellations",
                                "voluntaryChurn", "involuntaryChurn", "refunds", "reactivations", "other",
                            ])
                    ),
                    ("churnRate", ["type": ["number", "null"]]),
                ],
                required: [
                    "from", "to", "asOf", "paid", "trials", "billingRetry", "gracePeriod", "mrr", "events", "churnRate",
                ])
        ),
        ("Amount", object([("currency", string), ("amount", string)], required: ["currency", "amount"])),
        (
            "SubscriptionTimeseries",
            object(
                [
                    ("metric", string), ("interval", string), ("currency", string), ("from", string), ("to", string),
                    (
                        "points",
                        [
                            "type": "array",
                            "items": object(
                                [("date", string), ("value", ["type": "number"])], required: ["date", "value"]),
                        ]
                    ),
                ], required: ["metric", "interval", "currency", "from", "to", "points"])
        ),
        (
            "Payouts",
            object(
                [
                    ("fiscalYear", integer), ("currency", string), ("latest", string),
                    (
                        "accounts",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("number", string), ("name", string),
                                    (
                                        "financialReports",
                                        ["type": "string", "enum": ["available", "needs_finance_role", "not_checked"]]
                                    ),
                                ], required: ["number", "name", "financialReports"]),
                        ]
                    ),
                    ("months", ["type": "array", "items": ref("PayoutMonth")]),
                    ("forecast", ["type": ["object", "null"]]),
                ], required: ["fiscalYear", "currency", "latest", "accounts", "months", "forecast"])
        ),
        (
            "PayoutMonth",
            object(
                [
                    ("fiscalYear", integer), ("fiscalMonth", integer), ("name", string), ("start", string),
                    ("end", string), ("through", string),
                    ("status", ["type": "string", "enum": ["final", "estimated", "in_progress"]]),
                    ("paymentDueBy", string), ("waitingFor", ["type": "array", "items": string]),
                    ("currencies", ["type": "array", "items": ["type": "object"]]),
                    ("total", ["type": "object"]),
                ],
                required: [
                    "fiscalYear", "fiscalMonth", "name", "start", "end", "through", "status", "paymentDueBy",
                    "waitingFor", "currencies", "total",
                ])
        ),
        (
            "SubscriptionCohorts",
            object(
                [
                    ("from", string), ("to", string),
                    (
                        "weeks",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("week", string), ("started", integer), ("converted", integer),
                                    ("rate", ["type": ["number", "null"]]),
                                ], required: ["week", "started", "converted", "rate"]),
                        ]
                    ),
                ], required: ["from", "to", "weeks"])
        ),
        (
            "MetricsSummary",
            object(
                [
                    ("from", string), ("to", string), ("currency", string),
                    (
                        "units",
                        object(
                            [
                                ("downloads", integer), ("redownloads", integer), ("updates", integer),
                                ("inAppPurchases", integer), ("restores", integer), ("other", integer),
                            ], required: ["downloads", "redownloads", "updates", "inAppPurchases", "restores", "other"])
                    ),
                    ("returns", integer), ("proceeds", string), ("sales", string),
                    (
                        "unconverted",
                        object(
                            [("proceeds", ["type": "object"]), ("sales", ["type": "object"])],
                            required: ["proceeds", "sales"])
                    ),
                    ("rates", ["type": ["object", "null"]]),
                    ("complete", ref("Completeness")),
                    ("accounts", ["type": "array", "items": ["type": "object"]]),
                ],
                required: [
                    "from", "to", "currency", "units", "returns", "proceeds", "sales", "unconverted", "complete",
                    "accounts",
                ])
        ),
        (
            "Completeness",
            object(
                [
                    ("through", ["type": ["string", "null"]]), ("partial", ["type": "boolean"]),
                    ("days", integer),
                ], required: ["partial", "days"])
        ),
        (
            "MetricsTimeseries",
            object(
                [
                    ("metric", string), ("interval", string), ("currency", string), ("from", string),
                    ("to", string),
                    (
                        "series",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("key", string), ("label", string),
                                    (
                                        "points",
                                        [
                                            "type": "array",
                                            "items": object(
                                                [
                                                    ("date", string), ("value", ["type": "number"]),
                                                    ("partial", ["type": "boolean"]),
                                                ], required: ["date", "value"]),
                                        ]
                                    ),
                                ], required: ["key", "points"]),
                        ]
                    ),
                    ("complete", ref("Completeness")),
                ], required: ["metric", "interval", "currency", "from", "to", "series", "complete"])
        ),
        (
            "Integrations",
            object([("integrations", ["type": "array", "items": ref("Integration")])], required: ["integrations"])
        ),
    ]

    static func operation(_ operation: Operation) -> JSONValue {
        var responses: [(String, JSONValue)] = [
            (
                String(operation.success.status),
                operation.success.schema.map { schema in
                    [
                        "description": .string(operation.success.description),
                        "content": .object([(operation.mediaType, ["schema": schema] as JSONValue)]),
                    ]
                } ?? ["description": .string(operation.success.description)]
            )
        ]
        for status in operation.errors {
            responses.append(
                (
                    String(status),
                    [
                        "description": "An error with its code",
                        "content": ["application/json": ["schema": ref("Error")]],
                    ]
                ))
        }
        var fields: [(String, JSONValue)] = [
            ("summary", .string(operation.summary)), ("responses", .object(responses)),
        ]
        if !operation.parameters.isEmpty { fields.append(("parameters", .array(operation.parameters))) }
        if let body = operation.body {
            fields.append(("requestBody", ["required": true, "content": ["application/json": ["schema": body]]]))
        }
        fields.append(("security", operation.authenticated ? [["bearerAuth": []]] : []))
        return .object(fields)
    }

    static let document: JSONValue = {
        var paths: [(String, [(String, JSONValue)])] = []
        for operation in operations {
            if let index = paths.firstIndex(where: { $0.0 == operation.path }) {
                paths[index].1.append((operation.method, Self.operation(operation)))
            } else {
                paths.append((operation.path, [(operation.method, Self.operation(operation))]))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Orchard", "version": "1",
                "description":
                    "App Store Connect integrations and store metrics. Errors are {\"error\": {\"code\", \"message\"}}.",
            ],
            "servers": [["url": "/api/v1"]],
            "paths": .object(paths.map { ($0.0, .object($0.1)) }),
            "webhooks": webhooks,
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer"]],
            ],
        ]
    }()

    static let json: ByteBuffer = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return ByteBuffer(bytes: (try? encoder.encode(document)) ?? Data())
    }()

    static func response() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: json))
    }
}
