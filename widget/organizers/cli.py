"""Organizers' commands: campaign counts, close and reopen, exports, delivery lists, privacy, accounts."""

import os
import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext
from sqlalchemy import select

from widget.campaigns.loader import unoffered_languages
from widget.campaigns.schema import untranslated
from widget.command_errors import reported
from widget.embedding.partners import find_partner
from widget.extensions import db
from widget.files import write_atomically
from widget.organizers import accounts
from widget.organizers import delivery
from widget.organizers import privacy
from widget.organizers.days import today
from widget.organizers.exports import EXPORTS
from widget.organizers.reports import campaign_counts
from widget.organizers.scope import Scope
from widget.storage.models import Campaign
from widget.storage.models import Organizer

supporters_group = AppGroup("supporters", help="Erase a supporter's data; expire old personal details.")
organizers_group = AppGroup("organizers", help="Accounts for the organizers' dashboard.")


class Day(click.DateTime):
    """A day written YYYY-MM-DD, and said so in plain words when it is not."""

    name = "day"

    def __init__(self):
        super().__init__(["%Y-%m-%d"])

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"{value!r}: write the day as year-month-day, like 2026-11-21", param, ctx)


DATE = Day()


def find_campaign(slug):
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        known = ", ".join(db.session.scalars(select(Campaign.slug).order_by(Campaign.slug))) or "none loaded"
        raise click.ClickException(f"no campaign named {slug!r} (campaigns: {known})")
    return campaign


def checked_partner(code):
    if code is not None and find_partner(code) is None:
        raise click.ClickException(f"no partner with code {code!r} (see `partners list`)")
    return code


def write_out(chunks, path, force=False):
    """Write text pieces to standard output ('-') or to a new file only its owner can read.

    The file is written beside its name (`.NAME.*.part`) and given the name once whole, so a
    failed export leaves nothing half-written under it. With `force` it replaces a file of that
    name, by a new file (an old one readable by others does not pass its permissions on), and
    nothing but a plain file: not a link, a device or a folder.
    """
    if path == "-":
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    if os.path.lexists(path):
        if not force:
            raise click.ClickException(f"{path} already exists: choose another name, or add --force")
        if os.path.islink(path) or not os.path.isfile(path):
            raise click.ClickException(f"{path} is not a plain file: choose another name")
    try:
        write_atomically(path, (chunk.encode("utf-8") for chunk in chunks), replace=force,
                         prefix=f".{os.path.basename(path)}.")
    except FileExistsError as error:  # one appeared meanwhile
        raise click.ClickException(f"{path} already exists: choose another name, or add --force") from error
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror}") from error
    click.echo(f"Written to {path} (readable by you only).", err=True)


@click.command("list")
@with_appcontext
@click.option("--partner", help="Count only what came through this partner.")
@click.option("--days", default=14, show_default=True, type=click.IntRange(0, 3660),
              help="How many days, up to today, to show one by one.")
def list_campaigns_command(partner, days):
    """Every campaign with its counts: in all, per partner, per language and per day."""
    checked_partner(partner)
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.slug)))
    if not campaigns:
        click.echo("No campaigns loaded: run `flask --app widget setup`.")
    for campaign in campaigns:
        counts = campaign_counts(Scope(campaign, partner))
        noun = "calls" if campaign.kind == "call" else "signatures"
        click.echo(f"{campaign.slug}\t{campaign.kind}\t{campaign.status}\t{counts.total} {noun}")
        if counts.total:
            click.echo(f"  partners:  {listed((source or '(no code)', n) for source, n in counts.by_source.items())}")
            click.echo(f"  languages: {listed(counts.by_language.items())}")
            if days:
                first = today() - timedelta(days=days - 1)
                click.echo(f"  days:      {listed((day, n) for day, n in counts.by_day if day >= first)}")


def listed(pairs):
    return ", ".join(f"{label} {count}" for label, count in pairs)


def set_status(slug, status, allowed_from):
    campaign = find_campaign(slug)
    if campaign.status == status:
        click.echo(f"{slug} is already {status}.")
        return
    if campaign.status not in allowed_from:
        raise click.ClickException(f"{slug} is a {campaign.status} campaign; only a {allowed_from} one can be {status}")
    if status == "live":
        check_can_be_live(campaign)
    campaign.status = status
    db.session.commit()
    click.echo(f"{slug} is now {status}.")
    click.echo(f"Set `status: {status}` in its campaign file too, so that the two agree: loading the file "
               "changes the status again only when its `status:` line changes.")


def check_can_be_live(campaign):
    """A closed campaign's file is held to fewer rules than a live one's: it may leave a language
    unfinished (supporters would meet blank text), or be written in a language this service does
    not offer (they would never see it)."""
    missing = [f"content.{language}.{key}"
               for language, key in untranslated(campaign.content, campaign.default_language)]
    if missing:
        raise click.ClickException(f"{campaign.slug} cannot be live: a live campaign must be complete in each of "
                                   f"its languages, and it lacks {', '.join(missing)}. Complete its file, set "
                                   "`status: live` there, and load it.")
    unoffered = unoffered_languages(campaign.languages, current_app.config["LANGUAGES"])
    if unoffered:
        raise click.ClickException(f"{campaign.slug} cannot be live: {'; '.join(message for _, message in unoffered)}. "
                                   "Remove that language from its file, set `status: live` there, and load it.")


@click.command("close")
@with_appcontext
@click.argument("slug")
def close_command(slug):
    """Close a live campaign: it stays visible, says it is closed, and takes no more actions."""
    set_status(slug, "closed", "live")


