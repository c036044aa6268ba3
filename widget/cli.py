"""Command-line tools: `flask --app widget setup`, `campaigns ...` and `translate ...`."""

import shlex
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext
from sqlalchemy import text

from widget.call import congress
from widget.call import congress_build
from widget.campaigns import public_slugs
from widget.campaigns.loader import CampaignFileError
from widget.campaigns.loader import campaign_files
from widget.campaigns.loader import load_campaign_files
from widget.campaigns.loader import read_campaign_files
from widget.campaigns.schema import missing_translations
from widget.command_errors import reported
from widget.embedding import partners
from widget.extensions import db
from widget.graphics.store import forget_graphics_except
from widget.i18n import catalog_languages
from widget.i18n import catalogs
from widget.i18n.pseudo import PSEUDO_LANGUAGE
from widget.organizers import cli as organizer_commands
from widget.security.form_token import forget_expired_tokens
from widget.storage.database import open_to_others
from widget.storage.database import sqlite_file
from widget.storage.database import upgrade_schema

campaigns_group = AppGroup("campaigns", help="Check and load campaign files.")
partners_group = AppGroup("partners", help="Register the organizations that embed campaigns.")
congress_group = AppGroup("congress", help="The members-of-Congress data behind ZIP code lookups.")
translate_group = AppGroup("translate", help="Extract, update, compile and check translations.")

#: Any fixed number: PostgreSQL advisory locks are keyed by integers.
SETUP_LOCK_KEY = 7_365_521


def init_app(app):
    app.cli.add_command(setup_command)
    app.cli.add_command(campaigns_group)
    app.cli.add_command(partners_group)
    app.cli.add_command(congress_group)
    app.cli.add_command(translate_group)
    organizer_commands.init_app(app, campaigns_group)


@contextmanager
def one_setup_at_a_time():
    """On PostgreSQL, app servers starting together run setup one after another."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SETUP_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SETUP_LOCK_KEY})


@click.command("setup")
@with_appcontext
def setup_command():
    """Create or upgrade the schema, compile catalogs, load campaign files. Safe on every start."""
    compiled = catalogs.compile_catalogs(translations_dir())
    click.echo(f"Translations compiled: {', '.join(compiled) or 'none'}")
    with one_setup_at_a_time():
        upgrade_schema()
        click.echo("Database schema is up to date.")
        report = load_or_exit(campaign_files(current_app.config["CAMPAIGNS_DIR"]))
        forget_expired_tokens()
        forget_graphics_except(public_slugs())
    echo_report(report)
    warn_if_members_are_out_of_date()
    warn_if_the_database_is_open_to_others()


def load_or_exit(paths):
    try:
        return load_campaign_files(paths)
    except CampaignFileError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo("Nothing was loaded.", err=True)
        sys.exit(1)


def echo_report(report):
    for label, slugs in (("created", report.created), ("updated", report.updated), ("unchanged", report.unchanged)):
        if slugs:
            click.echo(f"Campaigns {label}: {', '.join(slugs)}")
    for slug, here, filed in report.status_kept:
        click.echo(f"warning: {slug} is {here} (as set with `campaigns` commands or in the database), while its "
                   f"file says {filed}. Loading the file changes the status only when the file's status changes."
                   + following_the_file(slug, here, filed), err=True)


def following_the_file(slug, here, filed):
    """The command that gives a campaign its file's status, where there is one."""
    command = {("closed", "live"): "reopen", ("live", "closed"): "close"}.get((here, filed))
    return f" To follow the file now: flask --app widget campaigns {command} {slug}" if command else ""


def paths_or_folder(paths):
    """The files named, a folder named standing for its campaign files; without any, the campaigns folder."""
    if not paths:
        return campaign_files(current_app.config["CAMPAIGNS_DIR"])
    return [found for path in map(Path, paths) for found in (campaign_files(path) if path.is_dir() else [path])]


@campaigns_group.command("load")
@click.argument("paths", nargs=-1, type=click.Path())
def load_command(paths):
    """Load campaign files or folders of them (default: the campaigns folder). All are checked
    first; on any error none is loaded."""
    echo_report(load_or_exit(paths_or_folder(paths)))


