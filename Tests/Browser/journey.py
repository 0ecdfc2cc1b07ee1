#!/usr/bin/env python3
"""Orchard's journey in a real browser: headless Chromium driven by Selenium through `orchard demo`.

    journey.py --orchard BIN --backend NAME --screenshots DIR --directory DIR [--database-url URL]

Starts the demo (Connect Sandbox, server and workers in one process), then, as people would:
  1. a user signs up and connects both sandbox accounts through the funnel (a wrong token first,
     finishing without the confirmation refused); both integrations are pending;
  2. the account holder invites the service Apple ID into Juniper in the sandbox's page; the
     integration turns active, its history loads, and the dashboard's figures for a week equal
     what `orchard summarize` computes from the sandbox's own report files; the Subscriptions
     page and API for the three weeks ending then equal what subscription_reference.py computes from the sandbox's
     Subscription and Subscription Event reports by the definitions of docs/SUBSCRIPTIONS.md;
  3. a second user connects Juniper with the colleague's token (active at once); the account
     holder removes the service user; both users see the integration removed, with the reason;
  5. without JavaScript, a third user completes the funnel and sees a pending integration
     (while the removal and the expiry are under way);
  4. the first user's Birch integration expires and "Remove and start again" leads to step 1;
  6. the service Apple ID invited into Juniper again: active again, "Access restored on";
  7. Juniper's account page shows vendors, apps, days held and history; Data Integration and the
     account page read as cards at phone width (390 px), never scrolling sideways.
Each step saves screenshots (DIR/NN-name.png) and prints its duration. On a failure it prints
what each browser shows and its console log, and exits 1; a product problem that does not stop the
journey (a wrong message, a misplaced button) is reported at the end and exits 2. Needs only
`selenium` (and Debian's chromium and chromedriver).
"""

import argparse
import contextlib
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import urllib.request
from decimal import Decimal

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import subscription_reference  # noqa: E402  (beside this file)

PASSWORD = "a long enough passphrase"  # the sign-up page asks for at least 10 characters
WRONG_TOKEN = "0badc0de-0000-4000-8000-000000000000"
REVOKED_REASON = "The service user was removed from this App Store Connect account"


class Failure(Exception):
    """What the journey expected and did not see."""


def check(condition, message):
    if not condition:
        raise Failure(message)


class Log:
    def __init__(self, backend):
        self.prefix = f"[{backend}]"
        self.started = time.monotonic()

    def __call__(self, message=""):
        elapsed = time.monotonic() - self.started
        for line in str(message).splitlines() or [""]:
            print(f"{self.prefix} {elapsed:6.1f}s {line}", flush=True)


# MARK: - The demo process


