"""The call widget: Congress by ZIP code, fixed numbers, scripts, and every call counted once."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from bs4 import BeautifulSoup

from tests.conftest import SAME_ORIGIN
from tests.conftest import action_count
from tests.conftest import count_rows
from tests.conftest import form_token
from tests.conftest import sign
from tests.conftest import statements_sent
from tests.congress_sources import SOURCE
from tests.congress_sources import TODAY
from tests.congress_sources import expected_names
from tests.congress_sources import first_zip
from tests.congress_sources import sources
from widget.call import congress
from widget.call import congress_build
from widget.call import hours
from widget.call import steps
from widget.call.congress import congress_data
from widget.call.congress import lookup_targets_by_zip
from widget.call.congress import normalize_zip
from widget.call.script import ScriptError
from widget.call.script import check_script
from widget.call.script import fill_script
from widget.campaigns import remember_reading
from widget.embedding import partners
from widget.extensions import db
from widget.phones import e164
from widget.phones import readable
from widget.storage import counting
from widget.storage.models import CallReport
from widget.storage.models import Campaign
from widget.storage.models import SpentFormToken

NO_SENATORS = {"DC", "PR", "GU", "VI", "AS", "MP"}
WEEKDAY_NOON = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)  # a Wednesday, noon in Washington
SATURDAY_NIGHT = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # 10 p.m. on Saturday in Washington


@pytest.fixture(autouse=True)
def pinned_day(monkeypatch):
    monkeypatch.setattr(congress, "today", lambda: TODAY)


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def words(response):
    return " ".join(soup(response).get_text(" ").split())


# Choosing ZIP codes by what the sources say about them


def single_district_zip():
    def fits(seats, data):
        state = seats[0].split("-")[0]
        return len(seats) == 1 and seats[0] in data.representative and len(data.senators.get(state, [])) == 2
    return first_zip(fits)


def split_zip():
    def fits(seats, data):
        states = {seat.split("-")[0] for seat in seats}
        return len(seats) > 1 and len(states) == 1 and all(seat in data.representative for seat in seats)
    return first_zip(fits)


def two_state_zip():
    return first_zip(lambda seats, data: len({seat.split("-")[0] for seat in seats}) > 1)


def at_large_zip():
    return first_zip(lambda seats, data: seats == [seats[0]] and seats[0].endswith("-0")
                     and seats[0][:2] not in NO_SENATORS)


def vacant_zip():
    return first_zip(lambda seats, data: len(seats) == 1 and seats[0] not in data.representative)


def names(lookup):
    return sorted(target.name for target in lookup.targets)


# The lookup, checked against the sources


def test_the_sources_are_here():
    assert (SOURCE / "zccd.csv").exists(), "the tests read ../shared/data/us-congress"


@pytest.mark.parametrize("choose", [single_district_zip, split_zip, two_state_zip, at_large_zip])
def test_a_zip_code_gives_exactly_the_members_the_sources_give(choose):
    zip_code = choose()
    lookup = lookup_targets_by_zip(zip_code)
    assert names(lookup) == expected_names(zip_code), zip_code
    assert lookup.seats == tuple(sources().seats_by_zip[zip_code])


def test_a_single_district_is_one_representative_and_two_senators():
    lookup = lookup_targets_by_zip(single_district_zip())
    assert [target.role for target in lookup.targets] == ["representative", "senator", "senator"]
    assert not lookup.spans_districts and not lookup.spans_states


def test_a_split_zip_code_lists_every_possible_representative():
    lookup = lookup_targets_by_zip(split_zip())
    assert lookup.spans_districts and not lookup.spans_states
    assert len([target for target in lookup.targets if target.role == "representative"]) == len(lookup.seats)


def test_a_zip_code_across_a_state_line_lists_both_states():
    lookup = lookup_targets_by_zip(two_state_zip())
    assert lookup.spans_states
    assert {target.state for target in lookup.targets if target.role == "senator"} == set(lookup.states)


def test_an_at_large_seat_has_no_district_number():
    lookup = lookup_targets_by_zip(at_large_zip())
    representative = next(target for target in lookup.targets if target.role == "representative")
    assert representative.district == 0


@pytest.mark.parametrize(("place", "role"), [("PR", "resident_commissioner"), ("DC", "delegate")])
def test_places_without_senators_have_their_house_member_only(place, role):
    zip_code = first_zip(lambda seats, data: seats == [f"{place}-0"])
    lookup = lookup_targets_by_zip(zip_code)
    assert [target.role for target in lookup.targets] == [role]
    assert names(lookup) == expected_names(zip_code)
    assert lookup.places_without_senators == (place,)


@pytest.mark.parametrize(("zip_code", "place"), [("00802", "VI"), ("96910", "GU"), ("96799", "AS"), ("96950", "MP")])
def test_territories_missing_from_the_zip_file_still_find_their_delegate(zip_code, place):
    lookup = lookup_targets_by_zip(zip_code)
    assert [(target.role, target.state) for target in lookup.targets] == [("delegate", place)]


def test_a_vacant_seat_is_reported_and_the_senators_remain():
    zip_code = vacant_zip()
    lookup = lookup_targets_by_zip(zip_code)
    assert lookup.vacant_seats == tuple(sources().seats_by_zip[zip_code])
    assert {target.role for target in lookup.targets} == {"senator"}
    assert names(lookup) == expected_names(zip_code)


def ended_member():
    data = congress_data()
    ended = [(bioguide, member) for bioguide, member in data.members.items()
             if member["term_end"] <= TODAY.isoformat()]
    assert ended, "the sources have appointments that ended at the 2026 special elections"
    return ended[0]


def test_a_member_whose_term_has_ended_is_still_offered_and_marked():
    """After an election most members are back: an empty list helps nobody, a marked one does."""
    bioguide, member = ended_member()
    zip_code = first_zip(lambda seats, data: seats[0].startswith(member["state"] + "-") and len(seats) == 1)
    lookup = lookup_targets_by_zip(zip_code)
    marked = [target for target in lookup.targets if target.key == bioguide]
    assert len(marked) == 1 and marked[0].term_ended
    assert not [target for target in lookup.targets if target.key != bioguide and target.term_ended]


def test_the_day_most_terms_end_does_not_empty_the_lists(monkeypatch):
    monkeypatch.setattr(congress, "today", lambda: date(2027, 1, 4))
    lookup = lookup_targets_by_zip(single_district_zip())
    representative = lookup.targets[0]
    assert len(lookup.targets) == 3 and representative.role == "representative" and representative.term_ended
    assert any(not target.term_ended for target in lookup.targets)  # senators elected later serve on
    assert congress.out_of_date_terms()[0] > 400


def test_every_zip_code_gives_what_the_sources_give():
    data = sources()
    wrong = [code for code in data.seats_by_zip if names(lookup_targets_by_zip(code)) != expected_names(code)]
    assert wrong == []


@pytest.mark.parametrize("zip_code", ["12345", "00000", "99999"])
def test_a_zip_code_that_is_not_in_the_data_finds_nobody(zip_code):
    lookup = lookup_targets_by_zip(zip_code)
    assert not lookup.found and lookup.targets == ()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("90011", "90011"), (" 90011 ", "90011"), ("90011-1234", "90011"), ("900111234", "90011"),
     ("9001", None), ("900112", None), ("ABCDE", None), ("SW1A 1AA", None), ("", None), (None, None),
     ("\uff19\uff10\uff10\uff11\uff11", None), ("<b>90011</b>", None), ("9" * 10_000, None)],
)
def test_only_us_zip_codes_are_understood(typed, expected):
    assert normalize_zip(typed) == expected


def test_the_shipped_data_is_what_the_sources_build():
    built = congress_build.build()
    shipped = congress_data.__wrapped__()
    assert built["snapshot"] == shipped.snapshot == {"legislators": "2026-06-15", "zip_districts": "2024-11-12"}
    assert built["members"] == shipped.members
    assert {seat: entry["member"] for seat, entry in built["house"].items()} == shipped.house


def test_the_build_command_rebuilds_from_newer_copies(app, tmp_path):
    for name in ("legislators-current.yaml", "legislators-district-offices.yaml", "zccd.csv"):
        (tmp_path / name).write_bytes((SOURCE / name).read_bytes())
    output = tmp_path / "out.json"
    runner = app.test_cli_runner()
    missing_date = runner.invoke(args=["congress", "build", "--source", str(tmp_path), "--output", str(output)])
    assert missing_date.exit_code != 0 and "--legislators-date" in missing_date.output
    typo = runner.invoke(args=["congress", "build", "--source", str(tmp_path), "--output", str(output),
                               "--legislators-date", "2027-13-45"])
    assert typo.exit_code != 0 and "2027-13-45" in typo.output and not output.exists()
    result = runner.invoke(args=["congress", "build", "--source", str(tmp_path), "--output", str(output),
                                 "--legislators-date", "2027-01-10", "--zips-date", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert "4 vacant: CA-14, FL-20, GA-13, TX-23" in result.output
    assert congress_data.__wrapped__(output).snapshot == {"legislators": "2027-01-10", "zip_districts": "2026-12-01"}


def test_a_broken_source_folder_is_reported_plainly(app, tmp_path):
    (tmp_path / "zccd.csv").write_text("not,the,right,columns\n")
    result = app.test_cli_runner().invoke(args=["congress", "build", "--source", str(tmp_path),
                                                "--output", str(tmp_path / "x.json")])
    assert result.exit_code != 0 and "cannot read the sources" in result.output


# Phones, hours and scripts


@pytest.mark.parametrize(
    ("given", "stored", "shown"),
    [("202-224-3121", "+12022243121", "(202) 224-3121"), ("(202) 456 1111", "+12024561111", "(202) 456-1111"),
     ("1-202-456-1111", "+12024561111", "(202) 456-1111"), ("+503 2231 7700", "+50322317700", "+50322317700"),
     ("12345", None, None), ("", None, None), ("call me", None, None)],
)
def test_phone_numbers_become_e164_for_tel_links(given, stored, shown):
    assert e164(given) == stored
    assert readable(stored) == shown


def test_congress_offices_are_likely_open_on_weekdays_in_washington_hours():
    assert hours.CONGRESS_HOURS.likely_open(WEEKDAY_NOON)
    assert not hours.CONGRESS_HOURS.likely_open(SATURDAY_NIGHT)
    # 13:30 UTC is 8:30 in November (EST) but 9:30 in July (EDT): daylight saving counts.
    assert not hours.CONGRESS_HOURS.likely_open(datetime(2026, 11, 18, 13, 30, tzinfo=UTC))
    assert hours.CONGRESS_HOURS.likely_open(datetime(2026, 7, 15, 13, 30, tzinfo=UTC))
    assert not hours.CONGRESS_HOURS.likely_open(datetime(2026, 7, 15, 21, 30, tzinfo=UTC))  # 5:30 p.m. EDT


SCRIPT = "Hello.[ My name is {name}.][ I live in [{city}, ]{state}.] Please ask {target_title} {target_name}."


@pytest.mark.parametrize(
    ("values", "expected"),
    [({}, "Hello. Please ask Senator Ana Ruiz."),
     ({"name": "Lu"}, "Hello. My name is Lu. Please ask Senator Ana Ruiz."),
     ({"city": "Fresno"}, "Hello. Please ask Senator Ana Ruiz."),
     ({"state": "California"}, "Hello. I live in California. Please ask Senator Ana Ruiz."),
     ({"name": "Lu", "city": "Fresno", "state": "California"},
      "Hello. My name is Lu. I live in Fresno, California. Please ask Senator Ana Ruiz."),
     ({"name": "   "}, "Hello. Please ask Senator Ana Ruiz."),
     # A value that ends in a full stop ends its sentence with it: not "D.C.." nor "Jr..".
     ({"name": "Juan Jr.", "state": "Washington, D.C."},
      "Hello. My name is Juan Jr. I live in Washington, D.C. Please ask Senator Ana Ruiz.")],
)
def test_empty_placeholders_leave_a_natural_sentence(values, expected):
    filled = fill_script(SCRIPT, {"target_name": "Ana Ruiz", "target_title": "Senator", **values})
    assert filled == [expected]
    assert " ," not in filled[0] and ",." not in filled[0] and "  " not in filled[0]


@pytest.mark.parametrize("script", ["Hi {name}.", "Hi [{nmae}].", "Hi [{name}.", "Hi {name}].", "Hi {}."])
def test_scripts_that_could_read_badly_are_refused(script):
    with pytest.raises(ScriptError):
        check_script(script)


# The widget, through HTTP


@pytest.fixture
def noon(monkeypatch):
    monkeypatch.setattr(hours, "now", lambda: WEEKDAY_NOON)


def start(client, slug="demo-call", lang="en", **fields):
    token = form_token(client.get(f"/embed/{slug}?lang={lang}"))
    data = {"token": token, "step": "start", **fields}
    return client.post(f"/embed/{slug}?lang={lang}", data=data, headers=SAME_ORIGIN)


def visit_of(response):
    return soup(response).find("input", attrs={"name": "visit"})["value"]


def report(client, response, outcome, slug="demo-call", lang="en", source=None):
    query = f"?lang={lang}" + (f"&source={source}" if source else "")
    data = {"visit": visit_of(response), "step": "report", "outcome": outcome}
    return client.post(f"/embed/{slug}{query}", data=data, headers=SAME_ORIGIN)


def test_the_first_step_asks_for_a_zip_code_and_shows_the_datas_date(client):
    page = soup(client.get("/embed/demo-call?lang=en"))
    zip_input = page.find("input", attrs={"name": "postal_code"})
    assert zip_input["autocomplete"] == "postal-code" and zip_input["inputmode"] == "numeric"
    assert page.find("input", attrs={"name": "given_name"})["autocomplete"] == "given-name"
    assert page.find("input", attrs={"name": "city"})["autocomplete"] == "address-level2"
    assert not page.find("input", attrs={"type": "tel"})  # nobody's phone number is asked for
    # Each thing the supporter types says what it is for, and that it is not kept.
    for name in ("postal_code", "given_name", "city"):
        hint = page.find(id=page.find("input", attrs={"name": name})["aria-describedby"])
        assert "do not keep it" in hint.get_text(), name
    assert "Members of Congress as of June 15, 2026." in page.get_text(" ")
    assert "Be the first to call." in page.get_text(" ")
    spanish = words(client.get("/embed/demo-call?lang=es"))
    assert "Lista de miembros del Congreso actualizada al 15 de junio de 2026." in spanish


def test_each_member_is_shown_with_a_tel_link_script_and_fallback_office(client, noon):
    zip_code = single_district_zip()
    lookup = lookup_targets_by_zip(zip_code)
    step = start(client, postal_code=zip_code, given_name="Lu", city="Springfield")
    assert step.status_code == 200
    page = soup(step)
    first = lookup.targets[0]
    assert page.find("h1").get_text(" ", strip=True) == f"Representative {first.name}"
    call = page.find("a", class_="button--call")
    assert call["href"] == f"tel:{first.phone}" and re.fullmatch(r"tel:\+1\d{10}", call["href"])
    text = words(step)
    assert "Call 1 of 3" in text
    assert f"Washington office: {first.office}" in text
    if first.local_offices:
        assert "If the line is busy, try the office in" in text
    state = {"WA": "Washington"}.get(first.state)  # any state: compare with the page's own words
    assert "My name is Lu. I live in Springfield, " in text
    assert "probably closed" not in text
    assert state is None or state in text


def sign_in_context():
    from flask_babel import force_locale

    from tests.conftest import make_app

    class Context:
        def __enter__(self):
            self.app = make_app("sqlite://")
            self.request = self.app.test_request_context("/")
            self.request.__enter__()
            self.locale = force_locale("en")
            self.locale.__enter__()

        def __exit__(self, *exc):
            self.locale.__exit__(*exc)
            self.request.__exit__(*exc)

    return Context()


def test_a_supporter_who_gives_nothing_gets_a_natural_script(client, noon):
    step = start(client, postal_code=single_district_zip())
    script = soup(step).find(class_="script__text").get_text(" ", strip=True)
    assert script.startswith("Hello. I live in ")
    assert "My name is" not in script and " ," not in script and ", ." not in script


@pytest.mark.parametrize(("lang", "note", "script", "unbroken"), [
    ("en", "There are no senators for Washington, D.C. Its member of the House", "I live in Washington, D.C. I'm",
     "D.C."),
    ("es", "No hay senadores por Washington D. C.: quien representa", "Vivo en Washington D. C. Llamo",
     "D.\u00a0C."),  # never "D." at the end of one line and "C." at the start of the next
])
def test_a_place_whose_name_ends_in_a_full_stop_gets_one_full_stop(client, noon, lang, note, script, unbroken):
    zip_code = first_zip(lambda seats, data: seats == ["DC-0"])
    step = start(client, lang=lang, postal_code=zip_code)
    text = words(step)
    assert note in text and script in text
    assert ".." not in text
    assert step.get_data(as_text=True).count(unbroken) >= 3  # the note, the member's place, the script


def test_changing_language_shows_the_first_form_again_as_typed(app, client, noon):
    """Posted to the other language's address with step=language, the ZIP code, name and city come
    back in that language's form: nothing is looked up, and the token is not spent."""
    switched = start(client, lang="en", postal_code="10001", given_name="Ana", city="Queens", step="language")
    assert switched.status_code == 200
    page = soup(switched)
    assert page.html["lang"] == "en" and page.find("input", attrs={"name": "step"})["value"] == "start"
    typed = {name: page.find("input", attrs={"name": name})["value"] for name in ("postal_code", "given_name", "city")}
    assert typed == {"postal_code": "10001", "given_name": "Ana", "city": "Queens"}
    assert not page.select(".field--invalid, .notice, .target")
    assert count_rows(app, SpentFormToken) == 0
    # A ZIP code the lookup would refuse is not looked up either: the form just comes back.
    assert start(client, lang="es", postal_code="00000", step="language").status_code == 200


