#!/usr/bin/env python3
"""Generate a realistic Summary Sales report (28 columns, Apple's layout) for benchmarks.

Many apps with in-app purchases, 175 storefronts with their currencies, every product type
(plus a few unknown ones), refunds, free rows with a blank Currency of Proceeds, non-ASCII
titles. Deterministic for a given --seed.

    python3 Benchmarks/generate_sales.py --rows 1000000 --out /tmp/orchard-bench/sales_1m.txt
"""
import argparse
import os
import random

HEADER = [
    "Provider", "Provider Country", "SKU", "Developer", "Title", "Version", "Product Type Identifier", "Units",
    "Developer Proceeds", "Begin Date", "End Date", "Customer Currency", "Country Code", "Currency of Proceeds",
    "Apple Identifier", "Customer Price", "Promo Code", "Parent Identifier", "Subscription", "Period", "Category",
    "CMB", "Device", "Supported Platforms", "Proceeds Reason", "Preserved Pricing", "Client", "Order Type",
]

EURO = "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK".split()
LOCAL = {
    "US": "USD", "CA": "CAD", "MX": "MXN", "BR": "BRL", "CL": "CLP", "CO": "COP", "PE": "PEN", "GB": "GBP",
    "CH": "CHF", "NO": "NOK", "SE": "SEK", "DK": "DKK", "PL": "PLN", "CZ": "CZK", "HU": "HUF", "RO": "RON",
    "BG": "BGN", "TR": "TRY", "RU": "RUB", "UA": "UAH", "KZ": "KZT", "IL": "ILS", "AE": "AED", "SA": "SAR",
    "QA": "QAR", "EG": "EGP", "ZA": "ZAR", "NG": "NGN", "TZ": "TZS", "IN": "INR", "PK": "PKR", "ID": "IDR",
    "TH": "THB", "VN": "VND", "MY": "MYR", "PH": "PHP", "SG": "SGD", "CN": "CNY", "HK": "HKD", "TW": "TWD",
    "JP": "JPY", "KR": "KRW", "AU": "AUD", "NZ": "NZD",
}
# Storefronts without a local currency sell in USD.
USD_ONLY = (
    "AF AG AI AL AM AO AR AZ BA BB BD BF BH BJ BM BN BO BS BT BW BY BZ CD CG CI CM CR CV DM DO DZ EC FJ FM GA GD GE "
    "GH GM GN GT GW GY HN IQ IS JM JO KE KG KH KN KW KY LA LB LC LK LR LY MA MD ME MG MK ML MM MN MO MR MS MU MV MW "
    "MZ NA NE NI NP NR OM PA PG PS PW PY RS RW SB SC SL SN SR ST SV SZ TC TD TJ TM TN TO TT UG UY UZ VC VE VG XK YE "
    "ZM ZW"
).split()
COUNTRIES = [(c, "EUR") for c in EURO] + list(LOCAL.items()) + [(c, "USD") for c in USD_ONLY]
COUNTRIES = COUNTRIES[:175]
assert len(COUNTRIES) == 175, len(COUNTRIES)
# Rough units of local currency per USD, to make plausible prices.
RATE = {"USD": 1, "EUR": 0.93, "JPY": 150, "KRW": 1350, "IDR": 15800, "VND": 25000, "CLP": 950, "COP": 3900,
        "HUF": 360, "KZT": 470, "NGN": 1500, "TZS": 2500, "INR": 83, "PKR": 280, "RUB": 92, "UAH": 39,
        "TRY": 32, "EGP": 48, "PHP": 56, "THB": 36, "TWD": 32, "CZK": 23, "NOK": 10.8, "SEK": 10.6, "DKK": 6.9,
        "ZAR": 18.5, "MXN": 17, "BRL": 5, "CNY": 7.2, "HKD": 7.8, "PLN": 4, "RON": 4.6, "BGN": 1.8, "ILS": 3.7,
        "AED": 3.67, "SAR": 3.75, "QAR": 3.64}
TITLES = ["Orchard", "Pocket Garden", "UP尤物 Magazine", "Äpfel & Birnen", "Café, Bar & Grill", "Pomme 🍎",
          "Шахматы Про", "東京メトロ ナビ", "Διάλεξη", "सुडोकू", "Ñandú Runner", "Fjällräven Trails", "카메라 필터",
          "Math Tutor", "Photo Booth Pro", "Weather Now", "Habit Tracker", "Night Sky", "Recipes & Co"]
IAP_NAMES = ["100 Coins", "Pro Upgrade", "Monthly Subscription", "Yearly Subscription", "Remove Ads",
             "Gem Pack ✨", "Premium (1 Month)", "Sticker Pack 😀", "Theme: Ночь"]