class Demo:
    """`orchard demo` in a directory of its own; its banner read for URLs and tokens."""

    def __init__(self, binary, directory, database_url, log):
        self.log = log
        os.makedirs(directory, exist_ok=True)
        self.stderr_path = os.path.join(directory, "demo.stderr")
        self.stdout_lines = []
        command = [
            binary, "demo", "--directory", os.path.join(directory, "demo"), "--reset", "--port", "0",
            "--auto-accept-after", "5", "--invitation-window-minutes", "1.5", "--invitation-check-seconds", "2",
            "--backfill-days", "30",
        ]
        if database_url:
            command += ["--database-url", database_url]
        self.stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.stderr, stdin=subprocess.DEVNULL)
        self.banner = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stdout_lines.append(line)
            if line.strip().startswith("Service Apple ID to invite"):
                self.banner.set()
        self.banner.set()

    def stderr_text(self):
        with open(self.stderr_path, "rb") as file:
            return file.read().decode("utf-8", "replace")

    def wait_for_banner(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(line.strip().startswith("Access token to paste") for line in self.stdout_lines):
                # The banner is written at once; its last line follows straight away.
                self.banner.wait(max(0.1, min(5, deadline - time.monotonic())))
                break
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        text = "\n".join(self.stdout_lines)
        if not any(line.strip().startswith("Access token to paste") for line in self.stdout_lines):
            status = self.process.poll()
            when = f"within {timeout} s" if status is None else f"before it exited with status {status}"
            raise Failure(f"orchard demo did not print its access token {when}.\n"
                          f"stdout:\n{text}\nstderr:\n{self.stderr_text()}")

        def field(label, pattern):
            for line in self.stdout_lines:
                stripped = line.strip()
                if stripped.startswith(label):
                    match = re.search(pattern, stripped[len(label):])
                    if match:
                        return match.group(1)
            raise Failure(f"no '{label}' line in the demo's banner:\n{text}")

        url = r"(https?://\S+?)/?(?:\s|$)"
        email = r"([\w.+-]+@[\w.-]+)"
        self.dashboard = field("Dashboard", url)
        self.sandbox = field("App Store Connect (sandbox)", url)
        self.owner = field("sign in as", email)
        self.token = field("Access token to paste", r"(\S+)")
        self.colleague_token = field("A colleague's token", r"(\S+)")
        self.colleague = field("A colleague's token", email)
        self.service_apple_id = field("Service Apple ID to invite", email)
        # The demo's own operator: "sign in    demo@orchard.example / orchard-demo" (not "sign in as").
        operator = next((re.search(r"([\w.+-]+@[\w.-]+) / (\S+)", line) for line in self.stdout_lines
                         if line.strip().startswith("sign in ") and not line.strip().startswith("sign in as")), None)
        if not operator:
            raise Failure(f"no operator sign-in line in the demo's banner:\n{text}")
        self.operator = (operator.group(1), operator.group(2))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.log("orchard demo did not stop within 20 s of SIGINT: killed")
                self.process.kill()
                self.process.wait()
        self.stderr.close()
        return self.process.returncode


# MARK: - HTTP helpers (waiting and the sandbox's control API; assertions use the browser)


def http_json(url, method="GET", body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def figure(text):
    """A card's figure as a number: thousands separators and the typographic minus handled."""
    cleaned = text.strip().replace(",", "").replace("\u2212", "-").replace("\u00a0", "")
    check(re.fullmatch(r"-?\d+", cleaned) is not None, f"a card's figure is not a whole number: {text!r}")
    return int(cleaned)


# MARK: - The journey


class Journey:
    def __init__(self, args):
        self.args = args
        self.log = Log(args.backend)
        self.screenshots = args.screenshots
        os.makedirs(self.screenshots, exist_ok=True)
        for old in os.listdir(self.screenshots):
            if re.fullmatch(r"\d\d+-.*\.png", old):
                os.remove(os.path.join(self.screenshots, old))
        self.shots = 0
        self.browsers = {}  # name -> driver
        self.current = None  # the browser the journey is looking at
        self.demo = None
        self.durations = []
        # What the product does wrong where the journey can go on: reported at the end, and the run fails.
        self.problems = []

    # MARK: Browsers

    def browser(self, name, javascript=True):
        options = Options()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                         "--disable-gpu", "--no-first-run", "--disable-extensions", "--lang=en-US"):
            options.add_argument(argument)
        if not javascript:
            options.add_argument("--blink-settings=scriptEnabled=false")
            options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(30)
        self.browsers[name] = driver
        self.current = name
        return driver

    def close_browser(self, name):
        driver = self.browsers.pop(name, None)
        if driver:
            self.check_console(name, driver)
            with contextlib.suppress(Exception):
                driver.quit()

    def expect(self, condition, message):
        """A product problem that does not stop the journey: reported at the end, and the run fails."""
        if not condition:
            self.problems.append(message)
            self.log(f"   PRODUCT PROBLEM: {message}")

    def note_slow_checks(self, what, seconds, base):
        """The demo checks invitations every 2 s (the removal needs two checks): 20 s more than the
        sandbox's own delay means the checks do not run as often as configured."""
        self.expect(seconds <= base + 20,
                    f"{what} took {seconds:.0f} s although the demo checks invitations every 2 s")

    def check_console(self, name, driver):
        """Script errors and policy violations in a browser's console are problems; failed loads
        (the 4xx answers the journey provokes, the missing favicon) are not."""
        try:
            entries = driver.get_log("browser")
        except WebDriverException:
            return
        for entry in entries:
            message = entry.get("message", "")
            if entry.get("level") == "SEVERE" and "Failed to load resource" not in message:
                self.expect(False, f"the {name}'s browser console: {message}")

    def use(self, name):
        self.current = name
        return self.browsers[name]

    def shot(self, name):
        self.shots += 1
        path = os.path.join(self.screenshots, f"{self.shots:02d}-{name}.png")
        self.browsers[self.current].save_screenshot(path)
        return path

    @staticmethod
    def left_document(error):
        """Read while the page navigates, Chromium says the node left the document, not always as
        a stale element: a wait asks again."""
        return "does not belong to the document" in str(error)

    def wait(self, driver, condition, timeout, what):
        def attempt(d):
            try:
                return condition(d)
            except WebDriverException as error:
                if self.left_document(error):
                    return None
                raise

        try:
            return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=(
                StaleElementReferenceException,)).until(attempt)
        except TimeoutException:
            raise Failure(f"waited {timeout} s for {what}") from None

    def poll(self, driver, url, condition, timeout, what, interval=0.5):
        """Loads `url` again and again until `condition(driver)` is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            driver.get(url)
            with contextlib.suppress(StaleElementReferenceException):
                last = condition(driver)
                if last:
                    return last
            if time.monotonic() >= deadline:
                raise Failure(f"waited {timeout} s for {what}")
            time.sleep(interval)

    @contextlib.contextmanager
    def step(self, name):
        self.log(f"── {name}")
        started = time.monotonic()
        yield
        duration = time.monotonic() - started
        self.durations.append((name, duration))
        self.log(f"   ok: {name} ({duration:.1f} s)")

    # MARK: Page readers

    @staticmethod
    def text(driver):
        return driver.find_element(By.TAG_NAME, "body").text

    @staticmethod
    def h1(driver, root=None):
        found = (root or driver).find_elements(By.TAG_NAME, "h1")
        try:
            return found[0].text.strip() if found else ""
        except WebDriverException as error:
            # The caller's wait asks again (see left_document).
            if Journey.left_document(error):
                return ""
            raise

    @staticmethod
    def integration_rows(driver):
        """The Data Integration page's table: account number -> what the row shows."""
        rows = {}
        for row in driver.find_elements(By.CSS_SELECTOR, "table tbody tr"):
            cells = row.find_elements(By.TAG_NAME, "td")
            if len(cells) < 5:
                continue
            match = re.search(r"\((\d+)\)\s*$", cells[0].text.strip())
            if not match:
                continue
            badge = cells[1].find_elements(By.CSS_SELECTOR, "span.badge")
            hint = cells[1].find_elements(By.CSS_SELECTOR, "p.hint")
            bars = cells[3].find_elements(By.TAG_NAME, "progress")
            progress = None
            if bars:
                progress = (int(bars[0].get_attribute("value")), int(bars[0].get_attribute("max")))
            rows[match.group(1)] = {
                "account": cells[0].text.strip(),
                "status": badge[0].text.strip() if badge else "",
                "sentence": hint[0].text.strip() if hint else "",
                "progress": progress,
                "history": cells[3].text.strip(),
                "buttons": [button.text.strip() for button in cells[4].find_elements(By.TAG_NAME, "button")],
            }
        return rows

    # MARK: Steps shared by users

    def sign_up(self, driver, email, who):
        driver.get(self.demo.dashboard + "/")
        driver.find_element(By.LINK_TEXT, "Sign up").click()
        self.wait(driver, lambda d: d.current_url.endswith("/signup"), 10, "the sign-up page")
        check(self.h1(driver) == "Create your Orchard account", f"sign-up heading: {self.h1(driver)!r}")
        hint = driver.find_element(By.ID, "password-hint").text
        minimum = int(re.search(r"At least (\d+) characters", hint).group(1))
        check(len(PASSWORD) >= minimum, f"the journey's password is shorter than the {minimum} characters asked")
        driver.find_element(By.ID, "email").send_keys(email)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.XPATH, "//button[normalize-space()='Create account']").click()
        self.wait(driver, lambda d: "Welcome to Orchard" in self.text(d), 15, "the welcome message after sign-up")
        check(email in self.text(driver), f"{who}'s address is not shown in the page's frame after sign-up")
        self.log(f"   {who} signed up as {email}")

    def open_data_integration(self, driver):
        driver.find_element(By.LINK_TEXT, "Data Integration").click()
        self.wait(driver, lambda d: d.current_url.endswith("/integrations") and self.h1(d) == "Data Integration",
                  15, "the Data Integration page")

    def dialog(self, driver):
        """The funnel's <dialog>, when open."""
        found = driver.find_elements(By.CSS_SELECTOR, "dialog.funnel-dialog[open]")
        return found[0] if found else None

    def dialog_heading(self, driver, heading):
        dialog = self.dialog(driver)
        return dialog if dialog is not None and self.h1(driver, dialog) == heading else None

    def funnel_with_javascript(self, driver, token, numbers, wrong_token_first, refuse_unconfirmed):
        """The three steps in the dialog that orchard.js opens from the Data Integration page."""
        page = driver.current_url
        driver.find_element(By.CSS_SELECTOR, "a[data-dialog='funnel']").click()
        dialog = self.wait(driver, lambda d: self.dialog_heading(d, "Connect App Store Connect"), 15,
                           "the funnel's dialog at step 1")
        check(driver.current_url == page, "opening the funnel left the page instead of opening a dialog")
        step = dialog.find_element(By.CSS_SELECTOR, "ol.steps li[aria-current='step']").text
        check("Access token" in step, f"the dialog's current step is {step!r}, not the access token")
        if wrong_token_first:
            dialog.find_element(By.ID, "accessToken").send_keys(WRONG_TOKEN)
            dialog.find_element(By.XPATH, ".//button[normalize-space()='Check token']").click()
            error = self.wait(
                driver, lambda d: (self.dialog(d) and self.dialog(d).find_elements(By.ID, "token-error") or [None])[0],
                20, "the wrong token's error in the dialog")
            message = error.text.strip()
            check(message, "the wrong token's error is empty")
            dialog = self.dialog(driver)
            field = dialog.find_element(By.ID, "accessToken")
            check(field.get_attribute("aria-invalid") == "true", "the token field is not marked invalid")
            next_button = dialog.find_element(By.XPATH, ".//div[@class='actions']//*[normalize-space()='Next']")
            check(next_button.tag_name == "button" and not next_button.is_enabled(),
                  "Next is enabled after a wrong token")
            check(not dialog.find_elements(By.CSS_SELECTOR, ".flash.notice"), "a wrong token was called valid")
            self.log(f"   wrong token refused: {message!r}; Next stays disabled")
            self.shot("funnel-wrong-token")
        dialog = self.dialog(driver)
        field = dialog.find_element(By.ID, "accessToken")
        field.clear()
        field.send_keys(token)
        dialog.find_element(By.XPATH, ".//button[normalize-space()='Check token']").click()
        notice = self.wait(
            driver, lambda d: (self.dialog(d) and self.dialog(d).find_elements(By.CSS_SELECTOR, ".flash.notice")
                               or [None])[0], 20, "the valid token's notice in the dialog")
        check("is valid" in notice.text, f"the token notice says {notice.text!r}")
        check(token not in self.text(driver), "the whole token is shown back on the page")
        self.log(f"   {notice.text.strip()}")
        dialog = self.dialog(driver)
        next_link = dialog.find_element(By.XPATH, ".//div[@class='actions']//a[normalize-space()='Next']")
        self.shot("funnel-token-valid")
        next_link.click()
        dialog = self.wait(driver, lambda d: self.dialog_heading(d, "Choose accounts"), 20, "step 2 in the dialog")
        boxes = dialog.find_elements(By.CSS_SELECTOR, "input[type=checkbox][name=account]")
        offered = sorted(box.get_attribute("value") for box in boxes)
        for box in boxes:
            if box.get_attribute("value") in numbers and not box.is_selected():
                box.click()
        self.log(f"   step 2 offers accounts {offered}; chose {sorted(numbers)}")
        self.shot("funnel-accounts")
        dialog.find_element(By.XPATH, ".//div[@class='actions']//button[normalize-space()='Next']").click()
        dialog = self.wait(driver, lambda d: self.dialog_heading(d, "Invite Orchard into your accounts"), 20,
                           "step 3 in the dialog")
        shown = dialog.find_element(By.ID, "service-apple-id").text.strip()
        check(shown == self.demo.service_apple_id,
              f"step 3 shows {shown!r} to invite, the demo's service Apple ID is {self.demo.service_apple_id!r}")
        hidden = sorted(i.get_attribute("value") for i in dialog.find_elements(By.CSS_SELECTOR, "input[name=account]"))
        check(hidden == sorted(numbers), f"step 3 would finish accounts {hidden}, not {sorted(numbers)}")
        finish = dialog.find_element(By.XPATH, ".//button[normalize-space()='Finish']")
        if refuse_unconfirmed:
            # Finishing without the checkbox: the browser refuses the form (the box is required).
            url = driver.current_url
            # The browser's own validation refuses the form at the click: the checkbox gets an `invalid`
            # event and the form no `submit` event. A navigation would have cleared both marks.
            driver.execute_script("""
                const box = document.querySelector('dialog #confirmed');
                window.orchardRefused = false;
                window.orchardSubmitted = false;
                box.addEventListener('invalid', () => { window.orchardRefused = true; }, {once: true});
                box.form.addEventListener('submit', () => { window.orchardSubmitted = true; }, {once: true});
            """)
            finish.click()
            self.wait(driver, lambda d: d.execute_script("return window.orchardRefused === true"), 10,
                      "the browser's refusal of the unconfirmed form")
            check(driver.execute_script("return window.orchardSubmitted") is False,
                  "the form without the confirmation checkbox was submitted")
            dialog = self.dialog_heading(driver, "Invite Orchard into your accounts")
            check(driver.current_url == url and dialog is not None,
                  "finishing without the confirmation checkbox left step 3")
            missing = driver.execute_script("return document.querySelector('dialog #confirmed').validity.valueMissing")
            check(missing, "the confirmation checkbox is not reported missing")
            self.log("   finish without the checkbox: refused by the browser (the checkbox is required)")
            self.shot("funnel-unconfirmed-refused-by-browser")
            # And the server refuses too, should the browser not check.
            driver.execute_script("document.querySelector('dialog #confirmed').removeAttribute('required')")
            dialog.find_element(By.XPATH, ".//button[normalize-space()='Finish']").click()
            error = self.wait(driver, lambda d: d.current_url.endswith("/finish") and (
                d.find_elements(By.CSS_SELECTOR, "main .flash.error") or [None])[0], 20,
                "the server's answer to an unconfirmed finish")
            check(self.h1(driver) == "Invite Orchard into your accounts",
                  f"the server answered an unconfirmed finish with {self.h1(driver)!r}")
            self.log(f"   finish without the checkbox, browser check bypassed: server says {error.text.strip()!r}")
            self.shot("funnel-unconfirmed-refused-by-server")
            root = driver.find_element(By.TAG_NAME, "main")
        else:
            root = dialog
        root.find_element(By.ID, "confirmed").click()
        root.find_element(By.XPATH, ".//button[normalize-space()='Finish']").click()
        self.wait(driver, lambda d: d.current_url.endswith("/integrations") and self.h1(d) == "Data Integration",
                  20, "the Data Integration page after Finish")

    # MARK: The journey itself

    def run(self):
        args = self.args
        with self.step("start orchard demo"):
            self.demo = Demo(args.orchard, args.directory, args.database_url, self.log)
            self.demo.wait_for_banner(90)
            self.log(f"   dashboard {self.demo.dashboard}, sandbox {self.demo.sandbox}")
            accounts = http_json(self.demo.sandbox + "/sandbox/v1/accounts")["accounts"]
            self.juniper = next(a for a in accounts if a["name"].startswith("Juniper"))
            self.birch = next(a for a in accounts if a["name"].startswith("Birch"))
            self.log(f"   sandbox accounts: Juniper {self.juniper['number']}, Birch {self.birch['number']}")
        run_id = secrets.token_hex(3)
        self.user_a = f"first-{run_id}@journey.example"
        self.user_b = f"second-{run_id}@journey.example"
        self.user_c = f"third-{run_id}@journey.example"
        juniper, birch = self.juniper["number"], self.birch["number"]

        with self.step("1 sign up, the funnel for both accounts, both pending"):
            a = self.browser("first user")
            self.sign_up(a, self.user_a, "the first user")
            self.shot("signed-up")
            self.open_data_integration(a)
            check("No integrations yet" in self.text(a), "a new user's Data Integration page is not empty")
            self.funnel_with_javascript(a, self.demo.token, [juniper, birch], wrong_token_first=True,
                                        refuse_unconfirmed=True)
            self.birch_created = time.monotonic()
            check("Each account is pending" in self.text(a), "no 'pending' message after finishing the funnel")
            rows = self.integration_rows(a)
            check(set(rows) == {juniper, birch}, f"Data Integration lists {sorted(rows)}, not both accounts")
            for number, row in rows.items():
                check(row["status"] == "Pending", f"{row['account']} is {row['status']!r}, not Pending")
                check(self.demo.service_apple_id in row["sentence"],
                      f"the pending sentence does not name the service Apple ID: {row['sentence']!r}")
            self.log("   Data Integration: " + "; ".join(f"{r['account']} {r['status']}" for r in rows.values()))
            self.shot("both-pending")

        with self.step("2a invite the service Apple ID into Juniper in the sandbox's page"):
            a.switch_to.new_window("tab")
            self.orchard_tab, self.sandbox_tab = a.window_handles[0], a.current_window_handle
            a.get(self.demo.sandbox + "/")
            a.find_element(By.XPATH, f"//button[normalize-space()='Sign in as {self.demo.owner}']").click()
            self.wait(a, lambda d: d.current_url.endswith("/console"), 10, "the sandbox console after sign-in")
            self.invite_service(a, "Juniper Apps Ltd.")
            self.invited = time.monotonic()
            self.log(f"   invited {self.demo.service_apple_id} into Juniper Apps Ltd. with the Sales and Finance roles")
            self.shot("sandbox-invited")

        with self.step("2b Juniper turns Active and its history loads"):
            a.switch_to.window(self.orchard_tab)
            seen = []  # (done, total) as the page showed them, in order
            loading_shot = []

            def active_and_loaded(driver):
                rows = self.integration_rows(driver)
                row = rows.get(juniper)
                check(row is not None and birch in rows, f"Data Integration lists {sorted(rows)}, not both accounts")
                if row["progress"] and (not seen or seen[-1] != row["progress"]):
                    seen.append(row["progress"])
                    self.log(f"   {row['status']}: history {row['history']}")
                    if not loading_shot and 0 < row["progress"][0] < row["progress"][1]:
                        loading_shot.append(self.shot("history-loading"))
                loaded = row["progress"] and row["progress"][1] > 0 and row["progress"][0] == row["progress"][1]
                return rows if row["status"] == "Active" and loaded else None

            rows = self.poll(a, self.demo.dashboard + "/integrations", active_and_loaded, 90,
                            "Juniper to turn Active with its history loaded", interval=0.25)
            self.log(f"   Active {time.monotonic() - self.invited:.0f} s after the invitation; history values seen: "
                     + ", ".join(f"{d}/{t}" for d, t in seen))
            self.note_slow_checks("activation", time.monotonic() - self.invited, 5)
            check(all(x[0] <= y[0] for x, y in zip(seen, seen[1:])), f"the history went backwards: {seen}")
            check(len(set(seen)) >= 2 or seen[-1][0] == seen[-1][1],
                  f"the progress bar showed neither movement nor completion: {seen}")
            row = rows[juniper]
            check(f"{row['progress'][0]}/{row['progress'][1]} reports" in row["history"],
                  f"the history cell says {row['history']!r}")
            check(rows[birch]["status"] == "Pending", "Birch is no longer pending")
            self.shot("juniper-active")

        with self.step("2c the dashboard's week equals orchard summarize of the sandbox's reports"):
            self.compare_dashboard(a, juniper)

        with self.step("2d the Subscriptions page and API equal the figures computed from the sandbox's reports"):
            self.compare_subscriptions(a, juniper)

        with self.step("2e confirm the address, choose a digest, read it in the demo's Mail sent: the API's figures"):
            self.notifications_and_digest(a, juniper)

        with self.step("2f the Payouts page: Juniper's fiscal months, final from its Financial reports"):
            self.payouts(a, juniper)

        with self.step("3a a second user connects Juniper with the colleague's token: Active at once"):
            b = self.browser("second user")
            self.sign_up(b, self.user_b, "the second user")
            self.open_data_integration(b)
            self.funnel_with_javascript(b, self.demo.colleague_token, [juniper], wrong_token_first=False,
                                        refuse_unconfirmed=False)
            flash = " ".join(e.text for e in b.find_elements(By.CSS_SELECTOR, "main .flash"))
            rows_b = self.integration_rows(b)
            check(set(rows_b) == {juniper}, f"the second user's integrations are {sorted(rows_b)}, not Juniper only")
            check(rows_b[juniper]["status"] == "Active",
                  f"Juniper is {rows_b[juniper]['status']!r} for the second user, not Active at once")
            self.expect("pending" not in flash.lower(),
                        "after Finish, Data Integration tells the second user their account is pending "
                        f"({flash!r}) while it shows Active in the table")
            self.log(f"   second user: {rows_b[juniper]['account']} {rows_b[juniper]['status']}, "
                     f"{rows_b[juniper]['sentence']}")
            self.shot("second-user-active")

        with self.step("3b the account holder removes the service user from Juniper in the sandbox's page"):
            self.use("first user")
            a.switch_to.window(self.sandbox_tab)
            self.sandbox_users_page(a, "Juniper Apps Ltd.")
            people = a.find_element(By.XPATH, "//h2[normalize-space()='People']/following-sibling::table[1]")
            row = people.find_element(By.XPATH, f".//tr[td[normalize-space()='{self.demo.service_apple_id}']]")
            check("Sales" in row.text, f"the service user's roles are {row.text!r}")
            row.find_element(By.XPATH, ".//button[normalize-space()='Remove']").click()
            self.wait(a, lambda d: "/users" in d.current_url and self.demo.service_apple_id not in d.find_element(
                By.XPATH, "//h2[normalize-space()='People']/following-sibling::table[1]").text, 10,
                "the service user gone from Juniper's people")
            self.removed = time.monotonic()
            self.log(f"   removed {self.demo.service_apple_id} from Juniper Apps Ltd.")
            self.shot("sandbox-service-user-removed")
            a.switch_to.window(self.orchard_tab)

        with self.step("5 without JavaScript, a third user completes the funnel: pending"):
            self.funnel_without_javascript(birch)

        with self.step("3c both users see Juniper Removed, with the reason"):
            for name in ("first user", "second user"):
                driver = self.use(name)

                def removed(d):
                    row = self.integration_rows(d).get(juniper)
                    return row if row and row["status"] == "Removed" else None

                row = self.poll(driver, self.demo.dashboard + "/integrations", removed,
                                max(5, 90 - (time.monotonic() - self.removed)), f"Juniper Removed for the {name}")
                check(REVOKED_REASON in row["sentence"], f"the {name} reads {row['sentence']!r} as the reason")
                check("Remove and start again" in row["buttons"], f"no 'Remove and start again' for the {name}")
                self.log(f"   {name}: Removed {time.monotonic() - self.removed:.0f} s after the removal: "
                         f"{row['sentence']!r}")
                self.shot(f"removed-{name.split()[0]}-user")
            self.note_slow_checks("removal", time.monotonic() - self.removed, 0)
            self.close_browser("second user")

        with self.step("4 Birch expires for the first user; Remove and start again leads to step 1"):
            a = self.use("first user")

            def expired(d):
                row = self.integration_rows(d).get(birch)
                check(row is not None, "Birch disappeared from Data Integration")
                return row if row["status"] == "Expired" else None

            # The window is 1.5 minutes from creation; checks run every 2 s.
            remaining = 90 - (time.monotonic() - self.birch_created)
            row = self.poll(a, self.demo.dashboard + "/integrations", expired, max(10, remaining + 60),
                            "Birch to expire", interval=1)
            self.log(f"   Expired {time.monotonic() - self.birch_created:.0f} s after it was created: "
                     f"{row['sentence']!r}")
            check(self.demo.service_apple_id in row["sentence"], "the expiry reason does not name the service Apple ID")
            check("Remove and start again" in row["buttons"], "no 'Remove and start again' on the expired integration")
            self.shot("birch-expired")
            self.expect("within 90 seconds of your request" in row["sentence"],
                        "the expiry reason does not give the invitation window as it was set (1.5 minutes): "
                        f"{row['sentence']!r}")
            cell = a.find_element(By.XPATH, f"//tbody/tr[td[contains(., '({birch})')]]")
            cell.find_element(By.XPATH, ".//button[normalize-space()='Remove and start again']").click()
            self.wait(a, lambda d: urllib.parse.urlsplit(d.current_url).path == "/integrations/app-store-connect"
                      and self.h1(d) == "Connect App Store Connect", 15, "the funnel's step 1")
            step = a.find_element(By.CSS_SELECTOR, "ol.steps li[aria-current='step']").text
            check("Access token" in step, f"the current step is {step!r}, not the access token")
            check(a.find_element(By.ID, "accessToken").is_displayed(), "no access token field at step 1")
            self.log(f"   at {urllib.parse.urlsplit(a.current_url).path}: {self.h1(a)!r}, step {step!r}")
            self.shot("start-again-step-1")
            a.get(self.demo.dashboard + "/integrations")
            check(birch not in self.integration_rows(a), "the expired Birch integration is still listed")

        with self.step("6 the service Apple ID invited into Juniper again: Active again, access restored"):
            a = self.use("first user")
            a.switch_to.window(self.sandbox_tab)
            self.invite_service(a, "Juniper Apps Ltd.")
            reinvited = time.monotonic()
            a.switch_to.window(self.orchard_tab)

            def restored(d):
                row = self.integration_rows(d).get(juniper)
                check(row is not None, "Juniper disappeared from Data Integration")
                return row if row["status"] == "Active" else None

            row = self.poll(a, self.demo.dashboard + "/integrations", restored, 90,
                            "Juniper to be Active again after the second invitation")
            check("Access restored on " in row["sentence"], f"the restored Juniper reads {row['sentence']!r}")
            check("Remove and start again" not in row["buttons"], "a restored integration offers 'Remove and start again'")
            self.log(f"   Active again {time.monotonic() - reinvited:.0f} s after the second invitation: "
                     f"{row['sentence']!r}")
            self.shot("juniper-restored")

        with self.step("7 Juniper's account page: vendors, apps, days held, history; both pages read at phone width"):
            a = self.use("first user")
            a.get(self.demo.dashboard + "/integrations")
            link = a.find_element(By.XPATH, f"//td//a[contains(normalize-space(), '({juniper})')]")
            link.click()
            self.wait(a, lambda d: self.h1(d).startswith("Juniper Apps Ltd."), 10, "Juniper's account page")
            page = self.text(a)
            for expected in ["Active", "Where it stands", "Days held", "Complete through", "Next sync", "Vendors",
                             "Apps", "Reports that failed", "History", "Access restored on", "Removed"]:
                self.expect(expected in page, f"Juniper's account page does not show {expected!r}")
            vendors = a.find_elements(By.XPATH, "//h2[normalize-space()='Vendors']/following-sibling::ul[1]/li")
            check(vendors, "Juniper's account page lists no vendor")
            apps = a.find_elements(By.XPATH, "//h2[normalize-space()='Apps']/following-sibling::ul[1]/li")
            check(apps, "Juniper's account page lists no app")
            self.log(f"   vendors {[v.text for v in vendors]}, {len(apps)} apps")
            self.shot("juniper-account-page")
            a.set_window_size(390, 844)
            try:
                for path in ["/integrations", urllib.parse.urlsplit(a.current_url).path]:
                    a.get(self.demo.dashboard + path)
                    overflow = a.execute_script(
                        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                    self.expect(overflow <= 0, f"{path} scrolls sideways by {overflow} px at 390 px wide")
                    self.shot("phone" + path.replace("/", "-"))
                cards = a.execute_script(
                    "const r = document.querySelector('table.cards tbody tr'); "
                    "return r ? getComputedStyle(r).display : null")
                self.expect(cards == "block", f"at phone width the account's tables are not cards ({cards})")
            finally:
                a.set_window_size(1280, 900)

    def invite_service(self, driver, account_name):
        """Invites the service Apple ID with the Sales and Finance roles in the sandbox's Users and Access page."""
        self.sandbox_users_page(driver, account_name)
        driver.find_element(By.NAME, "email").send_keys(self.demo.service_apple_id)
        driver.find_element(By.NAME, "firstName").send_keys("Orchard")
        driver.find_element(By.NAME, "lastName").send_keys("Service")
        for box in driver.find_elements(By.CSS_SELECTOR, "input[name=roles]"):
            if (box.get_attribute("value") in ("SALES", "FINANCE")) != box.is_selected():
                box.click()
        driver.find_element(By.XPATH, "//button[normalize-space()='Invite']").click()
        self.wait(driver, lambda d: self.demo.service_apple_id in self.sandbox_pending(d), 10,
                  f"the invitation into {account_name} among the sandbox's pending invitations")

    def sandbox_users_page(self, driver, account_name):
        driver.get(self.demo.sandbox + "/console")
        row = driver.find_element(By.XPATH, f"//tr[td[normalize-space()='{account_name}']]")
        row.find_element(By.LINK_TEXT, "Users and Access").click()
        self.wait(driver, lambda d: "/users" in d.current_url and account_name in d.title + self.text(d), 10,
                  f"Users and Access of {account_name}")

    def sandbox_pending(self, driver):
        tables = driver.find_elements(By.XPATH, "//h2[normalize-space()='Pending invitations']/following-sibling::*[1]")
        return tables[0].text if tables else ""

    def compare_dashboard(self, a, juniper):
        api = self.demo.dashboard + "/api/v1"
        bearer = http_json(api + "/auth/login", "POST", {"email": self.user_a, "password": PASSWORD})["token"]

        def summary(**query):
            return http_json(api + "/metrics/summary?" + urllib.parse.urlencode({"account": juniper, **query}),
                             token=bearer)

        # The last 7 days the backfill completed.
        deadline = time.monotonic() + 60
        while True:
            week = summary(preset="7d")
            through = week["complete"].get("through")
            if through:
                break
            check(time.monotonic() < deadline, f"no complete day for Juniper after 60 s: {week['complete']}")
            time.sleep(0.5)
        to = datetime.date.fromisoformat(min(through, week["to"]))
        start = to - datetime.timedelta(days=6)
        deadline = time.monotonic() + 60
        while True:
            answer = summary(**{"from": start.isoformat(), "to": to.isoformat()})
            if not answer["complete"]["partial"]:
                break
            check(time.monotonic() < deadline, f"{start}..{to} still partial after 60 s: {answer['complete']}")
            time.sleep(0.5)
        self.log(f"   range {start} .. {to} (complete through {answer['complete']['through']})")
        self.week = (start, to)

        # The sandbox's own report files for those days, summed by `orchard summarize`.
        reports = tempfile.mkdtemp(prefix="reports-", dir=self.args.directory)
        files = []
        vendor = self.juniper["vendors"][0]
        for offset in range(7):
            day = (start + datetime.timedelta(days=offset)).isoformat()
            path = os.path.join(reports, f"S_D_{vendor}_{day}.txt.gz")
            result = subprocess.run(
                [self.args.orchard, "reporter", "report", "--token", self.demo.token, "--account", juniper,
                 "--vendor", vendor, "--type", "Sales", "--subtype", "Summary", "--frequency", "Daily",
                 "--date", day, "--endpoint", self.demo.sandbox, "--output", path],
                capture_output=True, text=True, timeout=60)
            check(result.returncode == 0, f"orchard reporter report for {day} failed ({result.returncode}): "
                                          f"{result.stdout}{result.stderr}")
            files.append(path)
        result = subprocess.run([self.args.orchard, "summarize", "--json", *files], capture_output=True, text=True,
                                timeout=60)
        check(result.returncode == 0, f"orchard summarize failed: {result.stdout}{result.stderr}")
        summarized = json.loads(result.stdout)
        expected = {
            "downloads": summarized["units"]["downloads"],
            "redownloads": summarized["units"]["redownloads"],
            "updates": summarized["units"]["updates"],
            "inAppPurchases": summarized["units"]["inAppPurchases"],
            "returns": summarized["returns"],
        }

        # What the dashboard shows for the same days and account.
        query = urllib.parse.urlencode({"from": start.isoformat(), "to": to.isoformat(), "account": juniper})
        a.get(f"{self.demo.dashboard}/dashboard?{query}")
        check(self.h1(a) == "Overview", f"the dashboard's heading is {self.h1(a)!r}")
        check(not a.find_elements(By.CSS_SELECTOR, "main .flash.error"), "the dashboard refused the range: "
              + " ".join(e.text for e in a.find_elements(By.CSS_SELECTOR, "main .flash.error")))
        line = a.find_element(By.CSS_SELECTOR, "p.range-line").text
        check("Custom range" in line and "complete through" in line and "later days" not in line,
              f"the dashboard's range line says {line!r}")
        check(a.find_element(By.ID, "filter-from").get_attribute("value") == start.isoformat()
              and a.find_element(By.ID, "filter-to").get_attribute("value") == to.isoformat(),
              "the date filters do not show the range of the URL")
        shown = {}
        for card in a.find_elements(By.CSS_SELECTOR, "ul.cards li.card a"):
            metric = urllib.parse.parse_qs(urllib.parse.urlsplit(card.get_attribute("href")).query).get("metric")
            name = card.find_element(By.CSS_SELECTOR, ".card-name").text.splitlines()[0].strip()
            if metric:
                shown[metric[0]] = (name, card.find_element(By.CSS_SELECTOR, ".figure").text)
        differences = []
        for metric, value in expected.items():
            check(metric in shown, f"no {metric} card on the dashboard (cards: {sorted(shown)})")
            name, text = shown[metric]
            actual = figure(text)
            self.log(f"   {name:<17} dashboard {text:>9}   summarize {value:>7}")
            if actual != value:
                differences.append(f"{name}: dashboard {actual}, summarize {value}")
        self.shot("dashboard-week")
        check(not differences, "the dashboard differs from orchard summarize for "
              f"{start}..{to}: " + "; ".join(differences))

    def compare_subscriptions(self, a, juniper):
        """Three weeks ending on step 2c's last day: Orchard's subscription figures (API and page) against
        subscription_reference.py's, computed from the sandbox's own Subscription and Subscription
        Event reports (fetched with the account holder's token, as any script would)."""
        api = self.demo.dashboard + "/api/v1"
        bearer = http_json(api + "/auth/login", "POST", {"email": self.user_a, "password": PASSWORD})["token"]
        # Three weeks ending where step 2c's week ends: long enough for trials started in the first
        # to have converted, so the cohorts compare something.
        end = self.week[1]
        start = end - datetime.timedelta(days=20)
        vendor = self.juniper["vendors"][0]
        reports = {}
        directory = tempfile.mkdtemp(prefix="subscription-reports-", dir=self.args.directory)
        day = start - datetime.timedelta(days=1)
        while day <= end:
            files = []
            for kind, subtype in (("Subscription", "Summary"), ("SubscriptionEvent", "Summary")):
                path = os.path.join(directory, f"{kind}_{vendor}_{day.isoformat()}.txt.gz")
                result = subprocess.run(
                    [self.args.orchard, "reporter", "report", "--token", self.demo.token, "--account", juniper,
                     "--vendor", vendor, "--type", kind, "--subtype", subtype, "--frequency", "Daily",
                     "--date", day.isoformat(), "--version", "1_3", "--endpoint", self.demo.sandbox,
                     "--output", path],
                    capture_output=True, text=True, timeout=60)
                if result.returncode != 0 and "no sales" in (result.stdout + result.stderr).lower():
                    files.append([])
                    continue
                check(result.returncode == 0, f"orchard reporter report {kind} {day} failed ({result.returncode}): "
                                              f"{result.stdout}{result.stderr}")
                with open(path, "rb") as file:
                    files.append(subscription_reference.read_report(file.read()))
            reports[day.isoformat()] = tuple(files)
            day += datetime.timedelta(days=1)
        query = {"account": juniper, "from": start.isoformat(), "to": end.isoformat()}
        summary = http_json(api + "/subscriptions/summary?" + urllib.parse.urlencode(query), token=bearer)
        cohorts = http_json(api + "/subscriptions/cohorts?" + urllib.parse.urlencode(query), token=bearer)
        currency = summary["mrr"]["currency"]
        rates = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources", "OrchardStorage",
                             "Resources", "ecb-reference-rates.csv.gz")
        with open(rates, "rb") as file:
            expected = subscription_reference.compute(
                reports, start, end, currency, subscription_reference.Rates(file.read()))
        check(expected["asOf"] == end.isoformat(), f"the sandbox's reports end on {expected['asOf']}, not {end}")
        check(expected["counts"]["paid"] > 0, "Juniper has no paid subscribers: nothing to compare")
        check(any(week["converted"] > 0 for week in expected["weeks"]), "no trial converted in three weeks")

        def cents(text):
            return None if text is None else round(Decimal(text) * 100)

        differences = []

        def same(name, orchard, reference):
            self.log(f"   {name:<22} Orchard {orchard!s:>12}   reference {reference!s:>12}")
            if orchard != reference:
                differences.append(f"{name}: Orchard {orchard}, reference {reference}")

        same("asOf", summary["asOf"], expected["asOf"])
        for name in ("paid", "trials", "billingRetry", "gracePeriod"):
            same(name, summary[name], expected["counts"][name])
        same(f"MRR ({currency}, cents)", cents(summary["mrr"]["amount"]), expected["mrrTotalCents"])
        same("MRR by currency", {item["currency"]: cents(item["amount"]) for item in summary["mrr"]["byProceedsCurrency"]},
             expected["mrrCents"])
        for name, value in expected["events"].items():
            same(name, summary["events"][name], value)
        same("other events", {item["event"]: item["quantity"] for item in summary["events"]["other"]}, expected["other"])
        same("churn rate", summary["churnRate"] is not None and round(summary["churnRate"], 12),
             expected["churnRate"] is not None and round(expected["churnRate"], 12))
        same("cohorts", [(w["week"], w["started"], w["converted"]) for w in cohorts["weeks"]],
             [(w["week"], w["started"], w["converted"]) for w in expected["weeks"]])

        # The page shows the same counts and MRR for the same link.
        a.get(f"{self.demo.dashboard}/subscriptions?{urllib.parse.urlencode(query)}")
        check(self.h1(a) == "Subscriptions", f"the Subscriptions page's heading is {self.h1(a)!r}")
        check(not a.find_elements(By.CSS_SELECTOR, "main .flash.error"), "the Subscriptions page refused the link")
        line = a.find_element(By.CSS_SELECTOR, "p.range-line").text
        check("counts as of" in line and "later days" not in line, f"the range line says {line!r}")
        shown = {}
        for card in a.find_elements(By.CSS_SELECTOR, "ul.cards li.card"):
            name = card.find_element(By.CSS_SELECTOR, ".card-name").text.splitlines()[0].strip()
            value = card.find_element(By.CSS_SELECTOR, ".figure")
            # From 100,000 a card shows money short ("$177.6k"), the exact amount in its title.
            shown[name] = value.get_attribute("title") or value.text
        same("page: Paid subscribers", figure(shown.get("Paid subscribers", "x")), expected["counts"]["paid"])
        same("page: Trials", figure(shown.get("Trials", "x")), expected["counts"]["trials"])
        money = re.sub(r"[^0-9.\-]", "", shown.get("MRR", ""))
        same("page: MRR (cents)", cents(money) if money else None, expected["mrrTotalCents"])
        check(a.find_elements(By.ID, "definitions"), "the page has no definitions")
        self.shot("subscriptions-week")
        check(not differences, "Orchard's subscription figures differ from the reference for "
              f"{start}..{end}: " + "; ".join(differences))

    def payouts(self, a, juniper):
        """The Payouts tab: the running fiscal year's months, a closed one final once the sync has read
        the Financial reports (the service user has the Finance role), its figures those of
        GET /api/v1/payouts, the running month's forecast, and the page usable on a phone."""
        a.get(self.demo.dashboard + "/dashboard")
        a.find_element(By.XPATH, "//nav[@class='tabs']//a[normalize-space()='Payouts']").click()
        self.wait(a, lambda d: d.current_url.split("?")[0].endswith("/payouts"), 10, "the Payouts page")

        def final_month(driver):
            rows = driver.find_elements(By.CSS_SELECTOR, "table.payouts tbody tr")
            finals = [r for r in rows if "Final" in r.text]
            return finals[0] if finals else None

        row = self.poll(a, self.demo.dashboard + f"/payouts?account={juniper}", final_month, 60,
                        "a fiscal month of Juniper's final on the Payouts page")
        cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
        month_name = cells[0].split("\n")[0]
        answer = json.loads(self.json_in(a, self.demo.dashboard + f"/api/v1/payouts?account={juniper}"))
        month = next((m for m in answer["months"] if m["name"] == month_name), None)
        check(month is not None and month["status"] == "final", f"the API's {month_name} is {month!r}")
        currency = cells[2]
        figures = next(c for c in month["currencies"] if c["currency"] == currency)
        def plain(text):  # "−6,616,739.00 KRW" or "−$5.60" as the API writes it: "-6616739.00", "-5.60"
            return re.sub(r"[^0-9.\-]", "", text.replace("\u2212", "-"))

        check(plain(cells[3]) == figures["final"]["proceeds"] and plain(cells[4]) == figures["estimate"]["proceeds"]
              and plain(cells[5]) == figures["difference"],
              f"the page shows {cells[3:6]} for {month_name} {currency}, the API {figures!r}")
        check(any(a_["financialReports"] == "available" for a_ in answer["accounts"]),
              f"the API's accounts are {answer['accounts']!r}")
        self.log(f"   {month_name} {currency}: final {cells[3]}, estimate {cells[4]}, difference {cells[5]}, "
                 f"paid by {month['paymentDueBy']}; {len(answer['months'])} months of FY{answer['fiscalYear']}")
        a.get(self.demo.dashboard + f"/payouts?account={juniper}")
        forecast = a.find_elements(By.ID, "forecast")
        check(bool(forecast) == (answer["forecast"] is not None), "the forecast panel and the API's forecast disagree")
        self.shot("payouts")
        a.set_window_size(390, 844)
        try:
            width = a.execute_script("return document.documentElement.scrollWidth")
            self.expect(width <= 390, f"the Payouts page scrolls sideways at 390 px ({width} px wide)")
        finally:
            a.set_window_size(1280, 900)
        self.check_console("first user", a)

    def json_in(self, driver, url):
        """The body of a JSON answer the browser opens with its session."""
        driver.get(url)
        return driver.find_element(By.TAG_NAME, "body").text

    def mail_rows(self, driver, recipient, kind):
        """The Mail sent page's rows for `recipient` of `kind`, newest first: (subject, link, state)."""
        rows = []
        for row in driver.find_elements(By.CSS_SELECTOR, "main table tbody tr"):
            cells = row.find_elements(By.TAG_NAME, "td")
            if len(cells) >= 5 and cells[1].text.strip() == recipient and cells[3].text.strip() == kind:
                link = cells[2].find_element(By.TAG_NAME, "a")
                rows.append((link.text.strip(), link.get_attribute("href"), cells[4].text.strip()))
        return rows

    def notifications_and_digest(self, a, juniper):
        dashboard = self.demo.dashboard
        o = self.browser("operator")
        o.get(dashboard + "/signin")
        o.find_element(By.ID, "email").send_keys(self.demo.operator[0])
        o.find_element(By.ID, "password").send_keys(self.demo.operator[1])
        o.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait(o, lambda d: "/signin" not in d.current_url, 10, "the demo operator signed in")

        # The sign-up mailed a confirmation link; the operator reads it in Mail sent.
        self.use("first user")
        a.get(dashboard + "/account/notifications")
        check("Not confirmed" in self.text(a), "a new user's address is not shown as not confirmed")
        self.use("operator")
        sent = self.poll(o, dashboard + "/operator/mail", lambda d: self.mail_rows(d, self.user_a, "verification"),
                         30, "the confirmation mail in Mail sent")
        subject, href, state = sent[0]
        check(subject == "Confirm your address for Orchard", f"the confirmation mail's subject is {subject!r}")
        check(state == "Sent", f"the confirmation mail is {state!r}, not Sent")
        o.get(href)
        body = o.find_element(By.CSS_SELECTOR, "pre.mail-text").text
        link = re.search(r"(https?://\S+/verify-email/\S+)", body)
        check(link, f"no confirmation link in the mail:\n{body}")
        self.use("first user")
        a.get(link.group(1))
        check(self.h1(a) == "Address confirmed", f"the confirmation link shows {self.h1(a)!r}")

        # Notifications: a daily digest at this hour in UTC, and no mail when Apple is late.
        a.get(dashboard + "/account/notifications")
        check("Confirmed" in self.text(a), "the address is not shown as confirmed")
        hour = datetime.datetime.now(datetime.timezone.utc).hour
        a.find_element(By.ID, "digest-daily").click()
        Select(a.find_element(By.ID, "digestHour")).select_by_value(str(hour))
        Select(a.find_element(By.ID, "timeZone")).select_by_value("UTC")
        late = a.find_element(By.ID, "topic-sync_problems")
        if late.is_selected():
            late.click()
        a.find_element(By.XPATH, "//main//button[normalize-space()='Save']").click()
        self.wait(a, lambda d: "Your notification settings are saved." in self.text(d), 10, "the settings saved")
        check(not a.find_element(By.ID, "topic-sync_problems").is_selected(), "'Apple is late' is still ticked")
        chosen = Select(a.find_element(By.ID, "digestHour")).first_selected_option.get_attribute("value")
        check(chosen == str(hour), f"the digest hour is {chosen}, not {hour}")
        self.shot("notifications")

        # The digest arrives (the demo checks every 10 s), with the API's figures for its day.
        self.use("operator")
        digests = self.poll(o, dashboard + "/operator/mail", lambda d: self.mail_rows(d, self.user_a, "digest"),
                            90, "the digest in Mail sent")
        subject, href, state = digests[0]
        self.log(f"   digest: {subject!r} ({state})")
        o.get(href)
        text = o.find_element(By.CSS_SELECTOR, "pre.mail-text").text
        day = re.search(r"/dashboard\?from=(\d{4}-\d{2}-\d{2})&to=(\d{4}-\d{2}-\d{2})", text)
        check(day and day.group(1) == day.group(2), f"the digest names no day:\n{text}")
        api = dashboard + "/api/v1"
        bearer = http_json(api + "/auth/login", "POST", {"email": self.user_a, "password": PASSWORD})["token"]
        figures = http_json(api + "/metrics/summary?" + urllib.parse.urlencode(
            {"from": day.group(1), "to": day.group(1)}), token=bearer)
        check(not figures["complete"]["partial"], f"the digest's day {day.group(1)} is not complete for the API")
        downloads = re.search(r"Downloads\s+([\d,]+)", text)
        check(downloads and downloads.group(1) == f"{figures['units']['downloads']:,}",
              f"the digest says {downloads and downloads.group(1)} downloads, the API {figures['units']['downloads']}")
        proceeds = re.search(r"Proceeds\s+\$([\d,]+\.\d\d)", text)
        expected = f"{Decimal(figures['proceeds']):,.2f}"
        check(proceeds and proceeds.group(1) == expected,
              f"the digest says ${proceeds and proceeds.group(1)} proceeds, the API ${expected}")
        check(f"{figures['units']['downloads']:,} downloads" in subject, f"the subject {subject!r} lacks the downloads")
        self.log(f"   {day.group(1)}: {downloads.group(1)} downloads, ${proceeds.group(1)} proceeds, as the API says")
        o.get(href + "/html")
        self.wait(o, lambda d: "Your day" in self.text(d), 10, "the digest's HTML part")
        height = o.execute_script("return document.documentElement.scrollHeight")
        o.set_window_size(1280, min(height + 40, 2400))
        self.shot("digest")

        # The Activity page tells it too.
        self.use("first user")
        a.get(dashboard + "/activity")
        page = self.text(a)
        check(subject.split(" (")[0] in page, f"the Activity page does not show the digest {subject!r}")
        check("is connected; history is loading." in page, "the Activity page does not show Juniper turning active")
        self.close_browser("operator")
        self.use("first user")

    def funnel_without_javascript(self, birch):
        c = self.browser("third user (no JavaScript)", javascript=False)
        self.sign_up(c, self.user_c, "the third user")
        self.open_data_integration(c)
        c.find_element(By.CSS_SELECTOR, "a[data-dialog='funnel']").click()
        # Without the script the link is a plain link: the funnel is a page, not a dialog.
        self.wait(c, lambda d: urllib.parse.urlsplit(d.current_url).path == "/integrations/app-store-connect"
                  and self.h1(d) == "Connect App Store Connect", 15, "step 1 as a page")
        check(not c.find_elements(By.CSS_SELECTOR, "dialog"), "a dialog opened with JavaScript disabled")
        self.shot("no-js-step-1")
        c.find_element(By.ID, "accessToken").send_keys(self.demo.token)
        c.find_element(By.XPATH, "//button[normalize-space()='Check token']").click()
        self.wait(c, lambda d: "is valid" in " ".join(e.text for e in d.find_elements(By.CSS_SELECTOR, ".flash.notice")),
                  20, "the valid token's notice")
        c.find_element(By.XPATH, "//div[@class='actions']//a[normalize-space()='Next']").click()
        self.wait(c, lambda d: self.h1(d) == "Choose accounts", 20, "step 2 as a page")
        c.find_element(By.ID, f"account-{birch}").click()
        self.shot("no-js-step-2")
        c.find_element(By.XPATH, "//div[@class='actions']//button[normalize-space()='Next']").click()
        self.wait(c, lambda d: self.h1(d) == "Invite Orchard into your accounts", 20, "step 3 as a page")
        check(c.find_element(By.ID, "service-apple-id").text.strip() == self.demo.service_apple_id,
              "step 3 does not show the service Apple ID")
        copy = c.find_element(By.CSS_SELECTOR, "button[data-copy]")
        self.expect(not copy.is_displayed(),
                    "step 3 without JavaScript shows the Copy button, which does nothing there: it has the hidden "
                    f"attribute (hidden={copy.get_attribute('hidden')!r}) but the stylesheet's "
                    "`button { display: inline-block }` overrides it")
        c.find_element(By.ID, "confirmed").click()
        self.shot("no-js-step-3")
        c.find_element(By.XPATH, "//button[normalize-space()='Finish']").click()
        self.wait(c, lambda d: d.current_url.endswith("/integrations") and self.h1(d) == "Data Integration", 20,
                  "Data Integration after Finish")
        rows = self.integration_rows(c)
        check(set(rows) == {birch}, f"the third user's integrations are {sorted(rows)}, not Birch")
        check(rows[birch]["status"] == "Pending", f"Birch is {rows[birch]['status']!r} for the third user")
        self.log(f"   third user, no JavaScript: {rows[birch]['account']} {rows[birch]['status']}")
        self.shot("no-js-pending")
        self.close_browser("third user (no JavaScript)")

    # MARK: Reporting

    def report_failure(self, error):
        self.log(f"FAILED: {error}")
        if not isinstance(error, Failure):
            self.log("".join(traceback.format_exception(error)))
        for name, driver in list(self.browsers.items()):
            self.log(f"── {name}'s browser")
            try:
                self.current = name
                self.log(f"url: {driver.current_url}")
                self.log(f"screenshot: {self.shot('failure-' + name.split()[0])}")
                self.log("visible text:")
                self.log(self.text(driver))
            except WebDriverException as problem:
                self.log(f"(cannot read the page: {problem.msg})")
            self.console(name, driver)
        if self.demo:
            self.log("── the demo's stderr (last 40 lines)")
            self.log("\n".join(self.demo.stderr_text().splitlines()[-40:]))

    def console(self, name, driver):
        try:
            entries = driver.get_log("browser")
        except WebDriverException:
            return
        self.log(f"console log of the {name}'s browser: {len(entries)} entries")
        for entry in entries:
            self.log(f"  {entry.get('level')} {entry.get('message')}")

    def close(self):
        for name in list(self.browsers):
            self.close_browser(name)
        if self.demo:
            status = self.demo.stop()
            if status not in (0, None):
                self.log(f"orchard demo exited with status {status}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orchard", required=True, help="the orchard binary")
    parser.add_argument("--backend", default="sqlite", help="a name for the output (sqlite, postgres)")
    parser.add_argument("--screenshots", required=True, help="where NN-step.png files go")
    parser.add_argument("--directory", required=True, help="a scratch directory for the demo and reports")
    parser.add_argument("--database-url", help="passed to orchard demo (PostgreSQL)")
    args = parser.parse_args()
    journey = Journey(args)
    journey.log(f"journey on {args.backend}; screenshots in {args.screenshots}")
    status = 1
    try:
        journey.run()
        status = 0
        journey.close()
    except KeyboardInterrupt:
        journey.log("interrupted")
    except Exception as error:  # every failure is reported with what the browsers show
        journey.report_failure(error)
    finally:
        journey.close()
    total = time.monotonic() - journey.log.started
    if journey.problems and status == 0:
        status = 2
        journey.log(f"{len(journey.problems)} product problem(s), the journey went on past them:")
        for problem in journey.problems:
            journey.log(f"  - {problem}")
    for name, duration in journey.durations:
        journey.log(f"{duration:6.1f} s  {name}")
    outcome = {0: "JOURNEY PASSED", 2: "JOURNEY FAILED: only product problems, every step went through"}
    journey.log(f"{outcome.get(status, 'JOURNEY FAILED')} in {total:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
