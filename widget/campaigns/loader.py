"""Load campaign files into the database: every file checked first, then all stored or none."""

import hashlib
import json
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import yaml
from flask import current_app
from pydantic import ValidationError
from sqlalchemy import select

from widget.campaigns.file_errors import plain_problems
from widget.campaigns.markdown import RENDERER_VERSION
from widget.campaigns.schema import CampaignDefinition
from widget.campaigns.schema import content_problems
from widget.campaigns.schema import missing_translations
from widget.campaigns.schema import stored_content
from widget.campaigns.schema import untranslated
from widget.campaigns.schema import untranslated_problem
from widget.extensions import db
from widget.graphics.store import forget_campaign_graphics
from widget.storage.models import Campaign
from widget.storage.models import utcnow

MAX_FILE_BYTES = 512 * 1024


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self):
        return f"{self.file}: {self.field}: {self.message}"


class CampaignFileError(Exception):
    """One or more campaign files cannot be loaded; nothing was changed."""

    def __init__(self, problems):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: (slug, status here, status in its file) where the two differ: closed from the command line,
    #: say, while the file still says live.
    status_kept: list[tuple[str, str, str]] = field(default_factory=list)


def campaign_files(directory):
    """The campaign files in a folder, in a stable order."""
    folder = Path(directory)
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


