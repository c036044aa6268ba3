"""Rendered cards on disk, keyed by what they show: each version is drawn once, by whichever
worker asks first, and every worker (every process on this host) serves the same file after.

The layout is `<GRAPHICS_DIR>/<slug>/<language>/<format>/<source or _>/<version>.png`: one folder
per card, holding its current version only.
"""

import errno
import fcntl
import logging
import os
import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from flask import current_app

from widget.campaigns.schema import LANGUAGE_PATTERN
from widget.campaigns.schema import SLUG_PATTERN
from widget.embedding.attribution import SOURCE_CODE
from widget.files import write_atomically
from widget.graphics.render import render_card

log = logging.getLogger(__name__)

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
    if not VERSION.fullmatch(version or ""):
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
            write_atomically(path, [render_card(content, card_format)])
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
    folder = graphics_folder() / slug
    try:
        if folder.is_symlink():
            warn_of_link(folder)
        elif folder.is_dir():
            forget_cards_below(folder, CARD_FOLDERS)
    except OSError as error:
        log.warning("could not remove the cards in %s: %s", folder, error)


def forget_graphics_except(slugs):
    """Remove the cards of every campaign but these (the public ones): cards of campaigns no
    longer public, and loose cards of the older layout."""
    folder = graphics_folder()
    try:
        with os.scandir(folder) as listing:
            entries = [entry for entry in listing if entry.name not in slugs]
    except FileNotFoundError:  # nothing drawn yet
        return
    except OSError as error:
        log.warning("could not read the graphics folder %s: %s", folder, error)
        return
    for entry in entries:
        try:
            if entry.is_symlink():
                continue
            if entry.is_dir() and CAMPAIGN_FOLDER(entry.name):
                forget_cards_below(entry.path, CARD_FOLDERS)
            elif entry.is_file() and OLDER_CARD_FILE.fullmatch(entry.name):
                os.unlink(entry.path)
        except OSError as error:
            log.warning("could not remove the cards at %s: %s", entry.path, error)


# Only what the service draws is removed: the graphics folder may hold other files (an
# operator's database or backups, say), and links in it are never followed.

#: A campaign's folder, at the top of the graphics folder.
CAMPAIGN_FOLDER = re.compile(SLUG_PATTERN).fullmatch
#: The folders below a campaign's, one check per level: `<language>/<format>/<source or _>/`.
CARD_FOLDERS = (
    re.compile(LANGUAGE_PATTERN).fullmatch,
    re.compile(r"^[a-z]+$").fullmatch,  # a format (one no longer drawn, too)
    lambda name: name == NO_SOURCE or SOURCE_CODE.fullmatch(name),
)
#: What drawing leaves in a card's folder: versions, the drawing lock, a file being written.
CARD_FILE = re.compile(r"^(?:[0-9a-f]{16}\.png|\.lock|tmp\w+\.part)$")
#: The older layout's cards (`<slug>-<language>-<format>[-<source>]-<version>.png`) and the files
#: being written beside them, loose at the top of the graphics folder.
OLDER_CARD_FILE = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]*-[0-9a-f]{16}\.png|tmp\w+\.part)$")


def forget_cards_below(folder, levels):
    """Remove the card files under a folder, `levels` being the checks for the folders below it,
    then each folder that this leaves empty (one that was empty already stays: someone else's).
    A file or folder that cannot be removed is logged and kept, and the rest still go. Returns
    whether anything under the folder was removed."""
    removed = False
    with os.scandir(folder) as listing:
        entries = list(listing)
    for entry in entries:
        try:
            if entry.is_symlink():
                if levels and levels[0](entry.name):
                    warn_of_link(entry.path)
            elif levels and entry.is_dir() and levels[0](entry.name):
                removed = forget_cards_below(entry.path, levels[1:]) or removed
            elif not levels and entry.is_file() and CARD_FILE.fullmatch(entry.name):
                os.unlink(entry.path)
                removed = True
        except OSError as error:
            log.warning("could not remove the cards at %s: %s", entry.path, error)
    if removed:
        try:
            os.rmdir(folder)
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):  # something else is in it, and stays
                log.warning("could not remove the folder %s: %s", folder, error)
    return removed


def warn_of_link(path):
    """Links are never followed: what is behind one where cards belong stays, and is served."""
    log.warning("%s is a link: the cards drawn behind it stay, and are served", path)
