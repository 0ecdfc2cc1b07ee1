#!/usr/bin/env python3
"""Baseline (a): the same totals as `orchard summarize --json`, the way the open-source
Reporter ports read reports: the csv module's DictReader over the (gunzipped) text, with
decimal.Decimal so that the money is exact like Orchard's.

    python3 Benchmarks/summarize_csv.py FILE...
"""
import csv
import gzip
import json
import sys
from decimal import ROUND_HALF_EVEN, Decimal

from buckets import BUCKETS, bucket_of

ZERO = Decimal(0)
CENT = Decimal("0.01")


def money(amounts):
    return {currency: str(amounts[currency].quantize(CENT, rounding=ROUND_HALF_EVEN)) for currency in sorted(amounts)}


def add(totals, currency, amount, where):
    if not currency:
        if amount != 0:
            sys.exit(f"{where}: an amount of {amount} has no currency")
        return
    totals[currency] = totals.get(currency, ZERO) + amount


def main(paths):
    units = dict.fromkeys(BUCKETS, 0)
    proceeds, sales, apps = {}, {}, {}
    rows = returns = 0
    for path in paths:
        with open(path, "rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        opener = gzip.open if gzipped else open
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), start=2):
                bucket = bucket_of(row["Product Type Identifier"].strip())
                count = int(row["Units"])
                sku, parent = row["SKU"].strip(), row["Parent Identifier"].strip()
                app_sku = sku if bucket in ("downloads", "redownloads", "updates") or not parent else parent
                app = apps.setdefault(app_sku, {"sku": app_sku, "appleIdentifier": None, "title": None,
                                                "units": dict.fromkeys(BUCKETS, 0), "proceeds": {}})
                units[bucket] += count
                app["units"][bucket] += count
                if count < 0:
                    returns -= count
                amount = count * Decimal(row["Developer Proceeds"].strip())
                currency = row["Currency of Proceeds"].strip()
                add(proceeds, currency, amount, f"{path}:{line}")
                add(app["proceeds"], currency, amount, f"{path}:{line}")
                add(sales, row["Customer Currency"].strip(), count * Decimal(row["Customer Price"].strip()),
                    f"{path}:{line}")
                if bucket in ("downloads", "redownloads", "updates"):
                    apple_id, title = row["Apple Identifier"].strip(), row["Title"].strip()
                    if apple_id:
                        app["appleIdentifier"] = apple_id
                    if title:
                        app["title"] = title
                rows += 1
    for app in apps.values():
        app["proceeds"] = money(app["proceeds"])
    summary = {"files": len(paths), "rows": rows, "units": units, "returns": returns, "proceeds": money(proceeds),
               "sales": money(sales), "apps": [apps[sku] for sku in sorted(apps)]}
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