def test_the_washington_office_hours_are_mentioned_at_night(client, monkeypatch):  # noqa: D103
    monkeypatch.setattr(hours, "now", lambda: SATURDAY_NIGHT)
    text = words(start(client, postal_code=single_district_zip()))
    assert "The Washington office is probably closed right now: it answers Monday to Friday, 9:00 AM to 5:00 PM" in text
    spanish = words(start(client, lang="es", postal_code=single_district_zip()))
    assert "atiende de lunes a viernes, de 9:00 a.m. a 5:00 p.m., hora del Este" in spanish


def test_a_split_zip_code_says_why_several_representatives_are_listed(client, noon):
    zip_code = split_zip()
    text = words(start(client, postal_code=zip_code))
    districts = len(sources().seats_by_zip[zip_code])
    assert f"ZIP code {zip_code} is split between {districts} congressional districts" in text


def test_a_zip_code_across_states_says_so_in_spanish(client, noon):
    text = words(start(client, lang="es", postal_code=two_state_zip()))
    assert "abarca más de un estado" in text and "frontera" not in text


def test_a_vacant_seat_is_explained_with_a_way_forward(client, noon):
    text = words(start(client, postal_code=vacant_zip()))
    assert "There is no representative to call for" in text and "the seat was empty on our list" in text
    switchboard = soup(start(client, postal_code=vacant_zip())).select_one(".notes a[href='tel:+12022243121']")
    expected = "The Capitol switchboard, (202) 224-3121, can put you through to any office."
    assert switchboard.parent.get_text() == expected