@click.command("reopen")
@with_appcontext
@click.argument("slug")
def reopen_command(slug):
    """Reopen a closed campaign."""
    set_status(slug, "live", "closed")


@click.command("export")
@with_appcontext
@click.argument("slug")
@click.option("--format", "file_format", type=click.Choice(sorted(EXPORTS)), default="csv", show_default=True,
              help="csv (opens in Excel and LibreOffice) or json (OSDI signatures or outreaches).")
@click.option("--partner", help="Only this partner's supporters who asked for its updates.")
@click.option("--since", type=DATE, help="From this day (YYYY-MM-DD, in MEGAFONO_TIME_ZONE).")
@click.option("--until", type=DATE, help="To the end of this day (YYYY-MM-DD, in MEGAFONO_TIME_ZONE).")
@click.option("--output", "-o", default="-", show_default=True, help="File to write (readable by you only), or -.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def export_command(slug, file_format, partner, since, until, output, force):
    """Export a campaign's signatures (or calls): every field, or a partner's share."""
    since, until = since and since.date(), until and until.date()
    if since and until and since > until:
        raise click.ClickException("--since is after --until")
    scope = Scope(find_campaign(slug), checked_partner(partner), since, until)
    write_out(EXPORTS[file_format](scope), output, force)


@click.command("deliver")
@with_appcontext
@click.argument("slug")
@click.option("--format", "file_format", type=click.Choice(["csv", "html"]), default="html", show_default=True,
              help="html: a page to print and hand over; csv: the same list for a spreadsheet.")
@click.option("--language", help="The campaign language to write it in (default: the campaign's own).")
@click.option("--output", "-o", default="-", show_default=True, help="File to write (readable by you only), or -.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def deliver_command(slug, file_format, language, output, force):
    """The list the petition's target receives: only the fields the campaign promised to deliver."""
    campaign = find_campaign(slug)
    with reported(delivery.DeliveryError):
        if file_format == "html":
            chunks = [delivery.render_delivery_page(campaign, language)]
        else:
            chunks = delivery.delivery_csv(campaign, language)
    write_out(chunks, output, force)


def typed_at_a_terminal():
    """Whether someone types at standard input (tests answer this for a terminal they lack)."""
    return sys.stdin.isatty()


@supporters_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(email, yes):
    """Delete every signature given with EMAIL, on every campaign, and say how many.

    Give - as EMAIL to be asked for the address, so that it stays out of shell history, or with
    --yes to read it from a file or a pipe.
    """
    if email == "-":
        if typed_at_a_terminal():
            email = click.prompt("Email address to erase").strip()
        elif yes:
            email = sys.stdin.readline().strip()
        else:
            # The question that follows would read its answer from the same file, and find none.
            raise click.UsageError("With the address coming from a file or a pipe, add --yes: "
                                   "flask --app widget supporters erase --yes - < request.txt")
    with reported(privacy.PrivacyError):
        privacy.checked_address(email)  # before asking to confirm what could not be done
    if not yes:
        click.confirm(f"Delete every signature given with {email}? This cannot be undone", abort=True)
    with reported(privacy.PrivacyError):
        removed = privacy.erase_supporter(email)
    if not removed:
        click.echo("Nothing is stored for that address.")
        return
    for slug, count in removed.items():
        click.echo(f"{slug}: {count} signature{'s' if count != 1 else ''} deleted")
    click.echo(f"Removed {sum(removed.values())} in all.")


@supporters_group.command("expire")
@click.option("--days", type=int, help="Retention period in days (default: MEGAFONO_RETENTION_DAYS).")
def expire_command(days):
    """Blank the personal details of signatures older than the retention period; counts stay."""
    days = days if days is not None else current_app.config["RETENTION_DAYS"]
    with reported(privacy.PrivacyError):
        count = privacy.apply_retention(days)
    click.echo(f"Personal details removed from {count} signatures older than {days} days.")


@organizers_group.command("add")
@click.argument("username")
@click.option("--partner", help="A partner's code: the account sees only that partner's supporters.")
def organizers_add_command(username, partner):
    """Make a dashboard account and print its password (shown this once)."""
    with reported(accounts.AccountError):
        organizer, password = accounts.add_organizer(username, partner)
    scope = f"partner {partner} only" if partner else "every campaign and supporter"
    click.echo(f"Account {organizer.username} ({scope}). Password, shown only now: {password}")


@organizers_group.command("reset-password")
@click.argument("username")
def organizers_reset_command(username):
    """Give an account a new password (signing it out everywhere) and print it."""
    with reported(accounts.AccountError):
        password = accounts.reset_password(username)
    click.echo(f"New password for {username}, shown only now: {password}")


@organizers_group.command("remove")
@click.argument("username")
def organizers_remove_command(username):
    """Delete an account."""
    with reported(accounts.AccountError):
        accounts.remove_organizer(username)
    click.echo(f"Account {username} removed.")


@organizers_group.command("list")
def organizers_list_command():
    """Every account and what it may see."""
    for organizer in db.session.scalars(select(Organizer).order_by(Organizer.username)):
        click.echo(f"{organizer.username}\t{organizer.partner_code or '(all)'}")


def init_app(app, campaigns_group):
    for command in (list_campaigns_command, close_command, reopen_command):
        campaigns_group.add_command(command)
    app.cli.add_command(export_command)
    app.cli.add_command(deliver_command)
    app.cli.add_command(supporters_group)
    app.cli.add_command(organizers_group)
