"""Run the whole product on its embedded default and fill it with a simulated operation.

Starts the local Zendesk sandbox, the app (gunicorn) and the delivery worker on SQLite, sets
the sandbox up like a Zendesk account (fields, webhook), loads a few months of simulated
support through the helpdesk's API and ours, lets the product sync, detect and roll up, then
prints where to look. Ctrl-C stops everything.

    scripts/run.sh                     # the README's command: setup, then this
    .venv/bin/python scripts/run.py --weeks 8 --per-week 80 --seed 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handoff.simulate import SimConfig, generate  # noqa: E402
from handoff.simulate.load import Endpoints, load, load_delayed_csat  # noqa: E402

HANDOFF = str(Path(sys.executable).parent / "handoff")
children: list[subprocess.Popen[bytes]] = []


def say(text: str) -> None:
    """Print one progress line now."""
    print(text, flush=True)


def progress(label: str, done: int, total: int) -> None:
    """Show a step's progress on one line."""
    end = "\n" if done == total else "\r"
    print(f"   {label}: {done}/{total}", end=end, flush=True)


def start(name: str, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a child process with its output in ``log``."""
    handle = log.open("wb")
    proc = subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
    children.append(proc)
    say(f" - {name} started (pid {proc.pid}, log {log.relative_to(ROOT)})")
    return proc


def run(args: list[str], env: dict[str, str]) -> str:
    """Run a ``handoff`` command to completion and return its output; stop on failure."""
    result = subprocess.run([HANDOFF, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"handoff {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def wait_for(url: str, what: str, seconds: float = 120) -> None:
    """Wait until ``url`` answers, or stop with a clear message."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not come up at {url}; see the logs under instance/demo/")


def wait_for_outbox(database_url: str) -> None:
    """Wait until the worker has delivered everything queued (reads our tables, writes nothing)."""
    engine = sa.create_engine(database_url)
    query = sa.text("SELECT status, count(*) FROM outbox GROUP BY status")
    try:
        while True:
            with engine.connect() as conn:
                counts = dict(conn.execute(query).all())
            pending = counts.get("pending", 0) + counts.get("in_progress", 0)
            total = sum(counts.values())
            progress("delivered to the helpdesk (worker)", total - pending, total)
            if pending == 0:
                if counts.get("failed"):
                    say(f"   {counts['failed']} deliveries failed: see `handoff worker status`")
                return
            time.sleep(1)
    finally:
        engine.dispose()


def dated_product_config(config: SimConfig, instance: Path) -> Path:
    """Write the example product config with the baseline set to the simulated baseline."""
    data = yaml.safe_load((ROOT / "config" / "product.example.yaml").read_text())
    data["baseline"] = {"start": config.start, "end": config.deploy_start - timedelta(days=1)}
    path = instance / "product.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def dated_golden_set(config: SimConfig, instance: Path) -> Path:
    """Write the example golden set with the return-window change on the simulated date."""
    data = yaml.safe_load((ROOT / "config" / "policy-golden-set.example.yaml").read_text())
    change = (config.deploy_start + timedelta(weeks=config.return_window_change_week)).isoformat()
    fact = next(f for f in data["facts"] if f["key"] == "return_window_days")
    fact["versions"][0]["valid_to"] = change
    fact["versions"][1]["valid_from"] = change
    path = instance / "golden-set.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def photograph(folder: Path, reports_link: str, sidebar_url: str, app_url: str) -> None:
    """Screenshot the overview (laptop and phone), every figure, the handoff report, QA review and a sidebar."""
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(reports_link)  # lands on the overview; the session also opens the QA review
        page.screenshot(path=str(folder / "demo-overview.png"))
        for name, path in (
            ("demo-panel.png", "/reports/panel?view=monthly"),
            ("demo-handoff-report.png", "/reports/handoff?view=monthly"),
            ("demo-review.png", "/review/"),
        ):
            page.goto(app_url + path)
            page.screenshot(path=str(folder / name), full_page=True)
        phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.add_cookies(page.context.cookies())
        mobile = phone.new_page()
        mobile.goto(app_url + "/reports/overview")
        mobile.screenshot(path=str(folder / "demo-overview-phone.png"), full_page=True)
        sidebar = browser.new_page(viewport={"width": 320, "height": 900}, device_scale_factor=2)
        sidebar.goto(sidebar_url)
        sidebar.screenshot(path=str(folder / "demo-sidebar.png"), full_page=True)
        browser.close()
    say(f"  screenshots written to {folder}")


def shutdown() -> None:
    """Ask every child to stop (gunicorn takes its workers down on SIGTERM), then force it."""
    for proc in reversed(children):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in children:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def stop(*_: object) -> None:
    """Stop every child cleanly, then exit."""
    shutdown()
    say("\nstopped.")
    raise SystemExit(0)