def test_puerto_rico_is_told_it_has_no_senators(client, noon):
    zip_code = first_zip(lambda seats, data: seats == ["PR-0"])
    step = start(client, lang="es", postal_code=zip_code)
    text = words(step)
    assert "No hay senadores por Puerto Rico:" in text
    assert soup(step).find("h1").get_text(" ", strip=True).startswith("Comisionado residente")
    assert "Llamada 1 de 1" not in text  # no count for a single call


@pytest.mark.parametrize("typed", ["ABCDE", "1234", "SW1A 1AA", "<script>alert(1)</script>", "9" * 10_000, "90 011"])
def test_non_us_input_gets_a_clear_message_and_the_switchboard(app, client, typed):
    response = start(client, lang="en", postal_code=typed)
    assert response.status_code in (413, 422)
    if response.status_code == 422:
        text = words(response)
        assert "Please enter a 5-digit US ZIP code, like 90011." in text
        assert "Call the Capitol switchboard at (202) 224-3121" in text
        assert "<script>" not in response.get_data(as_text=True)
    assert count_rows(app, CallReport) == 0


def test_an_unknown_zip_code_explains_post_office_boxes(client):
    response = start(client, lang="es", postal_code="12345")
    assert response.status_code == 422
    text = words(response)
    assert "No encontramos el código postal 12345" in text
    assert "apartados postales (P.O. Box)" in text and "(202) 224-3121" in text
    assert soup(response).find("input", attrs={"name": "postal_code"})["value"] == "12345"


