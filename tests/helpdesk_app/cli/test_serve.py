"""``handoff serve``: the gunicorn command the product runs."""

from __future__ import annotations

from click.testing import CliRunner

from helpdesk_app import cli


def _argv(monkeypatch, database_url, tmp_path, *args: str) -> list[str]:
    """Run ``handoff serve`` with ``args``; return the command it would replace itself with."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HANDOFF_ENV", "development")
    monkeypatch.setenv("HANDOFF_INSTANCE_PATH", str(tmp_path))
    seen: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execv", lambda _path, argv: seen.append(argv))
    result = CliRunner().invoke(cli.main, ["serve", "--no-upgrade", *args])
    assert result.exit_code == 0, result.output
    return seen[0]


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_serve_runs_threaded_workers_so_packets_arriving_together_share_a_commit(
    monkeypatch, database_url, tmp_path
):
    """Does the default server run 2 workers of 4 threads, the configuration the ingest benchmark measures?"""
    argv = _argv(monkeypatch, database_url, tmp_path)
    assert (_option(argv, "--workers"), _option(argv, "--threads")) == ("2", "4")


def test_serve_with_one_thread_runs_sync_workers(monkeypatch, database_url, tmp_path):
    """Can an operator choose sync workers (one request at a time each)?"""
    argv = _argv(monkeypatch, database_url, tmp_path, "--threads", "1", "--workers", "3")
    assert (_option(argv, "--workers"), _option(argv, "--threads")) == ("3", "1")


def test_serve_writes_no_access_log_line_per_request_by_default(
    monkeypatch, database_url, tmp_path
):
    """Is gunicorn's access log (a line, and its formatting, per request) off unless asked for?"""
    argv = _argv(monkeypatch, database_url, tmp_path)
    assert "--access-logfile" not in argv


def test_serve_access_log_writes_one_line_per_request_to_stdout_when_asked(
    monkeypatch, database_url, tmp_path
):
    """Can an operator turn the access log back on (to standard output)?"""
    argv = _argv(monkeypatch, database_url, tmp_path, "--access-log")
    assert _option(argv, "--access-logfile") == "-"