class CampaignFileLoader(yaml.SafeLoader):
    """YAML's safe loader, but a setting written twice is a mistake, not the last one winning."""

    MERGE = "tag:yaml.org,2002:merge"

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == self.MERGE:
                continue  # `<<: *defaults` brings settings in; the loader merges those itself
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
            except TypeError:
                break  # a list or a mapping as a key: the safe loader's own error says where
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"'{key}' is written twice in one block; keep one", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_campaign_file(path, languages=None):
    """Parse and validate one file; raise CampaignFileError naming the file, field and problem.
    With the service's `languages`, a live campaign may be written only in those."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise CampaignFileError([Problem(name, "(file)", error.strerror or str(error))]) from error
    if len(raw) > MAX_FILE_BYTES:
        raise CampaignFileError([Problem(name, "(file)", f"is larger than {MAX_FILE_BYTES} bytes")])
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=CampaignFileLoader)  # noqa: S506 - safe_load's loader, stricter
    except UnicodeDecodeError as error:
        raise CampaignFileError([Problem(name, "(file)", "is not UTF-8 text")]) from error
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        location = f"line {where.line + 1}" if where else "(file)"
        problem = getattr(error, "problem", None) or "is not valid YAML"
        if "mapping values are not allowed" in problem:
            problem += " (text with ': ' in it goes in quotes)"
        raise CampaignFileError([Problem(name, location, f"YAML syntax: {problem}")]) from error
    if data is None:
        raise CampaignFileError([Problem(name, "(file)", "is empty")])
    if not isinstance(data, dict):
        raise CampaignFileError([Problem(name, "(file)", "must be a mapping of settings, not a list or text")])
    try:
        definition = CampaignDefinition.model_validate(data)
    except ValidationError as error:
        raise CampaignFileError([Problem(name, *problem) for problem in plain_problems(error)]) from error
    problems = [Problem(name, where, message) for where, message in content_problems(definition)]
    problems += [Problem(name, where, message) for where, message in language_problems(definition, languages)]
    if problems:
        raise CampaignFileError(problems)
    return definition


def language_problems(definition, languages):
    """A live campaign's text in a language the service has no interface in (a typo such as
    `eng`) would never be shown: its visitors would get another language without a word. A draft
    may be written in a language whose catalog is still to come (TRANSLATING.md)."""
    if languages is None or definition.status != "live":
        return []
    return unoffered_languages(definition.content, languages)


def unoffered_languages(written, offered):
    """(field, message) for each language a campaign is written in that the service does not offer."""
    return [(f"content.{language}", f"this service has no language '{language}' (it has {', '.join(offered)}); "
                                    "another language comes with its own catalog: see TRANSLATING.md")
            for language in written if language not in offered]


def read_campaign_files(paths, languages=None):
    """Validate every file, gathering every problem; return (path, definition) pairs."""
    definitions, problems, seen = [], [], {}
    for path in paths:
        try:
            definition = read_campaign_file(path, languages)
        except CampaignFileError as error:
            problems.extend(error.problems)
            continue
        if definition.slug in seen:
            problems.append(Problem(str(path), "slug", f"'{definition.slug}' is also used by {seen[definition.slug]}"))
            continue
        seen[definition.slug] = str(path)
        definitions.append((path, definition))
    if problems:
        raise CampaignFileError(problems)
    return definitions


def definition_hash(definition):
    canonical = json.dumps(
        [RENDERER_VERSION, definition.model_dump(mode="json")], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_campaign_files(paths):
    """Store the campaigns these files define, creating or updating by slug; all or nothing.

    Submissions are never touched: a campaign keeps its id, so its signatures and count stay.
    """
    definitions = read_campaign_files(paths, current_app.config["LANGUAGES"])
    existing = {
        campaign.slug: campaign
        for campaign in db.session.scalars(
            select(Campaign).where(Campaign.slug.in_([d.slug for _, d in definitions]))
        )
    }
    problems = [
        Problem(str(path), "kind", f"cannot change from '{existing[d.slug].kind}' once a campaign has actions")
        for path, d in definitions
        if d.slug in existing
        and existing[d.slug].kind != d.kind
        and existing[d.slug].action_count > 0
    ]
    # A campaign reopened from the command line stays live while its file says otherwise, so its
    # file may not take away a text that a language has. (What the campaign already lacks, as
    # stored by an earlier release, is not held against a file that changes nothing of it.)
    for path, d in definitions:
        campaign = existing.get(d.slug)
        if campaign is None or d.status == "live" or status_after_loading(campaign, d.status) != "live":
            continue
        reopened = [untranslated_problem(language, key) for language, key in newly_untranslated(campaign, d)]
        # Nor add a language the service does not offer (one it had already is not held against it).
        added = [language for language in d.content if language not in campaign.content]
        reopened += unoffered_languages(added, current_app.config["LANGUAGES"])
        problems += [Problem(str(path), where, f"{message} ({d.slug} is live: it was reopened with `campaigns reopen`)")
                     for where, message in reopened]
    if problems:
        raise CampaignFileError(problems)

    report = LoadReport()
    for _, definition in definitions:
        digest = definition_hash(definition)
        campaign = existing.get(definition.slug)
        if campaign is not None and campaign.definition_hash == digest:
            if campaign.filed_status is None:
                # Stored before migration 0010: the file is as it was last loaded, so the status
                # it says is the one it set then.
                campaign.filed_status = definition.status
            report.unchanged.append(definition.slug)
            continue
        if campaign is None:
            campaign = Campaign(slug=definition.slug)
            db.session.add(campaign)
            report.created.append(definition.slug)
        else:
            report.updated.append(definition.slug)
        apply_definition(campaign, definition, digest)
    db.session.commit()
    for _, definition in definitions:
        campaign = existing.get(definition.slug)
        if campaign is not None and campaign.status != definition.status:
            report.status_kept.append((definition.slug, campaign.status, definition.status))
    drafts = [definition.slug for _, definition in definitions if definition.status == "draft"]
    for slug in {*report.created, *report.updated, *drafts}:
        # Cards drawn before show what the campaign said then (a help line since corrected, say),
        # or belong to a campaign no longer public.
        forget_campaign_graphics(slug)
    return report


def newly_untranslated(campaign, definition):
    """(language, key) of each text the file lacks in a language that the stored campaign has."""
    already = set(untranslated(campaign.content, campaign.default_language))
    return [missing for missing in missing_translations(definition) if missing not in already]


def status_after_loading(campaign, filed):
    """The file's status for a new campaign, or when the file's status has changed since it was
    last loaded. Otherwise the campaign's own: one closed or reopened from the command line stays
    so. Stored before migration 0010, with the file changed since: what the file last said is
    not known, so the file's status counts only if it does not open the campaign."""
    if campaign.status is None or campaign.filed_status not in (None, filed):
        return filed
    if campaign.filed_status is None and filed != "live":
        return filed
    return campaign.status


def apply_definition(campaign, definition, digest):
    settings = definition.model_dump(mode="json", exclude={"slug", "kind", "status", "default_language", "content"})
    campaign.kind = definition.kind
    campaign.status = status_after_loading(campaign, definition.status)
    campaign.filed_status = definition.status
    campaign.default_language = definition.default_language
    campaign.content = stored_content(definition)
    campaign.settings = settings
    campaign.definition_hash = digest
    campaign.updated_at = utcnow()