def test_a_missing_zip_code_is_asked_for(client):
    response = start(client, postal_code="")
    assert response.status_code == 422 and "Please enter your ZIP code." in words(response)


def test_a_first_step_sent_twice_asks_to_send_it_again_with_the_form_filled(app, client, noon):
    """The form token is spent on the thread's own connection; the second time, the form comes
    back filled in, and nothing is left holding the database (a signature goes through after)."""
    token = form_token(client.get("/embed/demo-call?lang=en"))
    data = {"token": token, "step": "start", "postal_code": single_district_zip()}
    assert client.post("/embed/demo-call?lang=en", data=data, headers=SAME_ORIGIN).status_code == 200
    again = client.post("/embed/demo-call?lang=en", data=data, headers=SAME_ORIGIN)
    assert again.status_code == 400 and "it was already sent" in words(again)
    assert soup(again).find("input", attrs={"name": "postal_code"})["value"] == data["postal_code"]
    assert sign(client).status_code == 303


def test_calls_reported_from_many_visits_at_once_are_each_counted_once(app, noon, monkeypatch):
    """Eight callers at once, three offices each, and every report first adds up the campaign's
    uncounted ones: however they interleave, each call is counted once."""
    monkeypatch.setattr(counting, "FOLD_ONE_IN", 1)
    start_together = threading.Barrier(8)

    def call_everyone(_):
        client = app.test_client()
        step = start(client, postal_code=single_district_zip())
        start_together.wait()
        for _ in range(3):
            step = report(client, step, "left_voicemail")
        return step.status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(call_everyone, range(8))) == [303] * 8  # on to the thank-you
    assert action_count(app, "demo-call") == count_rows(app, CallReport) == 24


