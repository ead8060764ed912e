"""``handoff app``: build the Zendesk app (the agent's sidebar and the leads' reports) an admin uploads.

``handoff app package --server-url https://handoff.example.com`` writes a zip with the manifest
pointing the ticket sidebar at ``<server-url>/sidebar/`` and the nav bar at
``<server-url>/reports/zendesk`` (signed URLs on, for both), the translations and the logos. The group is ``app`` because ``zendesk`` belongs to the helpdesk setup commands.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

APP_DIR = Path(__file__).resolve().parent.parent / "zendesk_app"
LOGOS = {"assets/logo.png": 320, "assets/logo-small.png": 128}
NAV_ICON = "assets/icon_nav_bar.svg"  # Zendesk requires an SVG icon for a nav_bar location
REQUIRED = ("manifest.json", "translations/en.json", *LOGOS, NAV_ICON)
# Zip entries get one fixed time, so the same inputs give the same bytes.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
# Zendesk's app validator accepts a location URL that is https, or whose host is exactly
# "localhost" (zendesk_apps_support, validations/manifest.rb, valid_absolute_uri?): 127.0.0.1
# and other local names are refused at upload.
LOCAL_HOSTS = {"localhost"}


class PackageError(click.ClickException):
    """The app folder or an option is not fit to upload."""


def sidebar_url(server_url: str) -> str:
    """Return the sidebar's entry URL on ``server_url``: https, or http on host ``localhost``
    only, as Zendesk's validator accepts."""
    parts = urlsplit(server_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PackageError(f"--server-url: expected an http(s) URL, got {server_url!r}")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise PackageError(
            "--server-url: Zendesk accepts an app location only over https (or on host "
            f"'localhost' for a local trial), not {server_url!r}"
        )
    if parts.query or parts.fragment:
        raise PackageError("--server-url: give the server's base URL, without query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/sidebar/"


def png_size(data: bytes) -> tuple[int, int]:
    """Return (width, height) of PNG bytes; raise ValueError when they are not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def reports_url(server_url: str) -> str:
    """Return the reports' nav-bar entry on ``server_url`` (the same checks as the sidebar's)."""
    return sidebar_url(server_url).removesuffix("/sidebar/") + "/reports/zendesk"


def build_manifest(app_dir: Path, server_url: str, version: str | None = None) -> dict[str, Any]:
    """Return the app's manifest with the ticket sidebar and the nav bar pointed at ``server_url``."""
    manifest: dict[str, Any] = json.loads((app_dir / "manifest.json").read_text("utf-8"))
    sidebar = manifest["location"]["support"]["ticket_sidebar"]
    sidebar["url"] = sidebar_url(server_url)
    manifest["location"]["support"]["nav_bar"] = {"url": reports_url(server_url)}
    manifest["signedUrls"] = True
    manifest["frameworkVersion"] = "2.0"
    if version:
        manifest["version"] = version
    return manifest


def check_app(app_dir: Path) -> list[str]:
    """List what is wrong with the app folder for an upload (empty when it is fine)."""
    problems = [f"missing {name}" for name in REQUIRED if not (app_dir / name).is_file()]
    for name, side in LOGOS.items():
        path = app_dir / name
        if path.is_file():
            try:
                size = png_size(path.read_bytes())
            except ValueError:
                problems.append(f"{name} is not a PNG")
                continue
            if size != (side, side):
                problems.append(f"{name} must be {side}x{side}, is {size[0]}x{size[1]}")
    translations = app_dir / "translations/en.json"
    if translations.is_file():
        app = json.loads(translations.read_text("utf-8")).get("app", {})
        problems += [
            f"translations/en.json lacks app.{k}" for k in ("name", "description") if k not in app
        ]
    return problems


def package(app_dir: Path, out: Path, server_url: str, version: str | None = None) -> list[str]:
    """Write the upload zip to ``out`` and return the names it holds."""
    problems = check_app(app_dir)
    if problems:
        raise PackageError("the app folder is not ready: " + "; ".join(problems))
    manifest = build_manifest(app_dir, server_url, version)
    files = sorted(
        p.relative_to(app_dir).as_posix()
        for p in app_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".") and "__pycache__" not in p.parts
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in files:
            data = (
                (json.dumps(manifest, indent=2) + "\n").encode()
                if name == "manifest.json"
                else (app_dir / name).read_bytes()
            )
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return files


# --- logos, drawn without Pillow ---------------------------------------------------------

Pixel = tuple[int, int, int, int]


def write_png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """Encode an RGBA image (8 bits per channel) given a function of (x, y)."""
    rows = b"".join(
        b"\x00" + b"".join(struct.pack("BBBB", *pixel(x, y)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


BLUE: Pixel = (31, 115, 183, 255)
WHITE: Pixel = (255, 255, 255, 255)
INK: Pixel = (31, 41, 51, 255)
GREEN: Pixel = (3, 129, 83, 255)
CLEAR: Pixel = (0, 0, 0, 0)


def logo_pixel(size: int, *, transparent: bool) -> Callable[[int, int], Pixel]:
    """Draw a handed-over packet: a white card with text lines and a green tick, on blue."""

    def pixel(x: int, y: int) -> Pixel:
        u, v = x / size, y / size
        inside_card = 0.22 <= u <= 0.78 and 0.16 <= v <= 0.84
        if inside_card:
            for top in (0.28, 0.40, 0.52):
                if top <= v <= top + 0.05 and 0.30 <= u <= (0.70 if top < 0.5 else 0.56):
                    return INK
            # The tick: two strokes meeting at the bottom.
            if 0.56 <= v <= 0.78:
                if abs((v - 0.70) - (u - 0.42)) < 0.035 and 0.42 <= u <= 0.50:
                    return GREEN
                if abs((v - 0.78) + (u - 0.50)) < 0.035 and 0.50 <= u <= 0.70:
                    return GREEN
            return WHITE
        if transparent:
            # PNG-24 with transparency: a blue disc on a clear square.
            return BLUE if (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25 else CLEAR
        return BLUE

    return pixel


def draw_logos(app_dir: Path) -> list[Path]:
    """Write logo.png (320 px, opaque) and logo-small.png (128 px, transparent corners)."""
    written = []
    for name, side in LOGOS.items():
        path = app_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(write_png(side, side, logo_pixel(side, transparent=side < 320)))
        written.append(path)
    return written


@click.group("app")
def group() -> None:
    """Build the Zendesk app that shows the packet in the ticket sidebar."""


@group.command("package")
@click.option(
    "--server-url",
    required=True,
    envvar="HANDOFF_PUBLIC_URL",
    help="This server's public base URL (https); env HANDOFF_PUBLIC_URL.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("instance/handoff-sidebar-app.zip"),
    show_default=True,
)
@click.option("--version", "version", default=None, help="Override the manifest's version.")
def package_command(server_url: str, out: Path, version: str | None) -> None:
    """Write the zip an admin uploads in Zendesk (Admin Center > Apps > Upload private app)."""
    files = package(APP_DIR, out, server_url, version)
    click.echo(f"wrote {out} ({len(files)} files); ticket sidebar -> {sidebar_url(server_url)}")
    click.echo(
        "after installing: set ZENDESK_APP_AUDIENCE to the installation URL and "
        "ZENDESK_APP_PUBLIC_KEY to the app's public key",
        err=True,
    )


@group.command("draw-logos")
def draw_logos_command() -> None:
    """Redraw the app's logo PNGs (320 and 128 px) into helpdesk_app/zendesk_app/assets/."""
    for path in draw_logos(APP_DIR):
        click.echo(f"wrote {path}")
