#!/usr/bin/env python3
"""Times `orchard import` of the 1,000,000-row Summary Sales file against the databases' own bulk loaders.

    swift build -c release --product orchard
    python3 Benchmarks/ingest_benchmark.py --runs 5

SQLite: `orchard import` into a fresh database file versus the sqlite3 shell's `.import` of the same
file into an equivalent table (the report's 28 columns). PostgreSQL: `orchard import` into a fresh
database versus `psql -c "\\copy ..."` of the same file into an equivalent table. Orchard's time
includes parsing, typed facts, the raw-file copy, the apps, the daily rollups, the metric and product
slices and the ledger; the database is migrated before the timed run, as the baselines' tables are
created before theirs. The PostgreSQL
part runs when --postgres-url (an admin URL; scripts/postgres starts a throwaway cluster) is given.
Each run starts from an empty database; runs alternate between the tools; medians are printed.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(command, env=None):
    """Runs a command under /usr/bin/time -v; returns (seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v"] + command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}\n{result.stderr}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    return elapsed, peak


def header_columns(path):
    with open(path, encoding="utf-8") as f:
        return f.readline().rstrip("\n").split("\t")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orchard", default=os.path.join(ROOT, ".build/release/orchard"))
    parser.add_argument("--dir", default="/tmp/orchard-bench")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres-url", default=os.environ.get("ORCHARD_TEST_POSTGRES_URL"))
    parser.add_argument("--max-ratio", type=float, default=None,
                        help="exit 1 when Orchard's median is more than this many times its baseline's")
    args = parser.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    # The generator writes a month's report; a Daily one (Begin = End) makes Orchard compute the daily
    # rollups too, which the timing must include.
    data = os.path.join(args.dir, f"S_D_85442109_20240101_{args.rows}.txt")
    if not os.path.exists(data):
        monthly = os.path.join(args.dir, f"sales_{args.rows}.txt")
        if not os.path.exists(monthly):
            subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks/generate_sales.py"), "--rows",
                            str(args.rows), "--out", monthly], check=True)
        with open(monthly, encoding="utf-8") as source, open(data, "w", encoding="utf-8") as target:
            for line in source:
                target.write(line.replace("\t01/31/2024\t", "\t01/01/2024\t", 1))
    columns = header_columns(data)
    table = "CREATE TABLE sales_raw (" + ", ".join(f'"{c}" TEXT' for c in columns) + ")"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_") and k != "DATABASE_URL"}
    env["ORCHARD_LOG_LEVEL"] = "warning"
    results = {}

    def add(name, sample):
        results.setdefault(name, []).append(sample)

    for run in range(args.runs):
        # SQLite
        work = os.path.join(args.dir, "ingest-sqlite")
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        env["ORCHARD_DATA_DIR"] = os.path.join(work, "data")
        # Migrated before the timed run, as the baselines' tables are created before theirs (a first
        # migration loads the ECB's rates, about a second).
        subprocess.run([args.orchard, "migrate", "--database-url", f"sqlite://{work}/orchard.sqlite"], env=env,
                       check=True, capture_output=True)
        add("orchard import (SQLite)", timed([args.orchard, "import", "--account", "1", "--vendor", "85442109",
                                             "--database-url", f"sqlite://{work}/orchard.sqlite", data], env))
        baseline = os.path.join(work, "baseline.sqlite")
        subprocess.run(["sqlite3", baseline, table], check=True)
        add("sqlite3 .import", timed(["sqlite3", baseline, ".mode tabs", f".import --skip 1 {data} sales_raw"]))
        if args.postgres_url:
            base = args.postgres_url.split("?")[0].rsplit("/", 1)[0]
            for name in ("bench_orchard", "bench_copy"):
                subprocess.run(["psql", args.postgres_url, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
                subprocess.run(["psql", args.postgres_url, "-qc", f"CREATE DATABASE {name}"], check=True)
            orchard_url = f"{base}/bench_orchard?sslmode=disable"
            subprocess.run([args.orchard, "migrate", "--database-url", orchard_url], env=env, check=True,
                           capture_output=True)
            add("orchard import (PostgreSQL)", timed([args.orchard, "import", "--account", "1", "--vendor", "85442109",
                                                     "--database-url", orchard_url, data], env))
            copy_url = f"{base}/bench_copy"
            subprocess.run(["psql", copy_url, "-qc", table], check=True)
            add("psql \\copy", timed(["psql", copy_url, "-qc",
                                      f"\\copy sales_raw from '{data}' with (format text, header true)"]))
        print(f"run {run + 1}/{args.runs} done", file=sys.stderr)

    print(f"rows: {args.rows:,}; file: {os.path.getsize(data) / 2**20:.0f} MiB; runs: {args.runs}")
    print("| tool | median s | runs (s) | peak RSS MiB |")
    print("|---|---|---|---|")
    for name, samples in results.items():
        times = [t for t, _ in samples]
        print(f"| {name} | {statistics.median(times):.2f} | {', '.join(f'{t:.2f}' for t in times)} "
              f"| {max(p for _, p in samples):.0f} |")
    over = []
    for ours, theirs in (("orchard import (SQLite)", "sqlite3 .import"), ("orchard import (PostgreSQL)", "psql \\copy")):
        if ours in results and theirs in results:
            ratio = statistics.median(t for t, _ in results[ours]) / statistics.median(t for t, _ in results[theirs])
            print(f"{ours} / {theirs}: {ratio:.2f}x")
            if args.max_ratio is not None and ratio > args.max_ratio:
                over.append(f"{ours} is {ratio:.2f}x {theirs} (at most {args.max_ratio}x)")
    if over:
        sys.exit("ingestion regressed: " + "; ".join(over))


if __name__ == "__main__":
    main()