def test_reporting_each_call_moves_on_and_counts_it_once(app, client, noon):
    step = start(client, postal_code=single_district_zip(), given_name="Lu")
    second = report(client, step, "talked_to_staff", source="red-1")
    assert "Call 2 of 3" in words(second)
    again = report(client, step, "talked_to_staff", source="red-1")  # the same page sent twice
    assert "Call 2 of 3" in words(again)
    assert action_count(app, "demo-call") == 1
    third = report(client, second, "line_busy", source="red-1")
    done = report(client, third, "left_voicemail", source="red-1")
    assert done.status_code == 303 and done.headers["Location"].startswith("/embed/demo-call/thanks")
    assert "Thank you for calling!" in words(client.get(done.headers["Location"]))
    assert action_count(app, "demo-call") == count_rows(app, CallReport) == 3
    with app.app_context():
        rows = db.session.query(CallReport).order_by(CallReport.id).all()
        assert [row.outcome for row in rows] == ["talked_to_staff", "line_busy", "left_voicemail"]
        assert {row.source for row in rows} == {"red-1"} and {row.language for row in rows} == {"en"}
        # Nothing ties one visit's reports together: where someone lives is not rebuilt from them.
        assert len({row.report_key for row in rows}) == 3 and len({row.target for row in rows}) == 3
        assert {(row.created_at.minute, row.created_at.second) for row in rows} == {(0, 0)}
    assert "3 calls made" in words(client.get("/embed/demo-call?lang=en"))


def test_a_call_can_be_skipped_without_counting(app, client, noon):
    step = start(client, postal_code=single_district_zip())
    second = report(client, step, "skip")
    assert "Call 2 of 3" in words(second)
    assert action_count(app, "demo-call") == 0


@pytest.mark.parametrize("outcome", ["", "hung_up", "<script>", "x" * 5000])
def test_an_unknown_outcome_asks_again(app, client, noon, outcome):
    step = start(client, postal_code=single_district_zip())
    response = report(client, step, outcome)
    assert response.status_code == 422 and "Please choose how the call went." in words(response)
    assert "Call 1 of 3" in words(response)
    assert count_rows(app, CallReport) == 0


@pytest.mark.parametrize("visit", ["", "forged", "x" * 10_000])
def test_a_forged_or_missing_visit_starts_over_politely(app, client, visit):
    response = client.post("/embed/demo-call?lang=en", data={"visit": visit, "step": "report",
                                                             "outcome": "talked_to_staff"}, headers=SAME_ORIGIN)
    assert response.status_code in (400, 413)
    assert count_rows(app, CallReport) == 0


def test_a_visit_cannot_be_moved_to_another_campaign(app, client, noon):
    step = start(client, postal_code=single_district_zip())
    data = {"visit": visit_of(step), "step": "report", "outcome": "no_answer"}
    response = client.post("/embed/demo-white-house?lang=en", data=data, headers=SAME_ORIGIN)
    assert response.status_code == 400 and count_rows(app, CallReport) == 0


def test_the_language_can_change_mid_call(client, noon):
    step = start(client, postal_code=single_district_zip(), given_name="Lu")
    switched = client.post("/embed/demo-call?lang=es", data={"visit": visit_of(step), "step": "show"},
                           headers=SAME_ORIGIN)
    text = words(switched)
    assert "Llamada 1 de 3" in text and "Me llamo Lu." in text
    assert soup(switched).html["lang"] == "es"


def test_a_fixed_number_campaign(app, client, noon):
    page = soup(client.get("/embed/demo-white-house?lang=en"))
    assert not page.find("input", attrs={"name": "postal_code"})
    step = start(client, slug="demo-white-house", given_name="Lu", city="Reno")
    page = soup(step)
    assert page.find("h1").get_text(strip=True) == "White House comment line"
    assert page.find("a", class_="button--call")["href"] == "tel:+12024561111"
    assert "Hello. My name is Lu. I'm calling from Reno." in words(step)
    assert not page.find(class_="call-progress")  # one call: no "Call 1 of 1"
    assert "probably closed" not in words(step)  # Wednesday noon is inside Tuesday-Thursday 11-3
    done = report(client, step, "talked_to_staff", slug="demo-white-house")
    assert done.status_code == 303
    assert action_count(app, "demo-white-house") == 1


def test_a_fixed_numbers_own_hours_are_given_when_it_is_closed(client, monkeypatch):
    monkeypatch.setattr(hours, "now", lambda: SATURDAY_NIGHT)
    text = words(start(client, slug="demo-white-house", lang="es"))
    assert "no contesten en este momento: atienden llamadas de martes a jueves, de 11:00 a.m. a 3:00 p.m." in text


def test_hostile_names_and_cities_are_escaped_in_the_script(client, noon):
    step = start(client, postal_code=single_district_zip(), given_name="<img src=x onerror=alert(1)>",
                 city="{target_name}")
    body = step.get_data(as_text=True)
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "I live in {target_name}, " in words(step)  # typed braces stay as typed