def main() -> None:
    """Set up, start, load, and keep serving until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weeks", type=int, default=12, help="weeks with the bot live")
    parser.add_argument("--baseline-weeks", type=int, default=4)
    parser.add_argument("--per-week", type=int, default=100, help="contacts per week")
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", 8000)))
    parser.add_argument(
        "--sandbox-port", type=int, default=int(os.environ.get("DEMO_SANDBOX_PORT", 8025))
    )
    parser.add_argument("--no-wait", action="store_true", help="exit after loading (for tests)")
    parser.add_argument(
        "--screenshots", type=Path, help="photograph the pages into this folder, then exit"
    )
    opts = parser.parse_args()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    instance = ROOT / "instance" / "demo"
    shutil.rmtree(instance, ignore_errors=True)
    instance.mkdir(parents=True)
    app_url = f"http://127.0.0.1:{opts.port}"
    sandbox_url = f"http://127.0.0.1:{opts.sandbox_port}"
    database_url = f"sqlite:///{instance / 'handoff.db'}"
    env = {
        **os.environ,
        "HANDOFF_ENV": "development",
        "HANDOFF_INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "HANDOFF_DEV_SIDEBAR": "true",
        "HANDOFF_CONFIG": str(ROOT / "config" / "product.example.yaml"),
        "HANDOFF_PUBLIC_URL": app_url,
        # The demo account has no agents of its own: the product may use (almost) all of it.
        "HANDOFF_ZENDESK_PLAN": "high_volume",
        "HANDOFF_ZENDESK_RPM": "2400",
        "HANDOFF_ZENDESK_UPDATES_PER_MINUTE": "2400",
        "ZENDESK_SUBDOMAIN": "sandbox",
        "ZENDESK_EMAIL": "admin@sandbox.test",
        "ZENDESK_API_TOKEN": "sandbox-token",
        "ZENPY_FORCE_NETLOC": f"127.0.0.1:{opts.sandbox_port}",
        "ZENPY_FORCE_SCHEME": "http",
    }

    # The simulated period ends with last week, so the panel's recent weeks hold data; the
    # baseline and the policy change move with it.
    this_monday = date.today() - timedelta(days=date.today().weekday())
    config = SimConfig(seed=opts.seed, weeks=opts.weeks, baseline_weeks=opts.baseline_weeks,
                       contacts_per_week=opts.per_week,
                       start=this_monday - timedelta(weeks=opts.weeks + opts.baseline_weeks))  # fmt: skip
    env["HANDOFF_CONFIG"] = str(dated_product_config(config, instance))
    golden_set = dated_golden_set(config, instance)

    say("1/6 starting the local Zendesk sandbox and the database")
    start("sandbox", [HANDOFF, "sandbox", "serve", "--port", str(opts.sandbox_port), "--plan", "high_volume",
                      "--rate-limit", "2500", "--update-limit", "2500", "--api-token", "sandbox-token"],
          env, instance / "sandbox.log")  # fmt: skip
    wait_for(f"{sandbox_url}/_sandbox/log", "the sandbox")
    run(["db", "upgrade"], env)
    bot_token = run(["token", "create", "demo-bot"], env)
    survey_token = run(["token", "create", "demo-survey-tool", "--scope", "admin"], env)
    run(["policy", "load", str(golden_set)], env)

    say("2/6 setting the sandbox account up (custom fields, webhook)")
    run(["zendesk", "setup", "--url", app_url], env)

    say("3/6 starting the app (gunicorn) and the delivery worker")
    start("app", [HANDOFF, "serve", "--bind", f"127.0.0.1:{opts.port}", "--workers", "2", "--dev", "--no-upgrade"],
          env, instance / "app.log")  # fmt: skip
    start("worker", [HANDOFF, "worker", "run"], env, instance / "worker.log")
    wait_for(f"{app_url}/healthz", "the app")

    world = generate(config)
    say(f"4/6 loading {len(world.contacts)} simulated contacts through the APIs (seed {opts.seed})")
    endpoints = Endpoints(
        sandbox_url, "admin@sandbox.test", "sandbox-token", app_url, bot_token, survey_token
    )
    report = load(world, endpoints, progress)
    (instance / "truth.json").write_text(json.dumps(world.truth().as_dict(), indent=2))

    say("5/6 the product catches up: delivery, history sync, detection, rollups")
    wait_for_outbox(database_url)
    run(["sync"], env)
    load_delayed_csat(world, endpoints, report, progress)
    run(["panel", "refresh"], env)

    say("6/6 ready\n")
    flagged = next(c for c in world.contacts if c.agent_flagged)
    # The link signs in as the configured default owner, who decides the actions they own.
    lead = "support.lead@example.com"
    reports = run(["reports", "open-link", lead, "--base-url", app_url], env).splitlines()[-1]
    review = run(
        ["review", "open-link", "--lead", "demo-lead", "--base-url", app_url], env
    ).splitlines()[-1]
    say(f"  Reports (one-time link):  {reports}")
    say(f"    opens the overview:     {app_url}/reports/overview  (signed in as {lead})")
    say(f"    every figure:           {app_url}/reports/panel")
    say(f"    the handoff report:     {app_url}/reports/handoff")
    say(
        "    an action is decided in the page by its owner: "
        "handoff reports open-link <owner's email> signs them in"
    )
    say(f"  Sidebar, flagged ticket:  {app_url}/sidebar/dev/{report.ticket_ids[flagged.key]}")
    say(f"  QA review (one-time):     {review}")
    say(f"  API (OpenAPI):            {app_url}/api/v1/openapi.json   bot token: {bot_token}")
    say(f"  Zendesk sandbox:          {sandbox_url}  (ground truth: instance/demo/truth.json)")
    if opts.screenshots:
        photograph(
            opts.screenshots,
            reports,
            f"{app_url}/sidebar/dev/{report.ticket_ids[flagged.key]}",
            app_url,
        )
    if opts.no_wait or opts.screenshots:
        stop()
    say("\nCtrl-C stops everything.")
    while all(proc.poll() is None for proc in children):
        time.sleep(1)
    say("a process stopped unexpectedly; see the logs under instance/demo/")
    stop()


if __name__ == "__main__":
    try:
        main()
    finally:
        shutdown()  # whatever stopped the run, leave no server or worker behind
