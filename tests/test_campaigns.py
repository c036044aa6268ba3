"""Campaign files: checked before anything is stored, loaded all or nothing, Markdown made safe."""

import textwrap

import pytest
import yaml
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy import update

from tests.conftest import DEMO_CAMPAIGNS
from tests.conftest import DEMO_SLUGS
from tests.conftest import action_count
from tests.conftest import sign
from widget.campaigns.loader import CampaignFileError
from widget.campaigns.loader import load_campaign_files
from widget.campaigns.loader import read_campaign_file
from widget.campaigns.markdown import render_markdown
from widget.extensions import db
from widget.storage.models import Campaign
from widget.storage.models import Signature

DEMO_PETITION = DEMO_CAMPAIGNS / "demo-petition.yaml"
DEMO_WHITE_HOUSE = DEMO_CAMPAIGNS / "demo-white-house.yaml"


def demo(**changes):
    data = yaml.safe_load(DEMO_PETITION.read_text())
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = data
        for key in parents:
            target = target[key]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return data


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True))
    return path


def problems_for(path):
    with pytest.raises(CampaignFileError) as caught:
        read_campaign_file(path)
    return [(problem.field, problem.message) for problem in caught.value.problems]


def test_the_demo_campaigns_are_valid():
    for path in sorted(DEMO_CAMPAIGNS.glob("*.yaml")):
        definition = read_campaign_file(path)
        assert set(definition.content) == {"es", "en"}


def test_loading_the_same_files_again_changes_nothing(app):
    with app.app_context():
        before = {c.slug: (c.updated_at, c.definition_hash) for c in db.session.scalars(select(Campaign))}
        report = load_campaign_files(sorted(DEMO_CAMPAIGNS.glob("*.yaml")))
        after = {c.slug: (c.updated_at, c.definition_hash) for c in db.session.scalars(select(Campaign))}
    assert report.unchanged == DEMO_SLUGS and not report.created and not report.updated
    assert before == after


def test_a_changed_file_updates_the_campaign_and_keeps_its_signatures(app, client, tmp_path):
    sign(client)
    changed = write(tmp_path, "demo-petition.yaml", demo(content__en__title="A new title", goal=50))
    with app.app_context():
        report = load_campaign_files([changed])
        campaign = db.session.scalar(select(Campaign).filter_by(slug="demo-petition"))
        assert report.updated == ["demo-petition"]
        assert campaign.text("en")["title"] == "A new title" and campaign.settings["goal"] == 50
        assert db.session.query(Signature).filter_by(campaign_id=campaign.id).count() == 1
    assert action_count(app) == 1


def status_of(app, slug="demo-petition"):
    with app.app_context():
        return db.session.scalar(select(Campaign.status).filter_by(slug=slug))


def test_a_campaign_closed_here_stays_closed_until_its_files_status_changes(app, tmp_path, monkeypatch):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["campaigns", "close", "demo-petition"]).exit_code == 0
    # An edit to its text, and a release that reads every file anew: neither opens it again.
    edited = write(tmp_path, "demo-petition.yaml", demo(content__en__title="A corrected title"))
    with app.app_context():
        report = load_campaign_files([edited])
    assert report.updated == ["demo-petition"] and report.status_kept == [("demo-petition", "closed", "live")]
    monkeypatch.setattr("widget.campaigns.loader.RENDERER_VERSION", 99)
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "Campaigns updated: demo-call, demo-petition, demo-white-house" in result.output
    assert ("warning: demo-petition is closed (as set with `campaigns` commands or in the database), while its "
            "file says live. Loading the file changes the status only when the file's status changes. To follow "
            "the file now: flask --app widget campaigns reopen demo-petition") in result.output
    assert status_of(app) == "closed" and status_of(app, "demo-call") == "live"
    # The file's own change of status counts, once; reopening here then holds in turn.
    with app.app_context():
        load_campaign_files([write(tmp_path, "demo-petition.yaml", demo(status="closed"))])
        load_campaign_files([write(tmp_path, "demo-petition.yaml", demo(status="live"))])
    assert status_of(app) == "live"
    assert runner.invoke(args=["campaigns", "close", "demo-petition"]).exit_code == 0
    with app.app_context():
        load_campaign_files([write(tmp_path, "demo-petition.yaml", demo(status="live", goal=5))])
    assert status_of(app) == "closed"