def test_the_call_widget_takes_no_posts_from_other_sites(app, client):
    token = form_token(client.get("/embed/demo-call"))
    response = client.post("/embed/demo-call", data={"token": token, "step": "start", "postal_code": "94536"},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


def close_call_in(app, status="closed"):
    with app.app_context():
        db.session.query(Campaign).filter_by(slug="demo-call").one().status = status
        db.session.commit()


def test_a_closed_call_in_says_so_and_takes_no_reports(app, client, noon):
    step = start(client, postal_code=single_district_zip())
    close_call_in(app)
    assert "This call-in has ended." in words(client.get("/embed/demo-call?lang=en"))
    reported = report(client, step, "talked_to_staff")
    assert reported.status_code == 409 and "so this last call was not counted" in words(reported)
    reported = report(client, step, "left_voicemail", lang="es")
    assert reported.status_code == 409 and "así que esta última llamada no se contó" in words(reported)
    skipped = report(client, step, "skip")  # no call to speak of
    assert skipped.status_code == 409 and "not counted" not in words(skipped)
    assert count_rows(app, CallReport) == 0


def test_a_worker_takes_a_call_step_on_the_call_in_as_it_read_it_a_moment_ago(app, client, noon,
                                                                             without_housekeeping):
    """Within PAGE_RECHECK_SECONDS of reading a live call-in, a worker starts a call without
    reading the campaign again: the one statement that spends the form token checks it is live."""
    app.config["PAGE_RECHECK_SECONDS"] = 3600
    zip_code = single_district_zip()
    assert start(client, postal_code=zip_code).status_code == 200  # read here
    token = form_token(client.get("/embed/demo-call?lang=en"))
    with statements_sent(app) as sent:
        step = client.post("/embed/demo-call?lang=en", data={"token": token, "step": "start", "postal_code": zip_code},
                           headers=SAME_ORIGIN)
    assert step.status_code == 200 and "Call 1 of 3" in words(step)
    assert [statement for statement, _ in sent if statement not in ("BEGIN", "COMMIT")] == ["INSERT"]


def test_a_call_in_closed_a_moment_ago_takes_nothing_from_a_worker_that_read_it_live(app, client, noon):
    app.config["PAGE_RECHECK_SECONDS"] = 3600
    zip_code = single_district_zip()
    step = start(client, postal_code=zip_code)
    token = form_token(client.get("/embed/demo-call?lang=en"))
    close_call_in(app)
    fields = {"token": token, "step": "start", "postal_code": zip_code}
    started = client.post("/embed/demo-call?lang=en", data=fields, headers=SAME_ORIGIN)
    assert started.status_code == 409 and "This call-in has ended." in words(started)
    assert "not counted" not in words(started)
    close_call_in(app, "live")
    step = start(client, postal_code=zip_code)  # the worker reads the reopened call-in at once
    close_call_in(app)
    reported = report(client, step, "talked_to_staff")
    assert reported.status_code == 409 and "so this last call was not counted" in words(reported)
    assert count_rows(app, CallReport) == 0 and action_count(app, "demo-call") == 0
    # The token was not spent: reopened, the same form starts the call.
    close_call_in(app, "live")
    again = client.post("/embed/demo-call?lang=en", data=fields, headers=SAME_ORIGIN)
    assert again.status_code == 200 and "Call 1 of 3" in words(again)


def test_of_two_readings_of_a_call_in_the_later_one_is_kept():
    readings = {}
    remember_reading(readings, "demo-call", {"status": "closed"}, read_at=2.0)
    remember_reading(readings, "demo-call", {"status": "live"}, read_at=1.0)  # read before, finished after
    assert readings["demo-call"] == ({"status": "closed"}, 2.0)
    remember_reading(readings, "demo-call", {"status": "live"}, read_at=3.0)
    assert readings["demo-call"] == ({"status": "live"}, 3.0)


def test_a_call_in_withdrawn_a_moment_ago_is_gone_for_a_worker_that_read_it_live(app, client, noon):
    app.config["PAGE_RECHECK_SECONDS"] = 3600
    zip_code = single_district_zip()
    step = start(client, postal_code=zip_code)
    token = form_token(client.get("/embed/demo-call?lang=en"))
    close_call_in(app, "draft")
    fields = {"token": token, "step": "start", "postal_code": zip_code}
    assert client.post("/embed/demo-call?lang=en", data=fields, headers=SAME_ORIGIN).status_code == 404
    assert report(client, step, "talked_to_staff").status_code == 404
    assert count_rows(app, CallReport) == 0 and action_count(app, "demo-call") == 0
    close_call_in(app, "live")  # the token was not spent
    assert client.post("/embed/demo-call?lang=en", data=fields, headers=SAME_ORIGIN).status_code == 200


def test_the_honeypot_gets_the_thank_you_and_looks_nothing_up(app, client):
    response = start(client, postal_code="94536", website="spam")
    assert response.status_code == 303 and "thanks" in response.headers["Location"]


def set_targets(app, targets, slug="demo-call"):
    with app.app_context():
        found = db.session.query(Campaign).filter_by(slug=slug).one()
        found.settings = {**found.settings, "targets": targets}
        db.session.commit()


def test_a_house_only_campaign_with_a_vacant_seat_says_so(app, client, noon):
    set_targets(app, {"lookup": "us-congress", "chambers": ["house"]})
    response = start(client, postal_code=vacant_zip())
    assert response.status_code == 422
    text = words(response)
    assert "There is nobody to call for this campaign at ZIP code" in text
    assert "the seat was empty on our list" in text and "(202) 224-3121" in text
    assert "could not find" not in text


def test_a_senate_only_campaign_in_washington_dc_says_why(app, client, noon):
    set_targets(app, {"lookup": "us-congress", "chambers": ["senate"]})
    response = start(client, lang="es", postal_code=first_zip(lambda seats, data: seats == ["DC-0"]))
    text = words(response)
    assert "No hay a quién llamar en esta campaña" in text and "No hay senadores por Washington D. C." in text


def test_a_member_whose_term_ended_comes_with_a_note_and_the_switchboard(client, noon):
    bioguide, member = ended_member()
    zip_code = first_zip(lambda seats, data: seats[0].startswith(member["state"] + "-") and len(seats) == 1)
    step = start(client, postal_code=zip_code)
    for _ in range(3):
        if member["name"] in words(step):
            break
        step = report(client, step, "skip")
    text = words(step)
    assert member["name"] in text
    assert "this term ended on November 3, 2026: the office may have someone new" in text
    assert soup(step).select_one(".notes a[href='tel:+12022243121']")


def test_a_member_without_a_phone_number_is_reached_through_the_switchboard(client, noon):
    data = congress_data()
    bioguide = next(bioguide for bioguide, member in data.members.items() if not member["phone"])
    seat = next(seat for seat, member in data.house.items() if member == bioguide)
    step = start(client, postal_code=first_zip(lambda seats, sources_: seats == [seat]))
    page = soup(step)
    assert not page.find("a", class_="button--call")
    assert "We have no direct number for this office. Call the Capitol switchboard" in words(step)


def test_an_office_that_left_the_data_mid_visit_is_passed_over(app, client, noon, monkeypatch):
    step = start(client, postal_code=single_district_zip())
    first_key = lookup_targets_by_zip(single_district_zip()).targets[0].key
    real = congress.find_member
    monkeypatch.setattr("widget.call.views.find_member", lambda key: None if key == first_key else real(key))
    response = report(client, step, "talked_to_staff")
    assert response.status_code == 200 and "Call 2 of 3" in words(response)
    assert count_rows(app, CallReport) == 0  # the report for an office no longer known is not kept


def test_a_fixed_number_removed_mid_visit_ends_the_visit_gracefully(app, client, noon):
    step = start(client, slug="demo-white-house")
    set_targets(app, {"fixed": [{"name": "Another line", "phone": "+1 202 555 0199"}]}, slug="demo-white-house")
    response = report(client, step, "talked_to_staff", slug="demo-white-house")
    assert response.status_code == 200 and "You skipped every call." in words(response)
    set_targets(app, {"lookup": "us-congress"}, slug="demo-white-house")  # and to a lookup: no 500 either
    assert report(client, step, "talked_to_staff", slug="demo-white-house").status_code == 200


def test_an_expired_visit_fills_the_form_in_again(app, client, noon, monkeypatch):
    from itsdangerous import TimestampSigner

    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(__import__("time").time()) - 7 * 3600)
    step = start(client, postal_code="94536", given_name="Lu", city="Fremont")
    monkeypatch.undo()
    monkeypatch.setattr(congress, "today", lambda: TODAY)
    response = report(client, step, "talked_to_staff")
    assert response.status_code == 400
    assert "This list of calls is more than a few hours old." in words(response)
    page = soup(response)
    assert page.find("input", attrs={"name": "postal_code"})["value"] == "94536"
    assert page.find("input", attrs={"name": "given_name"})["value"] == "Lu"
    assert count_rows(app, CallReport) == 0


