"""A call step's page, kept by each worker around what differs from one caller to the next.

A call step is a whole page (the widget's header and language switch, the script's section, the
outcome buttons) around one office. Rendering it took most of a call lookup's time under load
(docs/performance.md), yet all of it but the office, the script and the visit's token is the
same for every caller at the same step of the same campaign through the same address. So each
worker keeps the page around them (the frame), cut where they go, and fills it in.

A frame is rendered from stand-ins, never from a caller's details: its template is given no
visit, no office, no ZIP code and no script, only the step's place in the list and its error,
and marks where the notes, the office, the script, the title and the visit's token go. So
whatever it is kept under, a frame cannot show one caller's details to another. It is kept
under everything else it shows: the widget's address (host, path, and the query, which has the
source and the colours), the language, where the app is mounted, the campaign's and the
partner's revisions, who may frame it, and the step.

The office (the member of Congress or number to call) is public, and kept too. The notes about
the caller's ZIP code are rendered for each step and never kept: the widget promises not to
keep a ZIP code.
"""

import secrets
from dataclasses import dataclass
from time import monotonic

from flask import current_app
from flask import g
from flask import render_template
from flask import request
from markupsafe import Markup

from widget.call.names import describe_hours
from widget.call.names import party_name
from widget.call.names import target_place
from widget.call.reports import OUTCOMES
from widget.call.targets import SWITCHBOARD
from widget.embedding.kept import KeptAnswers
from widget.embedding.kept import cut_at
from widget.embedding.kept import filled_in
from widget.phones import readable
from widget.security.headers import csp_nonce

#: Frames kept per worker; the oldest unused go first. A campaign has one per language, step of
#: a visit, partner and colour asked for; the bound keeps made-up addresses from piling up.
KEPT_FRAMES = 256

#: Offices kept per worker: one per member of Congress (or fixed number), language, nearest
#: local office and whether it is likely open.
KEPT_OFFICES = 1024

#: Where each app keeps its frames and offices.
FRAMES = "megafono.call_frames"
OFFICES = "megafono.call_offices"

#: What a frame leaves out, each marked by a stand-in that escaping keeps and no campaign's text
#: can write (it is drawn anew by each worker).
HOLES = ("token", "office_title", "notes", "office", "script")
MARK = f"\ue000{secrets.token_hex(8)}:{{}}\ue001"


@dataclass(frozen=True)
class Frame:
    """A step's page without what differs from one caller to the next."""

    #: The page cut where the holes go: pieces[0], holes[0], pieces[1], ...
    pieces: tuple[str, ...]
    holes: tuple[str, ...]
    #: When it was rendered (time.monotonic()), as KeptAnswers calls it: of two rendered at
    #: once, the later stays.
    confirmed_at: float


@dataclass(frozen=True)
class Office:
    """An office's part of a step's page, and when it was rendered (as for a Frame)."""

    markup: Markup
    confirmed_at: float


def render_step_page(context, *, position, total, error, token, office_title, notes, office, script):
    """The call step's page: its frame for this widget and step, filled in for this caller.

    `office_title` is text; `notes`, `office` and `script` are markup (escaped as they were made)."""
    frames = kept_by_app(FRAMES, KEPT_FRAMES)
    key = frame_key(context, position, total, error)
    frame = frames.get(key)
    if frame is None:
        frame = render_frame(context, position, total, error)
        if set(HOLES) <= set(frame.holes):  # a frame that lost a stand-in is used once, not kept
            frames.keep(key, frame)
    filling = {"token": Markup.escape(token), "office_title": Markup.escape(office_title), "notes": notes,
               "office": office, "script": script}
    if "nonce" in frame.holes:
        filling["nonce"] = csp_nonce()
    return filled_in(frame.pieces, frame.holes, filling)


def frame_key(context, position, total, error):
    """Everything a frame shows, but its holes (see the module's docstring)."""
    campaign, partner = context["campaign"], context["partner"]
    return (
        request.scheme, request.host, request.script_root, request.path, request.query_string, context["language"],
        campaign.id, campaign.revision, campaign.definition_hash,
        (partner.code, partner.revision) if partner is not None else None,
        tuple(g.get("frame_ancestors") or ()),
        position, total, str(error) if error else None,
    )


def render_frame(context, position, total, error):
    """The step's page with stand-ins for its holes, cut at them and at the style nonce."""
    stand_ins = {hole: Markup(MARK.format(hole)) for hole in HOLES}  # noqa: S704 - our own marks
    rendered_at = monotonic()
    page = render_template("call/step.html", position=position, total=total, error=error, outcomes=OUTCOMES,
                           **stand_ins, **context)
    marks = {MARK.format(hole): hole for hole in HOLES}
    nonce = g.get("csp_nonce")
    if nonce is not None:
        marks[nonce] = "nonce"
    pieces, holes = cut_at(page, marks)
    return Frame(tuple(pieces), tuple(holes), rendered_at)


def office_markup(context, target, *, name, title, local_office):
    """The office a step is about (call/office.html), as markup for its frame: kept, like the
    frames, under everything it shows. `name` and `title` are the target's in the page's language."""
    offices = kept_by_app(OFFICES, KEPT_OFFICES)
    campaign = context["campaign"]
    likely_open = target.hours is None or target.hours.likely_open()
    # A fixed target's name and title come from the campaign's file (its revision); a member's,
    # from the data file, which a worker reads once.
    key = (context["language"], campaign.id, campaign.revision, campaign.definition_hash, target.key,
           likely_open, local_office)
    office = offices.get(key)
    if office is None:
        rendered_at = monotonic()
        markup = Markup(render_template(  # noqa: S704 - rendered with escaping
            "call/office.html", target=target, target_name=name, target_title=title, party=party_name(target),
            place=target_place(target), likely_open=likely_open,
            hours_text=describe_hours(target.hours) if target.hours else None, local_office=local_office,
            switchboard=SWITCHBOARD, readable=readable,
        ))
        office = Office(markup, rendered_at)
        offices.keep(key, office)
    return office.markup


def notes_markup(*, notes, term_note, vacant_seats):
    """What a step says about the caller's ZIP code and the member's term (call/notes.html),
    rendered for this step only."""
    if not notes and not term_note:
        return Markup("")
    return Markup(render_template(  # noqa: S704 - rendered with escaping
        "call/notes.html", notes=notes, term_note=term_note, vacant_seats=vacant_seats, switchboard=SWITCHBOARD,
        readable=readable,
    ))


def kept_by_app(name, size):
    """What this app (this worker) keeps under `name`, made on first use."""
    kept = current_app.extensions.get(name)
    if kept is None:
        kept = current_app.extensions.setdefault(name, KeptAnswers(size))
    return kept


def script_markup(paragraphs):
    """The script's paragraphs, each escaped in its own <p>."""
    return Markup("").join(Markup("<p>%s</p>") % paragraph for paragraph in paragraphs)
