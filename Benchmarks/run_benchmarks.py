#!/usr/bin/env python3
"""Benchmark `orchard summarize` against the Python baselines and the wc/gzip floors.

Generates a realistic 1,000,000-row, 28-column Summary Sales report (and its .gz) under
--dir unless present, checks that every tool computes the same totals, then times each
command --runs times, round-robin (so every tool sees the same machine state), and prints
a Markdown table: median/min/max wall time, median peak RSS, and the ratios to the baselines with their goals.

    swift build -c release --product orchard
    pip install pandas
    python3 Benchmarks/run_benchmarks.py --runs 5 --fast-runs 21
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    try:
        import pandas
        pandas_version = pandas.__version__
    except ImportError:
        pandas_version = "not installed"
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
            "kernel": platform.release(), "python": platform.python_version(), "pandas": pandas_version,
            "swift": next((line for line in swift if "version" in line), "?")}


def run_once(command):
    """Wall seconds (perf_counter around the process), CPU seconds (user + system) and peak RSS
    in KiB (both from GNU time)."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", report.name] + command, stdout=subprocess.DEVNULL,
                       check=True)
        elapsed = time.perf_counter() - start
        user, system, rss = report.read().strip().splitlines()[-1].split()
        return elapsed, float(user) + float(system), int(rss)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orchard", default=os.path.join(ROOT, ".build/release/orchard"))
    parser.add_argument("--dir", default="/tmp/orchard-bench")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of the Python baselines")
    parser.add_argument("--fast-runs", type=int, default=21, help="runs of orchard, wc and gzip (cheap, so more)")
    args = parser.parse_args()

    txt = os.path.join(args.dir, f"sales_{args.rows}.txt")
    gz = txt + ".gz"
    if not os.path.exists(txt):
        subprocess.run([sys.executable, os.path.join(HERE, "generate_sales.py"), "--rows", str(args.rows),
                        "--out", txt], check=True)
    if not os.path.exists(gz):
        subprocess.run(["gzip", "-6", "-k", "-f", txt], check=True)
    print(f"data: {txt} ({os.path.getsize(txt) / 2**20:.1f} MiB), {gz} ({os.path.getsize(gz) / 2**20:.1f} MiB)")

    python = sys.executable
    commands = {
        "orchard summarize .txt": [args.orchard, "summarize", "--json", txt],
        "orchard summarize .txt.gz": [args.orchard, "summarize", "--json", gz],
        "(a) csv.DictReader .txt": [python, os.path.join(HERE, "summarize_csv.py"), txt],
        "(a) csv.DictReader .txt.gz": [python, os.path.join(HERE, "summarize_csv.py"), gz],
        "(b) pandas .txt": [python, os.path.join(HERE, "summarize_pandas.py"), txt],
        "(b) pandas .txt.gz": [python, os.path.join(HERE, "summarize_pandas.py"), gz],
        "(c) wc -l .txt": ["wc", "-l", txt],
        "(c) gzip -dc .txt.gz": ["gzip", "-dc", gz],
    }

    outputs = {}
    for name, command in commands.items():
        if not name.startswith("(c)"):
            outputs[name] = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    reference = outputs["orchard summarize .txt"]
    agree = all(output == reference for output in outputs.values())
    print(f"same totals from every tool: {agree}")
    if not agree:
        for name, output in outputs.items():
            print(f"  {name}: {'same' if output == reference else 'DIFFERENT'}")
        sys.exit(1)

    # Round-robin: every round runs each command once (the slow baselines only in the first
    # --runs rounds), so all tools see the same machine state.
    samples = {name: [] for name in commands}
    for round_index in range(max(args.runs, args.fast_runs)):
        for name, command in commands.items():
            slow = name.startswith("(a)") or name.startswith("(b)")
            if round_index < (args.runs if slow else args.fast_runs):
                samples[name].append(run_once(command))

    median = {name: statistics.median(t for t, _, _ in runs) for name, runs in samples.items()}
    print()
    print("| command | runs | median wall s | min s | max s | median CPU s | median peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, runs in samples.items():
        times = [t for t, _, _ in runs]
        cpu = statistics.median(c for _, c, _ in runs)
        rss = statistics.median(r for _, _, r in runs) / 1024
        print(f"| {name} | {len(runs)} | {median[name]:.3f} | {min(times):.3f} | {max(times):.3f} | {cpu:.2f} "
              f"| {rss:.1f} |")
    print()
    print("| ratio (medians, same run) | .txt | .txt.gz | goal |")
    print("|---|---:|---:|---|")
    for label, base, goal in [("(a) csv.DictReader / orchard", "(a) csv.DictReader", ">= 10x"),
                              ("(b) pandas / orchard", "(b) pandas", ">= 2x")]:
        print(f"| {label} | {median[base + ' .txt'] / median['orchard summarize .txt']:.1f}x "
              f"| {median[base + ' .txt.gz'] / median['orchard summarize .txt.gz']:.1f}x | {goal} |")
    print(f"| orchard / wc -l | {median['orchard summarize .txt'] / median['(c) wc -l .txt']:.1f}x | | <= 3x |")
    print(f"| orchard / gzip -dc | | {median['orchard summarize .txt.gz'] / median['(c) gzip -dc .txt.gz']:.2f}x "
          f"| <= 1.5x |")
    print()
    for key, value in machine().items():
        print(f"- {key}: {value}")


if __name__ == "__main__":
    main()