def resume(client, visit, lang="en"):
    return client.post(f"/embed/demo-call?lang={lang}", data={"visit": visit, "step": "resume"}, headers=SAME_ORIGIN)


def test_a_tab_comes_back_to_its_visit_within_half_an_hour_and_shows_nothing_of_it_after(
        app, client, noon, monkeypatch):
    """The widget's script posts the visit its tab kept (step=resume) after a reload. A step shown
    in the last half hour comes back as it was; an older one, or a forged one, gives the first
    form, empty: the phone may be in someone else's hands by then."""
    from itsdangerous import TimestampSigner

    step = start(client, postal_code="94536", given_name="Lu", city="Fremont")
    resumed = resume(client, visit_of(step))
    assert resumed.status_code == 200 and "Call 1 of 3" in words(resumed) and "My name is Lu." in words(resumed)

    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(__import__("time").time()) - 31 * 60)
    stale = start(client, postal_code="94536", given_name="Lu", city="Fremont")
    monkeypatch.undo()
    monkeypatch.setattr(hours, "now", lambda: WEEKDAY_NOON)
    for visit in (visit_of(stale), "forged"):
        response = resume(client, visit)
        page = soup(response)
        assert response.status_code == 200 and not page.select(".notice, .call-progress, .target")
        assert all(not page.find("input", attrs={"name": name}).get("value")
                   for name in ("postal_code", "given_name", "city"))
        assert "94536" not in response.get_data(as_text=True) and "Fremont" not in words(response)
    # Reporting from that stale step is another matter: within hours, the form is filled in again.
    assert "This list of calls is more than a few hours old." not in words(report(client, stale, "talked_to_staff"))
    assert count_rows(app, CallReport) == 1


def test_a_forged_visit_asks_to_start_again(client):
    response = client.post("/embed/demo-call?lang=es", data={"visit": "forged", "step": "report"}, headers=SAME_ORIGIN)
    assert response.status_code == 400
    assert "Hubo un problema con su lista de llamadas. Empiece de nuevo" in words(response)


def test_skipping_every_call_does_not_thank_for_calls(app, client, noon):
    step = start(client, slug="demo-white-house", given_name="Lu")
    response = report(client, step, "skip", slug="demo-white-house")
    assert response.status_code == 200
    assert "You skipped every call." in words(response)
    assert soup(response).find("input", attrs={"name": "given_name"})["value"] == "Lu"


def test_long_names_and_cities_are_held_to_their_limit(app, client, noon):
    response = start(client, postal_code="94536", given_name="N" * 5000, city="C" * 5000)
    assert response.status_code == 422 and "Please use at most 100 characters." in words(response)


def test_the_spanish_script_names_the_member_with_the_right_article(client, noon):
    step = start(client, lang="es", postal_code=single_district_zip())
    for _ in range(3):
        script = soup(step).find(class_="script__text").get_text(" ", strip=True)
        assert re.search(r"Llamo para pedir que (el|la) (representante|senador|senadora) ", script), script
        assert " a el " not in script and " de el " not in script
        step = report(client, step, "skip", lang="es")
        if step.status_code != 200:
            break


# A step's page kept around each caller's details (widget/call/steps.py)


def blanked(response):
    """A page with what each response has of its own (the visit's token, the style nonce) blanked."""
    text = response.get_data(as_text=True)
    text = re.sub(r'name="visit" value="[^"]+"', 'name="visit" value=""', text)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', text)


def forget_kept_steps(app):
    app.extensions.pop(steps.FRAMES, None)
    app.extensions.pop(steps.OFFICES, None)


def zips_by_seats():
    found = {}
    for code, seats in congress_data().seats_by_zip.items():
        found.setdefault(seats, []).append(code)
    return found


def test_a_kept_step_shows_each_caller_their_own_details_and_nobody_elses(app, client, noon):
    zip_a, zip_b = (first_zip(lambda seats, data, state=state: len(seats) == 1 and seats[0].startswith(state)
                              and seats[0] in data.representative) for state in ("CA-", "TX-"))
    first = start(client, postal_code=zip_a, given_name="Amapola", city="Riverbend")
    second = start(client, postal_code=zip_b, given_name="Bartolo", city="Lakeshore")
    assert len(app.extensions[steps.FRAMES]) == 1  # the second caller's page was filled into the first's frame
    body = second.get_data(as_text=True)
    assert "My name is Bartolo. I live in Lakeshore, Texas." in words(second)
    first_member = lookup_targets_by_zip(zip_a).targets[0].name
    for detail in ("Amapola", "Riverbend", "California", zip_a, first_member, visit_of(first)):
        assert detail not in body
    assert soup(second).title.get_text() == f"Representative {lookup_targets_by_zip(zip_b).targets[0].name}" \
        " · Call your members of Congress"
    # What a worker that kept nothing renders for the same caller, byte for byte.
    forget_kept_steps(app)
    assert blanked(start(client, postal_code=zip_b, given_name="Bartolo", city="Lakeshore")) == blanked(second)