def test_a_campaign_live_from_the_command_line_is_held_to_a_live_files_rules(app, tmp_path):
    """A closed campaign's file may leave a language unfinished; reopened, supporters in that
    language would meet blank text, so neither `reopen` nor a later load lets it be live so."""
    runner = app.test_cli_runner()
    unfinished = demo(status="closed", content__en__summary=None)
    with app.app_context():
        load_campaign_files([write(tmp_path, "demo-petition.yaml", unfinished)])
    refused = runner.invoke(args=["campaigns", "reopen", "demo-petition"])
    assert refused.exit_code == 1
    assert ("demo-petition cannot be live: a live campaign must be complete in each of its languages, and it "
            "lacks content.en.summary. Complete its file, set `status: live` there, and load it.") in refused.output
    assert status_of(app) == "closed"

    with app.app_context():
        load_campaign_files([write(tmp_path, "demo-petition.yaml", demo(status="closed"))])
    assert runner.invoke(args=["campaigns", "reopen", "demo-petition"]).exit_code == 0
    with app.app_context(), pytest.raises(CampaignFileError) as caught:
        load_campaign_files([write(tmp_path, "demo-petition.yaml", unfinished)])
    assert [(problem.field, problem.message) for problem in caught.value.problems] == [(
        "content.en.summary", "is missing; a live campaign must be complete in each of its languages (translate "
        "it, or remove the 'en' block) (demo-petition is live: it was reopened with `campaigns reopen`)")]
    with app.app_context():
        assert db.session.scalar(select(Campaign).filter_by(slug="demo-petition")).text("en")["summary"]
    assert status_of(app) == "live"


def test_a_campaign_in_a_language_the_service_lacks_cannot_be_reopened(app, tmp_path):
    """A closed campaign may be written in a language the service does not offer yet; live, its
    text there would never be shown, so neither `reopen` nor a later load lets it be live so."""
    runner = app.test_cli_runner()
    in_french = demo(status="closed")
    in_french["content"]["fr"] = in_french["content"]["en"]
    with app.app_context():
        load_campaign_files([write(tmp_path, "demo-petition.yaml", in_french)])
    refused = runner.invoke(args=["campaigns", "reopen", "demo-petition"])
    assert refused.exit_code == 1 and status_of(app) == "closed"
    assert ("demo-petition cannot be live: this service has no language 'fr' (it has en, es)") in refused.output

    with app.app_context():
        load_campaign_files([write(tmp_path, "demo-petition.yaml", demo(status="closed"))])
    assert runner.invoke(args=["campaigns", "reopen", "demo-petition"]).exit_code == 0
    with app.app_context(), pytest.raises(CampaignFileError) as caught:
        load_campaign_files([write(tmp_path, "demo-petition.yaml", in_french)])
    [problem] = caught.value.problems
    assert problem.field == "content.fr" and problem.message.endswith(
        "(demo-petition is live: it was reopened with `campaigns reopen`)")
    assert status_of(app) == "live"


def test_a_campaign_reopened_in_another_language_before_keeps_loading(app, tmp_path):
    """Reopened by an earlier release with a language the service lacks, a campaign's file still
    loads unchanged: `setup` runs on every start, and must not stop every campaign for it."""
    in_french = demo(status="closed")
    in_french["content"]["fr"] = in_french["content"]["en"]
    with app.app_context():
        load_campaign_files([write(tmp_path, "demo-petition.yaml", in_french)])
        db.session.execute(update(Campaign).where(Campaign.slug == "demo-petition").values(status="live"))
        db.session.commit()
        load_campaign_files([write(tmp_path, "demo-petition.yaml", {**in_french, "goal": 5})])
    assert status_of(app) == "live"


