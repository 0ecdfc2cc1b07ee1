"""The subscription figures of docs/SUBSCRIPTIONS.md, computed straight from Apple's report files.

A second implementation, in another language, that shares nothing with Orchard's but the
definitions: the browser journey compares what Orchard's API and Subscriptions page show with
what this computes from the sandbox's own Subscription and Subscription Event reports. Exact
arithmetic throughout (`fractions.Fraction`, `decimal.Decimal`).

    reports = {day: (subscription_rows, event_rows)}   # rows as dicts of trimmed values
    figures = compute(reports, start, end, currency, rates)
"""

import csv
import datetime
import gzip
import io
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

MONTH_FACTOR = {"7 days": Fraction(52, 12), "1 week": Fraction(52, 12), "1 month": Fraction(1),
                "2 months": Fraction(1, 2), "3 months": Fraction(1, 3), "6 months": Fraction(1, 6),
                "1 year": Fraction(1, 12)}
MAXIMUM_RATE_AGE = 45


def normalized(text):
    return " ".join((text or "").split()).lower()


def read_report(data):
    """The rows of a report file (gzip or plain TSV) as dicts of trimmed values, by header name."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-8")
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [name.strip() for name in next(reader)]
    return [{name: value.strip() for name, value in zip(header, row)} for row in reader if any(row)]


def role(column):
    name = normalized(column)
    if name == "active standard price subscriptions":
        return "paid"
    if name == "billing retry":
        return "billingRetry"
    if name == "grace period":
        return "gracePeriod"
    if "free trial" in name:
        return "trials"
    if "pay up front" in name or "pay as you go" in name:
        return "paid"
    return None


def classify(event, offer):
    event, offer = normalized(event), normalized(offer)
    starts = event.startswith("start")
    if (starts and offer == "free trial") or event == "start free trial":
        return "trialStarts"
    if event == "subscribe" or (starts and offer in ("pay up front", "pay as you go")) \
            or event == "start introductory price":
        return "newPaid"
    if event.startswith("paid subscription from"):
        return "conversions"
    if event in ("renew", "renewal from billing retry"):
        return "renewals"
    canceled_from = event.startswith("canceled from")
    if event == "cancel" or canceled_from:
        if offer == "free trial":
            return "trialCancellations"
        return "involuntaryChurn" if canceled_from else "voluntaryChurn"
    if event == "refund":
        return "refunds"
    if event.startswith("reactivate"):
        return "reactivations"
    return "other"


def stock(rows):
    """Counts of one day's Subscription report, and MRR per proceeds currency as exact fractions."""
    counts = {"paid": 0, "trials": 0, "billingRetry": 0, "gracePeriod": 0}
    mrr = {}
    for row in rows:
        paid = 0
        for column, value in row.items():
            kind = role(column)
            if kind and value:
                counts[kind] += int(value)
                if kind == "paid":
                    paid += int(value)
        factor = MONTH_FACTOR.get(normalized(row.get("Standard Subscription Duration")))
        if factor is None:
            continue  # an unknown duration: left out of MRR, never guessed
        currency = row.get("Proceeds Currency", "").upper()
        proceeds = abs(Fraction(row.get("Developer Proceeds") or "0"))
        mrr[currency] = mrr.get(currency, Fraction(0)) + paid * proceeds * factor
    return counts, mrr


def half_up_cents(amount):
    """A non-negative exact amount to cents, half-up."""
    return int(amount * 100 + Fraction(1, 2)) if amount >= 0 else -int(-amount * 100 + Fraction(1, 2))


