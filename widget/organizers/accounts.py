"""Organizer accounts for the dashboard: made by the CLI, each with a generated password."""

import re
import secrets
from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from widget.embedding.partners import find_partner
from widget.extensions import db
from widget.storage.models import Organizer

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ValueError):
    """The account cannot be made or changed as asked; the message says why."""


def new_password():
    """A password of about 120 random bits, in characters that survive being read aloud or retyped."""
    return secrets.token_urlsafe(15)


def find_organizer(username):
    return db.session.scalar(select(Organizer).where(Organizer.username == (username or "").strip().lower()))


def add_organizer(username, partner_code=None):
    """Make an account; return it and its password (shown once, stored only as a hash)."""
    username = (username or "").strip().lower()
    if not USERNAME.fullmatch(username):
        raise AccountError(f"username {username!r}: use 2-64 lower-case letters, digits, '.', '_' or '-'")
    if find_organizer(username) is not None:
        raise AccountError(f"{username!r} already has an account; use `organizers reset-password`")
    if partner_code is not None and find_partner(partner_code) is None:
        raise AccountError(f"no partner with code {partner_code!r}; add it first with `partners add`")
    password = new_password()
    organizer = Organizer(
        username=username, password_hash=generate_password_hash(password), partner_code=partner_code,
        session_key=secrets.token_hex(16),
    )
    db.session.add(organizer)
    db.session.commit()
    return organizer, password


def reset_password(username):
    organizer = find_organizer(username)
    if organizer is None:
        raise AccountError(f"no account named {username!r}")
    password = new_password()
    organizer.password_hash = generate_password_hash(password)
    organizer.session_key = secrets.token_hex(16)
    db.session.commit()
    return password


def end_sessions(organizer):
    """Sign the account out everywhere: every session's check includes this key."""
    organizer.session_key = secrets.token_hex(16)
    db.session.commit()


def remove_organizer(username):
    organizer = find_organizer(username)
    if organizer is None:
        raise AccountError(f"no account named {username!r}")
    db.session.delete(organizer)
    db.session.commit()


@cache
def unknown_user_hash():
    """Checked against when a username is unknown, so a wrong name takes as long as a wrong password."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(username, password):
    """The organizer with this username and password, or None; as slow for unknown names."""
    organizer = find_organizer(username)
    if organizer is None:
        check_password_hash(unknown_user_hash(), password or "")
        return None
    return organizer if check_password_hash(organizer.password_hash, password or "") else None