def test_a_campaign_reopened_unfinished_before_keeps_loading_until_its_file_takes_more_away(app, tmp_path,
                                                                                          monkeypatch):
    """Reopened so by an earlier release: every start loads its file, and a new release reads
    every file anew. Refusing them would stop every campaign from loading, for nothing the file
    changed; a file that takes away another text is refused."""
    unfinished = demo(status="closed", content__en__summary=None)
    with app.app_context():
        load_campaign_files([write(tmp_path, "demo-petition.yaml", unfinished)])
        db.session.execute(update(Campaign).filter_by(slug="demo-petition").values(status="live"))
        db.session.commit()
        monkeypatch.setattr("widget.campaigns.loader.RENDERER_VERSION", 99)
        assert load_campaign_files([write(tmp_path, "demo-petition.yaml", unfinished)]).updated == ["demo-petition"]
        assert load_campaign_files([write(tmp_path, "demo-petition.yaml", {**unfinished, "goal": 5})]).updated
        with pytest.raises(CampaignFileError) as caught:
            load_campaign_files([write(tmp_path, "demo-petition.yaml",
                                       demo(status="closed", content__en__summary=None, content__en__title=None))])
    assert [problem.field for problem in caught.value.problems] == ["content.en.title"]
    assert status_of(app) == "live"


def stored_before_migration_0010(app, status):
    with app.app_context():
        db.session.execute(update(Campaign).filter_by(slug="demo-petition").values(status=status, filed_status=None))
        db.session.commit()


def test_a_campaign_stored_before_its_files_status_was_kept_is_never_opened_by_a_load(app, tmp_path):
    stored_before_migration_0010(app, "closed")
    with app.app_context():
        load_campaign_files([write(tmp_path, "demo-petition.yaml", demo(goal=5))])
        assert db.session.scalar(select(Campaign.filed_status).filter_by(slug="demo-petition")) == "live"
    assert status_of(app) == "closed"


def test_the_first_load_after_migration_0010_learns_the_files_status_from_an_unchanged_file(app, tmp_path):
    closed = write(tmp_path, "demo-petition.yaml", demo(status="closed"))
    with app.app_context():
        load_campaign_files([closed])
    stored_before_migration_0010(app, "closed")
    with app.app_context():
        assert load_campaign_files([closed]).unchanged == ["demo-petition"]
        assert db.session.scalar(select(Campaign.filed_status).filter_by(slug="demo-petition")) == "closed"
        # So the organizer's next change of status: in the file counts, even one that opens it.
        load_campaign_files([write(tmp_path, "demo-petition.yaml", demo(status="live"))])
    assert status_of(app) == "live"