class Rates:
    """The ECB reference rates (the CSV Orchard ships: Date, then one column per currency per EUR)."""

    def __init__(self, data):
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        reader = csv.reader(io.StringIO(data.decode("utf-8")))
        header = [name.strip() for name in next(reader)]
        self.by_currency = {}
        for row in reader:
            if not row or not row[0].strip():
                continue
            day = row[0].strip()
            for name, value in zip(header[1:], row[1:]):
                value = value.strip()
                if value and value != "N/A":
                    self.by_currency.setdefault(name, []).append((day, value))
        for values in self.by_currency.values():
            values.sort()

    def rate(self, currency, day):
        """Units per EUR on `day`: the nearest earlier published rate, at most 45 days old; None otherwise."""
        if currency == "EUR":
            return Decimal(1), None
        best = None
        for published, value in self.by_currency.get(currency, []):
            if published <= day:
                best = (published, value)
            else:
                break
        if best is None:
            return None
        age = (datetime.date.fromisoformat(day) - datetime.date.fromisoformat(best[0])).days
        return (Decimal(best[1]), best[0]) if age <= MAXIMUM_RATE_AGE else None


def convert(cents_by_currency, day, currency, rates):
    """Each currency's cents converted to `currency` with the day's rates (to the millionth, half-even),
    summed, then half-up to the cent; currencies without a usable rate stay apart."""
    target = rates.rate(currency, day)
    total_micros = 0
    unconverted = {}
    for code, cents in sorted(cents_by_currency.items()):
        if code == currency:
            total_micros += cents * 10_000
            continue
        source = rates.rate(code, day)
        if source is None or target is None:
            unconverted[code] = cents
            continue
        with localcontext() as context:
            context.prec = 60
            exact = Decimal(cents * 10_000) * target[0] / source[0]
            total_micros += int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    cents = (total_micros + 5_000) // 10_000 if total_micros >= 0 else -((-total_micros + 5_000) // 10_000)
    return cents, unconverted


def monday(day):
    return day - datetime.timedelta(days=day.weekday())


def compute(reports, start, end, currency, rates):
    """The API's summary and cohorts for `start..end` (datetime.date) from `reports`:
    {day (ISO text): (subscription_rows or None, event_rows or None)}; None is a report not held."""
    held = sorted(day for day, (states, _) in reports.items()
                  if states is not None and start.isoformat() <= day <= end.isoformat())
    as_of = held[-1] if held else None
    counts, mrr = stock(reports[as_of][0]) if as_of else (None, {})
    cents = {code: half_up_cents(amount) for code, amount in mrr.items() if half_up_cents(amount) != 0}
    total, unconverted = convert(cents, as_of, currency, rates) if as_of else (None, {})
    events = {name: 0 for name in ("trialStarts", "newPaid", "conversions", "renewals", "trialCancellations",
                                   "voluntaryChurn", "involuntaryChurn", "refunds", "reactivations")}
    other = {}
    started, converted = {}, {}
    for _, (_, rows) in sorted(reports.items()):
        for row in rows or []:
            event_day = datetime.date.fromisoformat(row["Event Date"])
            quantity = int(row.get("Quantity") or 0)
            kind = classify(row.get("Event", ""), row.get("Subscription Offer Type", ""))
            if start <= event_day <= end:
                if kind == "other":
                    other[row["Event"]] = other.get(row["Event"], 0) + quantity
                else:
                    events[kind] += quantity
                if kind == "trialStarts":
                    started[monday(event_day)] = started.get(monday(event_day), 0) + quantity
            original = row.get("Original Start Date")
            if kind == "conversions" and original:
                original_day = datetime.date.fromisoformat(original)
                if start <= original_day <= end:
                    converted[monday(original_day)] = converted.get(monday(original_day), 0) + quantity
    before = (start - datetime.timedelta(days=1)).isoformat()
    churn = None
    if before in reports and reports[before][0] is not None:
        paid_before = stock(reports[before][0])[0]["paid"]
        if paid_before > 0:
            churn = (events["voluntaryChurn"] + events["involuntaryChurn"]) / paid_before
    weeks = []
    week = monday(start)
    while week <= end:
        weeks.append({"week": week.isoformat(), "started": started.get(week, 0), "converted": converted.get(week, 0)})
        week += datetime.timedelta(days=7)
    return {
        "asOf": as_of, "counts": counts, "mrrCents": cents, "mrrTotalCents": total, "unconverted": unconverted,
        "events": events, "other": other, "churnRate": churn, "weeks": weeks,
    }