def test_a_kept_step_is_kept_apart_by_language_place_in_the_list_error_and_campaign(app, client, noon):
    zip_code = single_district_zip()
    step = start(client, postal_code=zip_code, given_name="Lu")
    spanish = start(client, lang="es", postal_code=zip_code, given_name="Lu")
    assert "Llamada 1 de 3" in words(spanish) and "Qué decir" in words(spanish)
    assert "Call 1 of 3" in words(step) and soup(step).html["lang"] == "en"
    unsure = client.post("/embed/demo-call?lang=en", data={"visit": visit_of(step), "step": "report"},
                         headers=SAME_ORIGIN)
    assert unsure.status_code == 422 and "Please choose how the call went." in words(unsure)
    second = report(client, step, "line_busy")
    assert "Call 2 of 3" in words(second) and "Please choose how the call went." not in words(second)
    assert "Call 1 of 3" in words(start(client, postal_code=zip_code))
    sourced = report(client, second, "skip", source="radio-7")
    assert soup(sourced).find("form", class_="outcome")["action"] == "/embed/demo-call?lang=en&source=radio-7"
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-call").one()
        campaign.content = {**campaign.content, "en": {**campaign.content["en"], "title": "Call Congress today"}}
        db.session.commit()
    assert soup(start(client, postal_code=zip_code)).title.get_text().endswith(" · Call Congress today")


def test_each_kept_step_has_its_own_style_nonce_in_its_policy(client, noon):
    nonces = []
    for _ in range(2):
        step = start(client, postal_code=single_district_zip())
        nonce = soup(step).find("style")["nonce"]
        assert f"'nonce-{nonce}'" in step.headers["Content-Security-Policy"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_a_kept_office_follows_the_clock_the_nearest_office_and_the_zip_codes_notes(client, noon, monkeypatch):
    zip_code = single_district_zip()
    assert "probably closed" not in words(start(client, postal_code=zip_code))
    monkeypatch.setattr(hours, "now", lambda: SATURDAY_NIGHT)
    assert "The Washington office is probably closed right now" in words(start(client, postal_code=zip_code))
    monkeypatch.setattr(hours, "now", lambda: WEEKDAY_NOON)
    # Two ZIP codes of one district, each nearer another of its member's offices at home.
    data, by_seats = congress_data(), zips_by_seats()
    for seat, bioguide in data.house.items():
        member = data.members[bioguide]
        nearest = {}
        for code in by_seats.get((seat,), []) if len(member["local_offices"]) > 1 else []:
            office = congress.member_target(bioguide, member, TODAY.isoformat()).nearest_local_office(code)
            nearest.setdefault(office.city, code)
        if len(nearest) > 1:
            break
    assert len(nearest) > 1
    for city, code in list(nearest.items())[:2]:
        assert f"If the line is busy, try the office in {city}:" in words(start(client, postal_code=code))


def test_the_zip_codes_notes_are_never_kept(app, client, noon):
    """Two ZIP codes split between the same districts, nearest the same office at home: the same
    kept office, each with its own note, and no ZIP code in anything a worker keeps."""
    data = congress_data()

    def first_office(code):
        target = lookup_targets_by_zip(code).targets[0]
        return target.key, target.nearest_local_office(code)

    split = [codes for seats, codes in zips_by_seats().items()
             if len(seats) > 1 and len({seat[:2] for seat in seats}) == 1 and all(seat in data.house for seat in seats)]
    codes = next(pair for codes in split for pair in zip(codes, codes[1:], strict=False)
                 if first_office(pair[0]) == first_office(pair[1]))
    for code in codes:
        assert f"ZIP code {code} is split between" in words(start(client, postal_code=code))
    assert len(app.extensions[steps.OFFICES]) == 1
    kept = repr([*app.extensions[steps.OFFICES].answers.values(), *app.extensions[steps.FRAMES].answers.values()])
    assert "split between" not in kept and not any(code in kept for code in codes)


def test_a_kept_step_follows_the_partner_and_the_language_the_browser_asks_for(app, client, noon):
    zip_code = single_district_zip()

    def step(query, language=None):
        headers = {"Accept-Language": language} if language else {}
        token = form_token(client.get(f"/embed/demo-call?{query}", headers=headers))
        return client.post(f"/embed/demo-call?{query}", data={"token": token, "step": "start", "postal_code": zip_code},
                           headers={**SAME_ORIGIN, **headers})

    before = step("lang=en&source=red-sv")
    assert "--accent:#1d4ed8" in before.get_data(as_text=True)
    assert "red.example.org" not in soup(before).body["data-parent-origins"]
    with app.app_context():
        partners.add_partner("red-sv", "Red Solidaria SV", ["https://red.example.org"], "#ffdd00")
    registered = step("lang=en&source=red-sv")
    assert "--accent:#ffdd00" in registered.get_data(as_text=True)
    assert "https://red.example.org" in soup(registered).body["data-parent-origins"].split()
    with app.app_context():
        partners.update_partner("red-sv", accent_color="#123456")
    assert "--accent:#123456" in step("lang=en&source=red-sv").get_data(as_text=True)
    # No language in the address: the browser's decides, and each gets its own.
    assert soup(step("source=red-sv", "es-MX,es;q=0.9")).html["lang"] == "es"
    assert soup(step("source=red-sv", "en-US,en;q=0.9")).html["lang"] == "en"