APP_TYPES = [("1", 30), ("1F", 6), ("1T", 3), ("F1", 3), ("1-B", 1), ("F1-B", 1), ("1E", 1), ("1EP", 1),
             ("1EU", 1), ("3", 15), ("3F", 3), ("3T", 1), ("F3", 1), ("7", 22), ("7F", 4), ("7T", 2), ("F7", 3),
             ("1Z", 1), ("W9", 1)]
IAP_TYPES = [("IA1", 40), ("IAY", 30), ("IA9", 5), ("IA3", 5), ("IA1-M", 5), ("FI1", 5), ("IAY-M", 4),
             ("IA9-M", 2), ("IAC", 1), ("IAQ", 1), ("ZZ", 1)]
DEVICES = ["iPhone", "iPad", "Desktop", "Apple TV", "Apple Watch", "Apple Vision"]
PLATFORMS = {"iPhone": "iOS", "iPad": "iOS", "Desktop": "macOS", "Apple TV": "tvOS", "Apple Watch": "watchOS",
             "Apple Vision": "visionOS"}
CATEGORIES = ["Lifestyle", "Games", "Utilities", "Education", "Photo & Video", "Health & Fitness", "Weather"]


def weighted(choices):
    names = [name for name, _ in choices]
    weights = [weight for _, weight in choices]
    return lambda rng: rng.choices(names, weights)[0]


def money(value):
    return f"{value:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--apps", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    app_type, iap_type = weighted(APP_TYPES), weighted(IAP_TYPES)

    apps = []
    for index in range(args.apps):
        sku = f"com.publisher{index % 37}.app{index}"
        iaps = [f"{sku}.iap{n}" for n in range(rng.randint(0, 8))]
        apps.append((sku, f"{rng.choice(TITLES)} {index}", str(1_000_000_000 + index), iaps, f"Publisher {index % 37}",
                     rng.choice(CATEGORIES), f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                     rng.choice([0, 0, 0.99, 2.99, 4.99, 9.99])))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        out.write("\t".join(HEADER) + "\n")
        lines = []
        for _ in range(args.rows):
            # Half the rows from a few popular apps, half spread over all of them.
            pick = int(rng.paretovariate(1.2)) - 1 if rng.random() < 0.5 else rng.randrange(len(apps))
            sku, title, apple_id, iaps, publisher, category, version, app_price = apps[pick % len(apps)]
            country, currency = rng.choice(COUNTRIES)
            device = rng.choice(DEVICES)
            is_iap = iaps and rng.random() < 0.3
            units = max(1, int(rng.paretovariate(1.5)))
            if rng.random() < 0.01:
                units = -rng.randint(1, 3)
            if is_iap:
                ptype = iap_type(rng)
                iap = rng.randrange(len(iaps))
                row_sku, row_title, parent = iaps[iap], IAP_NAMES[(int(apple_id) + iap) % len(IAP_NAMES)], sku
                usd = 0 if ptype == "IA3" else rng.choice([0.99, 1.99, 4.99, 9.99, 19.99, 49.99])
                row_apple_id, developer, row_version = str(2_000_000_000 + int(apple_id) % 10**6 * 10 + iap), " ", " "
                subscription = rng.choice(["New", "Renewal"]) if ptype.startswith("IAY") else " "
                period = rng.choice(["7 Days", "1 Month", "1 Year"]) if ptype.startswith("IAY") else " "
            else:
                ptype = app_type(rng)
                row_sku, row_title, parent = sku, title, " "
                usd = app_price if ptype[0] in "1F" and ptype not in ("F3", "F7") else 0
                row_apple_id, developer, row_version = apple_id, publisher, version
                subscription = period = " "
            price = round(usd * RATE.get(currency, 1), 2)
            proceeds = round(price * rng.choice([0.7, 0.85]), 2)
            proceeds_currency = currency if price or rng.random() < 0.5 else " "
            lines.append("\t".join([
                "APPLE", "US", row_sku, developer, row_title, row_version, ptype, str(units), money(proceeds),
                "01/01/2024", "01/31/2024", currency, country, proceeds_currency, row_apple_id, money(price),
                rng.choice([" "] * 30 + ["GP", "EDU"]), parent, subscription, period, category, "", device,
                PLATFORMS[device], " ", rng.choice([" "] * 20 + ["Yes"]), " ",
                rng.choice([" "] * 20 + ["Pay As You Go Intro Offer"]),
            ]))
            if len(lines) == 10_000:
                out.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
