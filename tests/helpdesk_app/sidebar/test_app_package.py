"""The Zendesk app an admin uploads: manifest, translations, logos, and ``handoff app package``."""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest

from helpdesk_app.cli.app_package import APP_DIR, PackageError, check_app, package, png_size


def test_the_app_folder_is_ready_to_upload():
    """Does the committed app folder hold every file Zendesk requires, with the right logo sizes?"""
    assert check_app(APP_DIR) == []
    manifest = json.loads((APP_DIR / "manifest.json").read_text())
    assert manifest["signedUrls"] is True
    assert manifest["frameworkVersion"] == "2.0"
    assert manifest["location"]["support"]["ticket_sidebar"]["url"].endswith("/sidebar/")
    assert manifest["location"]["support"]["nav_bar"]["url"].endswith("/reports/zendesk")


def test_package_writes_the_upload_zip(cli, tmp_path):
    """Does ``handoff app package`` write a zip whose manifest points the sidebar at our server?"""
    out = tmp_path / "app.zip"
    result = cli(
        "app", "package", "--server-url", "https://handoff.example.com/", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        logo = archive.read("assets/logo.png")
        small = archive.read("assets/logo-small.png")
    assert names == {
        "manifest.json",
        "translations/en.json",
        "assets/logo.png",
        "assets/logo-small.png",
        "assets/icon_nav_bar.svg",
    }
    assert (
        manifest["location"]["support"]["ticket_sidebar"]["url"]
        == "https://handoff.example.com/sidebar/"
    )
    # The same app opens the leads' reports from Zendesk's navigation bar, signed the same way.
    assert (
        manifest["location"]["support"]["nav_bar"]["url"]
        == "https://handoff.example.com/reports/zendesk"
    )
    assert manifest["signedUrls"] is True
    assert png_size(logo) == (320, 320) and png_size(small) == (128, 128)


def test_the_same_inputs_give_the_same_zip(tmp_path):
    """Is the package reproducible byte for byte?"""
    package(APP_DIR, tmp_path / "a.zip", "https://h.example.com")
    package(APP_DIR, tmp_path / "b.zip", "https://h.example.com")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "http://handoff.example.com",
        "ftp://x",
        "not a url",
        "https://h.example.com/?a=1",
        "http://127.0.0.1:8000",
        "http://[::1]:8000",
    ],
)
def test_unsafe_or_malformed_server_urls_are_refused(tmp_path, url):
    """Are plain-HTTP (off this machine), non-HTTP and query-carrying URLs refused?"""
    with pytest.raises(PackageError):
        package(APP_DIR, tmp_path / "x.zip", url)


def test_local_http_is_allowed_for_trying_it(tmp_path):
    """Is http://localhost accepted, for a local trial, and the sidebar pointed at it?"""
    package(APP_DIR, tmp_path / "x.zip", "http://localhost:8000")
    with zipfile.ZipFile(tmp_path / "x.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert (
        manifest["location"]["support"]["ticket_sidebar"]["url"] == "http://localhost:8000/sidebar/"
    )


def test_a_folder_missing_a_logo_is_refused(tmp_path):
    """Does packaging stop, naming the file, when a required logo is missing?"""
    copy = tmp_path / "app"
    shutil.copytree(APP_DIR, copy)
    (copy / "assets/logo-small.png").unlink()
    with pytest.raises(PackageError, match="missing assets/logo-small.png"):
        package(copy, tmp_path / "x.zip", "https://h.example.com")
