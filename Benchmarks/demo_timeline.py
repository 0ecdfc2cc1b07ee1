#!/usr/bin/env python3
"""How long `orchard demo` takes to become a usable product, as a newcomer meets it.

    python3 Benchmarks/demo_timeline.py PATH_TO_ORCHARD [--runs 3] [--backfill-days 365]

Each run starts `orchard demo --reset` in a fresh directory and measures, through the JSON API a
script would use (docs/API.md): start to the printed block; a sign-up and the funnel for both
accounts; the service invited into one account (the sandbox control API) to Active (the sandbox
accepts after 20 s, Orchard checks every 5 s); Active to the whole history loaded. Prints each run
and the medians. Standard library only.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def call(method, url, body=None, bearer=None):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
        return json.loads(text) if text else None


def run(orchard, backfill_days):
    directory = tempfile.mkdtemp(prefix="orchard-demo-timeline.")
    started = time.monotonic()
    demo = subprocess.Popen(
        [orchard, "demo", "--reset", "--directory", directory, "--port", "0", "--backfill-days", str(backfill_days)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        banner = {}
        for line in demo.stdout:
            match = re.match(r"\s+(Dashboard|App Store Connect \(sandbox\)|Access token to paste)\s+(\S+)", line)
            if match:
                banner[match.group(1)] = match.group(2).rstrip("/")
            if "Access token to paste" in banner:
                break
        ready = time.monotonic() - started
        api, sandbox = banner["Dashboard"] + "/api/v1", banner["App Store Connect (sandbox)"]
        bearer = call("POST", f"{api}/auth/signup", {"email": "timeline@example.com", "password": "a long passphrase"})["token"]
        validated = call("POST", f"{api}/asc/tokens", {"accessToken": banner["Access token to paste"]}, bearer)
        numbers = [account["number"] for account in validated["accounts"]]
        call("POST", f"{api}/asc/integrations",
             {"tokenId": validated["token"]["id"], "accounts": numbers, "invitationConfirmed": True}, bearer)
        juniper = next(a["number"] for a in validated["accounts"] if a["name"].startswith("Juniper"))
        invited = time.monotonic()
        call("POST", f"{sandbox}/sandbox/v1/accounts/{juniper}/invitations",
             {"email": "orchard-service@demo.example", "roles": ["SALES"]})
        active = loaded = None
        while loaded is None and time.monotonic() - invited < 1800:
            time.sleep(0.5)
            for integration in call("GET", f"{api}/integrations", bearer=bearer)["integrations"]:
                if integration["account"]["number"] != juniper or integration["status"] != "active":
                    continue
                active = active or time.monotonic()
                backfill = integration["backfill"]
                if backfill["total"] > 0 and backfill["done"] >= backfill["total"]:
                    loaded = time.monotonic()
        return {"ready": ready, "invite_to_active": active - invited, "active_to_loaded": loaded - active,
                "reports": backfill["total"]}
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
        subprocess.run(["rm", "-rf", directory], check=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("orchard")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backfill-days", type=int, default=365)
    arguments = parser.parse_args()
    results = []
    for index in range(arguments.runs):
        result = run(os.path.abspath(arguments.orchard), arguments.backfill_days)
        results.append(result)
        print(f"run {index + 1}: block printed after {result['ready']:.1f} s, Active {result['invite_to_active']:.1f} s "
              f"after the invitation, {result['reports']} reports loaded {result['active_to_loaded']:.1f} s later",
              flush=True)
    for key in ("ready", "invite_to_active", "active_to_loaded"):
        print(f"median {key}: {statistics.median(r[key] for r in results):.1f} s")


if __name__ == "__main__":
    sys.exit(main())