def test_a_file_changed_in_the_same_deploy_as_migration_0010_may_close_its_campaign(app, tmp_path):
    stored_before_migration_0010(app, "live")
    with app.app_context():
        load_campaign_files([write(tmp_path, "demo-petition.yaml", demo(status="closed", goal=5))])
    assert status_of(app) == "closed"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "Not A Slug"}, "slug", "'Not A Slug': use lower-case letters, digits and hyphens only"),
        ({"kind": "poll"}, "kind", "'poll': use 'petition' or 'call'"),
        ({"status": "open"}, "status", "'open': use 'draft', 'live' or 'closed'"),
        ({"colour": "#fff"}, "colour", "'colour' is not a setting here"),
        ({"kidn": "petition"}, "kidn", "'kidn' is not a setting here (did you mean 'kind'?)"),
        ({"goal": "1,000"}, "goal", "'1,000': write a whole number without commas"),
        ({"goal": 0}, "goal", "0: use 1 or more"),
        ({"organizer": ""}, "organizer", "is empty"),
        ({"targets": "us-congress"}, "targets", "'us-congress': should be a block of settings"),
        ({"accent_color": "red"}, "accent_color", "write a colour as # and six hex digits, in quotes"),
        ({"organizer": None}, "organizer", "is required"),
        ({"content__en__title": "x" * 301}, "content.en.title", "at most 300 characters"),
        ({"content__es__petition_text": None}, "content.es.petition_text", "is required"),
        ({"default_language": "fr"}, "default_language", "'fr' has no block under content"),
        ({"content__en__summary": None}, "content.en.summary", "a live campaign must be complete"),
        ({"fields__required": ["country"]}, "fields.required", "'country' is required but not in fields.shown"),
        ({"delivered_fields": ["country"]}, "delivered_fields", "delivered but never asked for"),
        ({"fields__required": ["given_name"]}, "fields.required", "a petition must require 'email'"),
        (
            {"embedding__allowed_origins": ["javascript:alert(1)"]},
            "embedding.allowed_origins.#1",
            "give a site's scheme and host only",
        ),
        ({"content__xx-YY": {"title": "x"}}, "content.xx-YY", "'xx-YY': use a language code, like es or en"),
    ],
)
def test_a_bad_file_names_the_file_the_field_and_the_problem(tmp_path, changes, field, message):
    path = write(tmp_path, "campaign.yaml", demo(**changes))
    found = problems_for(path)
    assert any(where == field and message in problem for where, problem in found), found
    with pytest.raises(CampaignFileError) as caught:
        read_campaign_file(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_call_targets_mistake_is_reported_against_its_own_kind_counted_from_one(tmp_path):
    data = yaml.safe_load(DEMO_WHITE_HOUSE.read_text())
    data["targets"]["fixed"][0]["hours"]["opens"] = 660  # what YAML makes of 11:00 unquoted
    data["targets"]["fixed"][0]["name"] = 5
    assert problems_for(write(tmp_path, "white-house.yaml", data)) == [
        ("targets.fixed.#1.name", "should be text, or one text per language (es: …, en: …): "
                                  "YAML read this as 5; put it in quotes"),
        ("targets.fixed.#1.hours.opens", "should be text: YAML read this as the number 660; "
                                         "put the time in quotes, like '09:00'"),
    ]
    data = yaml.safe_load(DEMO_WHITE_HOUSE.read_text())
    data["targets"]["fixed"][0]["name"] = {"es": 3}  # one text per language was meant: no word that it is not text
    data["targets"]["lookup"] = "us-congress"
    assert problems_for(write(tmp_path, "white-house.yaml", data)) == [
        ("targets.fixed", "give either lookup or fixed, not both")]
    del data["targets"]["lookup"]
    assert problems_for(write(tmp_path, "white-house.yaml", data)) == [
        ("targets.fixed.#1.name.es", "should be text: YAML read this as 3; put it in quotes")]
    data = yaml.safe_load(DEMO_WHITE_HOUSE.read_text())
    data["targets"]["fixed"][0]["phone"] = "12"
    assert problems_for(write(tmp_path, "white-house.yaml", data)) == [
        ("targets.fixed.#1.phone", "'12' is not a telephone number")]


def test_yaml_merge_keys_still_work(tmp_path):
    text = yaml.safe_dump(demo(slug="merged", know_your_rights=None), allow_unicode=True)
    text += "know_your_rights:\n  <<: {hotline: '+1 202 555 0100'}\n  replace_default_rights: false\n"
    assert read_campaign_file(write(tmp_path, "merged.yaml", text)).know_your_rights.hotline == "+1 202 555 0100"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("", "(file)", "is empty"),
        ("slug: a\naccent_color: #0b6e4f\n", "accent_color", "if a # follows on that line, YAML took the rest"),
        ("slug: a\ngoal: 5\ngoal: 6\n", "line 3", "YAML syntax: 'goal' is written twice in one block; keep one"),
        ("slug: a\nshare: Firme: ahora\n", "line 2", "(text with ': ' in it goes in quotes)"),
        ("slug: a\n? [b, c]\n: d\n", "line 2", "YAML syntax: found unhashable key"),
        ("base: &base {goal: 5}\nsettings:\n  <<: *base\n  goal: 6\n  goal: 7\n", "line 5", "'goal' is written twice"),
    ],
)
def test_yaml_surprises_are_explained(tmp_path, text, field, message):
    found = problems_for(write(tmp_path, "campaign.yaml", text))
    assert any(where == field and message in problem for where, problem in found), found


def test_yaml_syntax_errors_give_the_line(tmp_path):
    path = write(tmp_path, "broken.yaml", "slug: x\nkind: petition\ncontent: [unclosed\n")
    [(field, message)] = problems_for(path)
    assert field.startswith("line ") and "YAML syntax" in message


@pytest.mark.parametrize("text", ["- just\n- a list\n", "just text\n"])
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path, text):
    [(field, message)] = problems_for(write(tmp_path, "odd.yaml", text))
    assert field == "(file)" and "mapping" in message


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("slug: peticion\ntitle: petici\xf3n\n".encode("latin-1"))
    assert problems_for(path) == [("(file)", "is not UTF-8 text")]