@campaigns_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
def check_command(paths):
    """Check campaign files without loading them; list text that falls back to the default language."""
    files = paths_or_folder(paths)
    if not files:
        raise click.ClickException("no campaign files (*.yaml, *.yml) there")
    try:
        definitions = read_campaign_files(files, current_app.config["LANGUAGES"])
    except CampaignFileError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    for path, definition in definitions:
        for language, key in missing_translations(definition):
            click.echo(
                f"warning: {path}: content.{language}.{key}: missing, shown in "
                f"'{definition.default_language}' instead"
            )
        click.echo(f"ok: {path} ({definition.slug}, {definition.status})")


@partners_group.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The organization's name, as supporters will see it.")
@click.option("--origin", "origins", multiple=True, help="A site that may show restricted campaigns (repeatable).")
@click.option("--color", "accent_color", help="Accent color, #rrggbb; text colors are chosen to stay readable.")
def partners_add_command(code, name, origins, accent_color):
    """Register a partner under CODE, the `source` code on its snippets."""
    with reported(partners.PartnerError):
        partner = partners.add_partner(code, name, origins, accent_color)
    click.echo(f"Partner added: {partner.code} ({partner.name})")


@partners_group.command("update")
@click.argument("code")
@click.option("--name", help="A new name.")
@click.option("--origin", "origins", multiple=True, help="Sites that may show restricted campaigns (replaces all).")
@click.option("--no-origins", is_flag=True, help="Remove every allowed site.")
@click.option("--color", "accent_color", help="A new accent color, #rrggbb.")
def partners_update_command(code, name, origins, no_origins, accent_color):
    """Change a partner's name, sites or color. Its code, and the credit it has, stay."""
    with reported(partners.PartnerError):
        partner = partners.update_partner(
            code, name=name, origins=[] if no_origins else (origins or None), accent_color=accent_color
        )
    click.echo(f"Partner updated: {partner.code} ({partner.name})")


@partners_group.command("counts")
@click.argument("slug")
def partners_counts_command(slug):
    """Signatures (or calls) on one campaign per source code, most first."""
    campaign = organizer_commands.find_campaign(slug)
    names = {partner.code: partner.name for partner in partners.all_partners()}
    for source, count in partners.counts_by_source(campaign).items():
        label = f"{source} ({names[source]})" if source in names else (source or "(no code)")
        click.echo(f"{count}\t{label}")


@partners_group.command("list")
def partners_list_command():
    """Every partner, its sites, and the signatures that came through it."""
    counts = partners.counts_by_partner()
    for partner in partners.all_partners():
        origins = ", ".join(partner.allowed_origins) or "no restricted sites"
        count = counts.get(partner.code, 0)
        click.echo(f"{partner.code}\t{partner.name}\t{origins}\t{count} signature{'' if count == 1 else 's'}")


@congress_group.command("build")
@click.option("--source", type=click.Path(file_okay=False, exists=True), default=str(congress_build.DEFAULT_SOURCE),
              show_default=True, help="Folder with the two legislators YAML files and zccd.csv.")
@click.option("--legislators-date", type=click.DateTime(["%Y-%m-%d"]),
              help="Snapshot date of the legislators files (YYYY-MM-DD), if its README lacks it.")
@click.option("--zips-date", type=click.DateTime(["%Y-%m-%d"]),
              help="Snapshot date of zccd.csv (YYYY-MM-DD), if its README lacks it.")
@click.option("--output", type=click.Path(dir_okay=False), default=str(congress_build.BUILT_FILE), show_default=True)
def congress_build_command(source, legislators_date, zips_date, output):
    """Rebuild the compact lookup file from (newer copies of) the public-domain sources."""
    given = (("legislators", legislators_date), ("zip_districts", zips_date))
    dates = {key: value.date().isoformat() for key, value in given if value}
    with reported(congress_build.CongressDataError):
        data = congress_build.build(source, dates)
    if "legislators" not in data["snapshot"]:
        raise click.ClickException("the legislators' snapshot date is unknown: give --legislators-date")
    path = congress_build.write(data, Path(output))
    vacant = [seat for seat, entry in data["house"].items() if entry["member"] is None]
    click.echo(f"Wrote {path}: {len(data['members'])} members, {len(data['house'])} House seats "
               f"({len(vacant)} vacant: {', '.join(vacant) or 'none'}), snapshot {data['snapshot']}")
    click.echo("Restart the app servers to use it.")


