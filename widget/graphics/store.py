"""Rendered cards on disk, keyed by what they show: each version is drawn once, by whichever
worker asks first, and every worker (every process on this host) serves the same file after.

The layout is `<GRAPHICS_DIR>/<slug>/<language>/<format>/<source or _>/<version>.png`: one folder
per card, holding its current version only.
"""

import fcntl
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from flask import current_app

from widget.graphics.render import render_card

VERSION = re.compile(r"^[0-9a-f]{16}$")
NO_SOURCE = "_"


def graphics_folder():
    """Where this app keeps drawn cards (MEGAFONO_GRAPHICS_DIR)."""
    return Path(current_app.config["GRAPHICS_DIR"])


def card_folder(slug, language, card_format, source=None):
    """The folder for one card. Callers pass checked values only: a slug, a language and a format
    the service knows, and a well-formed source code (none of which can hold `/` or be `..`)."""
    return graphics_folder() / slug / language / card_format / (source or NO_SOURCE)


def stored_png(graphics_dir, slug, language, card_format, source, version):
    """The PNG of an exact version if it was drawn before, else None. Needs no app context."""
    if not VERSION.match(version or ""):
        return None
    # Joined as strings rather than with pathlib: this runs on every request for a card.
    path = os.path.join(graphics_dir, slug, language, card_format, source or NO_SOURCE, f"{version}.png")
    try:
        # Asked of the disk each time, so a card removed (its campaign taken back to draft, say)
        # is gone from every worker at once.
        os.stat(path)
        return read_png(path)
    except OSError:  # not drawn yet, or unreadable: the view will draw it or say why not
        return None


@lru_cache(maxsize=128)
def read_png(path):
    """A drawn card's bytes, kept in the worker: a file's content never changes, as its name is
    the version of what it shows. At most 128 cards of some 20 to 50 KB each."""
    with open(path, "rb") as stored:
        return stored.read()


def stored_card(slug, content, card_format, source=None):
    """The card's PNG, drawing it first if no worker has yet. Returns (png, version)."""
    version = content.version(card_format)
    ready = stored_png(str(graphics_folder()), slug, content.language, card_format, source, version)
    if ready is not None:
        return ready, version
    folder = card_folder(slug, content.language, card_format, source)
    folder.mkdir(parents=True, exist_ok=True)
    with drawing_lock(folder):
        # Another worker may have drawn it while this one waited for the lock.
        path = folder / f"{version}.png"
        if not path.exists():
            write_atomically(path, render_card(content, card_format))
            forget_older_versions(folder, version)
        return read_png(str(path)), version


@contextmanager
def drawing_lock(folder):
    """One worker draws a card at a time; the others wait, then find it drawn."""
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_atomically(path, data):
    """Write beside the file and rename: a reader sees no file or the whole file, never half."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def forget_older_versions(folder, version):
    """Remove the card's earlier versions: an old address then leads to the current card.

    (A corrected help-line number must not live on at an address someone kept.) Called with the
    drawing lock held, so a `.part` file here was left by a worker killed while drawing.
    """
    for older in [*folder.glob("*.png"), *folder.glob("*.part")]:
        if older.name != f"{version}.png":
            older.unlink(missing_ok=True)


def forget_campaign_graphics(slug):
    """Remove every card drawn for a campaign: its content changed, or it went back to draft.

    Each card is drawn again, in its new version, when it is next asked for.
    """
    shutil.rmtree(graphics_folder() / slug, ignore_errors=True)


def forget_graphics_except(slugs):
    """Remove whatever this service drew into the graphics folder but the cards of these campaigns
    (the public ones): cards of campaigns no longer public, and files from older layouts.

    Only what the service itself writes goes: an operator who points MEGAFONO_GRAPHICS_DIR at a
    folder holding anything else (the SQLite database, say) keeps it.
    """
    folder = graphics_folder()
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name in slugs or not drawn_here(entry):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


#: The files a drawn card leaves: the card, one half-written, the drawing lock.
DRAWN_SUFFIXES = (".png", ".part", ".lock")


def drawn_here(entry):
    """A card file, or a folder that holds nothing but card files (in folders of its own)."""
    if entry.is_symlink():
        return False
    if entry.is_dir():
        return all(path.is_dir() and not path.is_symlink() or path.name.endswith(DRAWN_SUFFIXES)
                   for path in entry.rglob("*"))
    return entry.name.endswith(DRAWN_SUFFIXES)
