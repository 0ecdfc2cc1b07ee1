#!/usr/bin/env python3
"""Baseline (b): the same totals as `orchard summarize --json` with pandas:
read_csv(sep="\\t") then groupby. Money is summed in integer cents (exact for Apple's
two-decimal prices) rather than float.

    pip install pandas
    python3 Benchmarks/summarize_pandas.py FILE...
"""
import csv
import json
import sys

import numpy as np
import pandas as pd

from buckets import BUCKETS, bucket_of

COLUMNS = ["SKU", "Title", "Product Type Identifier", "Units", "Developer Proceeds", "Customer Currency",
           "Currency of Proceeds", "Apple Identifier", "Customer Price", "Parent Identifier"]
APP_BUCKETS = ["downloads", "redownloads", "updates"]


def cents(column):
    return (pd.to_numeric(column) * 100).round().astype(np.int64)


def money(series):
    def text(value):
        sign = "-" if value < 0 else ""
        return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"
    return {currency: text(int(series[currency])) for currency in sorted(series.index) if currency}


def main(paths):
    frames = [pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE,
                          usecols=COLUMNS, compression="infer") for path in paths]
    df = pd.concat(frames, ignore_index=True)
    for column in COLUMNS:
        df[column] = df[column].str.strip()
    units = df["Units"].astype(np.int64)
    kinds = df["Product Type Identifier"].unique()
    bucket = df["Product Type Identifier"].map({kind: bucket_of(kind) for kind in kinds})
    is_app = bucket.isin(APP_BUCKETS)
    app = df["SKU"].where(is_app | (df["Parent Identifier"] == ""), df["Parent Identifier"])
    proceeds = units * cents(df["Developer Proceeds"])
    sales = units * cents(df["Customer Price"])
    for amount, currency in ((proceeds, "Currency of Proceeds"), (sales, "Customer Currency")):
        if ((df[currency] == "") & (amount != 0)).any():
            sys.exit("an amount has no currency")
    by_bucket = units.groupby(bucket).sum()
    frame = pd.DataFrame({"app": app, "bucket": bucket, "units": units, "proceeds": proceeds,
                          "currency": df["Currency of Proceeds"]})
    app_units = frame.groupby(["app", "bucket"])["units"].sum()
    app_proceeds = frame.groupby(["app", "currency"])["proceeds"].sum()
    app_rows = df[is_app].assign(app=app[is_app])
    apple_ids = app_rows[app_rows["Apple Identifier"] != ""].groupby("app")["Apple Identifier"].last()
    titles = app_rows[app_rows["Title"] != ""].groupby("app")["Title"].last()
    apps = []
    for sku in sorted(app.unique()):
        counts = app_units[sku]
        apps.append({"sku": sku, "appleIdentifier": apple_ids.get(sku), "title": titles.get(sku),
                     "units": {name: int(counts.get(name, 0)) for name in BUCKETS},
                     "proceeds": money(app_proceeds[sku]) if sku in app_proceeds.index.get_level_values(0) else {}})
    summary = {"files": len(paths), "rows": len(df),
               "units": {name: int(by_bucket.get(name, 0)) for name in BUCKETS},
               "returns": int(-units[units < 0].sum()),
               "proceeds": money(proceeds.groupby(df["Currency of Proceeds"]).sum()),
               "sales": money(sales.groupby(df["Customer Currency"]).sum()), "apps": apps}
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
