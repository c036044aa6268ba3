"""Rendered cards on disk, keyed by what they show: each version is drawn once, by whichever
worker asks first, and every worker (every process on this host) serves the same file after."""

import os
import re
import tempfile
from pathlib import Path

from flask import current_app

from widget.graphics.render import render_card

VERSION = re.compile(r"^[0-9a-f]{16}$")


def graphics_folder():
    folder = Path(current_app.config["GRAPHICS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def card_path(slug, version, language, card_format, source=None):
    name = f"{slug}-{language}-{card_format}" + (f"-{source}" if source else "") + f"-{version}.png"
    return graphics_folder() / name


def stored_card(slug, version, language, card_format, source=None):
    """The file for an exact version, if it was drawn before (no database needed to find it)."""
    if not VERSION.match(version or ""):
        return None
    path = card_path(slug, version, language, card_format, source)
    return path if path.exists() else None


def card_file(slug, content, card_format, source=None):
    """The card's file, drawing it first if no worker has yet. Returns (path, version)."""
    version = content.version(card_format)
    path = card_path(slug, version, content.language, card_format, source)
    if not path.exists():
        png = render_card(content, card_format)
        # Write beside it and rename: a worker reading at the same moment sees the old state or
        # the whole file, never half of one.
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as output:
            output.write(png)
        os.replace(temporary, path)
        forget_older_versions(path, version)
    return path, version


def forget_older_versions(path, version):
    """Remove the card's earlier versions: an old address then leads to the current card.

    (A corrected help-line number must not live on at an address someone kept.)
    """
    stem = path.name.removesuffix(f"-{version}.png")
    for older in path.parent.glob(f"{stem}-*.png"):
        if older != path and VERSION.match(older.name.removeprefix(f"{stem}-").removesuffix(".png")):
            older.unlink(missing_ok=True)