@congress_group.command("lookup")
@click.argument("zip_code")
def congress_lookup_command(zip_code):
    """Show whom a ZIP code's supporters would call."""
    normalized = congress.normalize_zip(zip_code)
    if normalized is None:
        raise click.ClickException(f"{zip_code!r} is not a US ZIP code")
    lookup = congress.lookup_targets_by_zip(normalized)
    click.echo(f"{normalized}: seats {', '.join(lookup.seats) or 'none found'}")
    for target in lookup.targets:
        click.echo(f"  {target.role}\t{target.name}\t{target.party}\t{target.phone}")
    for seat in lookup.vacant_seats:
        click.echo(f"  vacant\t{seat}")
    warn_if_members_are_out_of_date()


def warn_if_members_are_out_of_date():
    ended, earliest = congress.out_of_date_terms()
    if ended:
        click.echo(
            f"warning: {ended} members' terms in the members-of-Congress list have ended (the first on {earliest}); "
            "the widget marks them and offers the Capitol switchboard. Rebuild the list from newer data: "
            "flask --app widget congress build", err=True,
        )


def warn_if_the_database_is_open_to_others():
    database = sqlite_file(db.engine.url)
    if database is not None and open_to_others(database):
        click.echo(
            f"warning: other users of this host can read {database}, and with it every supporter's details. "
            f"Make it the service's alone: chmod 600 {shlex.quote(str(database))}*", err=True,
        )


def translations_dir():
    """The catalogs this app serves (MEGAFONO_TRANSLATIONS_DIR, by default translations/)."""
    return Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])


@translate_group.command("extract")
def extract_command():
    """Collect every translatable string into translations/messages.pot."""
    count = catalogs.extract()
    click.echo(f"{count} strings written to {catalogs.display_path(catalogs.TEMPLATE_FILE)}")


@translate_group.command("update")
def update_command():
    """Bring every language's catalog in line with messages.pot."""
    for language in catalogs.update(translations_dir()):
        click.echo(f"updated {catalogs.display_path(catalogs.catalog_path(language, translations_dir()))}")


@translate_group.command("compile")
def compile_command():
    """Compile the catalogs the running service reads (.mo files; never committed)."""
    click.echo(f"compiled: {', '.join(catalogs.compile_catalogs(translations_dir())) or 'none'}")


@translate_group.command("init")
@click.argument("language")
def init_command(language):
    """Start a catalog for a new language, e.g. `translate init pt_BR`."""
    with reported(ValueError, FileExistsError):
        path = catalogs.init(language, translations_dir())
    click.echo(f"created {catalogs.display_path(path)}: translate it, then run `translate compile`")


@translate_group.command("pseudo")
@click.argument("destination", type=click.Path(file_okay=False))
def pseudo_command(destination):
    """Write the catalogs and campaigns, plus the en_XA pseudo-locale, to DESTINATION (never ship it)."""
    translations, campaigns = catalogs.pseudo(
        Path(destination), translations_dir(), Path(current_app.config["CAMPAIGNS_DIR"])
    )
    click.echo(f"Pseudo-locale {PSEUDO_LANGUAGE} written. Look at it with:")
    click.echo(f"  MEGAFONO_TRANSLATIONS_DIR={translations} MEGAFONO_CAMPAIGNS_DIR={campaigns} make serve")
    click.echo(f"  and open /embed/<campaign>?lang={PSEUDO_LANGUAGE}")


@translate_group.command("check")
def check_command_translations():
    """Fail if a shipped catalog or live campaign is incomplete, fuzzy or inconsistent, or the template is stale."""
    problems = catalogs.check(translations_dir(), Path(current_app.config["CAMPAIGNS_DIR"]))
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(1)
    languages = ", ".join(catalog_languages(translations_dir()))
    click.echo(f"ok: catalogs {languages}; campaigns in {current_app.config['CAMPAIGNS_DIR']}")