def test_an_error_in_one_file_loads_none_of_them(app, tmp_path):
    good = write(tmp_path, "good.yaml", demo(slug="another-petition"))
    bad = write(tmp_path, "bad.yaml", demo(slug="third-petition", goal=-5))
    changed_demo = write(tmp_path, "demo.yaml", demo(content__en__title="Changed"))
    with app.app_context():
        with pytest.raises(CampaignFileError) as caught:
            load_campaign_files([good, changed_demo, bad])
        db.session.rollback()
        slugs = set(db.session.scalars(select(Campaign.slug)))
        title = db.session.scalar(select(Campaign).filter_by(slug="demo-petition")).text("en")["title"]
    assert [problem.file for problem in caught.value.problems] == [str(bad)]
    assert slugs == set(DEMO_SLUGS)
    assert title == "End mass arbitrary detention"


def test_two_files_with_one_slug_are_refused(tmp_path):
    from widget.campaigns.loader import read_campaign_files

    first = write(tmp_path, "a.yaml", demo())
    second = write(tmp_path, "b.yaml", demo())
    with pytest.raises(CampaignFileError, match="b.yaml: slug: 'demo-petition' is also used by"):
        read_campaign_files([first, second])


def test_a_campaign_with_signatures_cannot_change_kind(app, client, tmp_path):
    sign(client)
    data = demo(kind="call", targets={"lookup": "us-congress"})
    data["content"]["es"]["call_script"] = data["content"]["en"]["call_script"] = "Hola"
    with app.app_context(), pytest.raises(CampaignFileError, match="kind: cannot change"):
        load_campaign_files([write(tmp_path, "demo.yaml", data)])


def test_a_draft_may_lack_a_translation_which_falls_back_to_the_default_language(app, tmp_path):
    path = write(tmp_path, "draft.yaml", demo(slug="draft-petition", status="draft", content__en__summary=None))
    with app.app_context():
        load_campaign_files([path])
        campaign = db.session.scalar(select(Campaign).filter_by(slug="draft-petition"))
        assert campaign.text("en")["summary"].startswith("Bajo el estado de excepción")
        assert campaign.text_language("en", "summary") == "es"
        assert campaign.text_language("en", "title") == "en"


def test_a_fallback_is_marked_with_its_language_in_the_widget(app, client, tmp_path):
    path = write(tmp_path, "closed.yaml", demo(status="closed", content__en__summary=None))
    with app.app_context():
        load_campaign_files([path])
    body = client.get("/embed/demo-petition?lang=en").get_data(as_text=True)
    assert 'class="widget__title">End mass' in body
    with app.app_context():
        db.session.scalar(select(Campaign).filter_by(slug="demo-petition")).status = "live"
        db.session.commit()
    body = client.get("/embed/demo-petition?lang=en").get_data(as_text=True)
    assert '<p class="widget__summary" lang="es">Bajo el estado' in body


def test_the_check_command_reports_fallbacks_and_errors(app, tmp_path):
    runner = app.test_cli_runner()
    draft = write(tmp_path, "draft.yaml", demo(status="draft", content__en__summary=None))
    result = runner.invoke(args=["campaigns", "check", str(draft)])
    assert result.exit_code == 0
    assert f"warning: {draft}: content.en.summary: missing, shown in 'es' instead" in result.output
    broken = write(tmp_path, "broken.yaml", demo(goal="many"))
    result = runner.invoke(args=["campaigns", "check", str(broken)])
    assert result.exit_code == 1
    assert f"error: {broken}: goal: 'many': write a whole number without commas, points or spaces" in result.output


def test_a_language_the_service_does_not_have_is_refused(app, tmp_path):
    data = demo()
    data["content"]["eng"] = data["content"].pop("en")  # a typo: English visitors would get Spanish
    path = write(tmp_path, "typo.yaml", data)
    result = app.test_cli_runner().invoke(args=["campaigns", "check", str(path)])
    assert result.exit_code == 1
    assert f"error: {path}: content.eng: this service has no language 'eng' (it has en, es)" in result.output
    result = app.test_cli_runner().invoke(args=["campaigns", "load", str(path)])
    assert result.exit_code == 1 and "Nothing was loaded." in result.output
    # A draft may be written in a language whose interface is still being translated.
    draft = yaml.safe_load(path.read_text())
    draft["status"] = "draft"
    result = app.test_cli_runner().invoke(args=["campaigns", "check", str(write(tmp_path, "draft.yaml", draft))])
    assert result.exit_code == 0, result.output


def test_a_folder_without_campaign_files_says_so(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["campaigns", "check", str(tmp_path)])
    assert result.exit_code == 1 and "no campaign files (*.yaml, *.yml) there" in result.output


def test_a_folder_stands_for_its_campaign_files(app, tmp_path):
    write(tmp_path, "one.yaml", demo(slug="one"))
    write(tmp_path, "two.yml", demo(slug="two"))
    result = app.test_cli_runner().invoke(args=["campaigns", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "(one, live)" in result.output and "(two, live)" in result.output


def test_the_load_command_changes_nothing_on_error(app, tmp_path):
    runner = app.test_cli_runner()
    broken = write(tmp_path, "broken.yaml", demo(slug="new-one", kind="survey"))
    result = runner.invoke(args=["campaigns", "load", str(broken)])
    assert result.exit_code == 1 and "Nothing was loaded." in result.output
    with app.app_context():
        assert db.session.scalar(select(Campaign).filter_by(slug="new-one")) is None
    good = write(tmp_path, "good.yaml", demo(slug="new-one"))
    result = runner.invoke(args=["campaigns", "load", str(good)])
    assert result.exit_code == 0 and "Campaigns created: new-one" in result.output


# Markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<svg onload="alert(1)">',
        "<style>body{display:none}</style>",
    ],
)
def test_markdown_never_passes_script_through(source):
    """Whatever the source, the HTML has no active elements, handlers or script URLs (as text it may)."""
    page = BeautifulSoup(render_markdown(source), "html.parser")
    assert not page.find_all(["script", "iframe", "img", "svg", "style", "object", "embed", "form"])
    for element in page.find_all(True):
        assert not [name for name in element.attrs if name.lower().startswith("on")]
    for link in page.find_all("a"):
        assert link["href"].split(":")[0].lower() in ("http", "https", "mailto", "tel", "#")


def test_markdown_keeps_what_organizers_write():
    html = render_markdown(textwrap.dedent("""\
        # Heading

        Some *emphasis*, **strength** and a [link](https://example.org "Example").

        - one
        - two

        > a quote
        """))
    assert "<h2>Heading</h2>" in html  # moved down a level: the widget title is the h1
    assert "<em>emphasis</em>" in html and "<strong>strength</strong>" in html
    assert '<a href="https://example.org" title="Example" target="_blank" rel="noopener noreferrer">link</a>' in html
    assert "<li>one</li>" in html and "<blockquote>" in html


def test_campaign_text_with_markup_is_escaped_in_the_widget(app, client, tmp_path):
    path = write(tmp_path, "demo.yaml", demo(content__es__title="<b>Bold</b> & <script>x()</script>"))
    with app.app_context():
        load_campaign_files([path])
    body = client.get("/embed/demo-petition?lang=es").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;" in body
    assert "<script>x()" not in body


def test_a_card_holds_at_most_eight_rights(tmp_path):
    own = {"es": {"heading": "Grabe lo que pasa."}, "en": {"heading": "Record what happens."}}
    card = demo()["know_your_rights"]
    two = write(tmp_path, "two.yaml", demo(know_your_rights={**card, "rights": [own] * 2}))
    assert read_campaign_file(two)
    three = write(tmp_path, "three.yaml", demo(know_your_rights={**card, "rights": [own] * 3}))
    [(field, message)] = problems_for(three)
    assert field == "know_your_rights.rights" and "a card holds 8 rights" in message
    replaced = write(tmp_path, "replaced.yaml",
                     demo(know_your_rights={**card, "rights": [own] * 8, "replace_default_rights": True}))
    assert read_campaign_file(replaced)
    long_label = write(tmp_path, "label.yaml", demo(know_your_rights={**card, "hotline_label": "x" * 61}))
    assert problems_for(long_label)[0][0].startswith("know_your_rights.hotline_label")
