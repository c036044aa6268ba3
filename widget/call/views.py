"""The call widget's flow: the first step, each call, its outcome, and the thank-you."""

from datetime import date

from babel.dates import format_date
from babel.lists import format_list
from flask import render_template
from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms import ValidationError
from wtforms.form import BaseForm
from wtforms.validators import DataRequired

from widget.call.congress import congress_data
from widget.call.congress import lookup_targets_by_zip
from widget.call.congress import normalize_zip
from widget.call.names import describe_hours
from widget.call.names import party_name
from widget.call.names import state_name
from widget.call.names import target_place
from widget.call.names import target_title
from widget.call.reports import OUTCOMES
from widget.call.reports import record_call
from widget.call.script import fill_script
from widget.call.targets import fixed_targets
from widget.call.targets import member_target
from widget.call.visit import CallVisit
from widget.call.visit import VisitError
from widget.call.visit import read_visit
from widget.call.visit import visit_token
from widget.embedding.page import redirect_to_thanks
from widget.embedding.page import widget_context
from widget.extensions import db
from widget.forms import HONEYPOT_FIELD
from widget.forms import TRY_AGAIN
from widget.forms import checked_form_token
from widget.forms import clean_text
from widget.forms import posted_by_a_bot
from widget.forms import supporter_field
from widget.i18n import format_locale
from widget.phones import readable
from widget.security.form_token import issue_form_token
from widget.security.form_token import spend_form_token
from widget.sharing.panel import share_panel

#: The Capitol switchboard: it puts callers through to any member's office.
SWITCHBOARD = "+12022243121"

NO_OUTCOME = _l("Please choose how the call went.")


def us_zip_code(form, field):
    """Five digits (ZIP+4 is fine); kept as the five digits."""
    zip_code = normalize_zip(field.data)
    if zip_code is None:
        raise ValidationError(_l("Please enter a 5-digit US ZIP code, like 90011."))
    field.data = zip_code


def looks_up_congress(campaign):
    return "lookup" in campaign.settings["targets"]


def start_form(campaign, formdata=None):
    """ZIP code (for a Congress lookup), then an optional first name and city for the script."""
    fields = []
    if looks_up_congress(campaign):
        fields.append(("postal_code", StringField(
            _l("ZIP code"),
            filters=[clean_text],
            validators=[DataRequired(message=_l("Please enter your ZIP code.")), us_zip_code],
            render_kw={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": 10, "spellcheck": "false"},
        )))
    fields += [("given_name", supporter_field("given_name", required=False)),
               ("city", supporter_field("city", required=False))]
    form = BaseForm(fields)
    form.process(formdata)
    return form


def show_call(campaign, partner):
    """The first step: who to call (from a ZIP code, or the campaign's own number)."""
    context = widget_context(campaign, partner)
    if not campaign.is_live:
        return render_template("widget/closed.html", **context)
    return render_start(context, start_form(campaign))


def submit_call(campaign, partner):
    """A step of the call-in: start calling, report a call, skip one, or change language."""
    context = widget_context(campaign, partner)
    if not campaign.is_live:
        return render_template("widget/closed.html", **context), 409
    if request.form.get("step") == "start":
        return start_calling(context)
    return continue_calling(context, request.form.get("step"))


def show_thanks(campaign, partner):
    """The thank-you state after the last call."""
    context = widget_context(campaign, partner)
    return render_template("widget/thanks.html", share=share_panel(campaign, context["language"]), **context)


def start_calling(context):
    campaign = context["campaign"]
    form = start_form(campaign, request.form)
    if posted_by_a_bot():
        return redirect_to_thanks(context)
    fields_are_valid = form.validate()
    token, notice = checked_form_token(campaign)
    if notice is TRY_AGAIN:
        return render_start(context, form, notice=notice, status=400)
    shown_at = token.issued_at_precise
    if not fields_are_valid:
        return render_start(context, form, status=422, shown_at=shown_at)
    if notice:
        return render_start(context, form, notice=notice, status=400, shown_at=shown_at)

    zip_code = form["postal_code"].data if "postal_code" in form else None
    lookup = lookup_targets_by_zip(zip_code, campaign.settings["targets"]["chambers"]) if zip_code else None
    if lookup is not None and not lookup.targets:
        return render_start(context, form, lookup=lookup, status=422, shown_at=shown_at)
    if not spend_form_token(token):
        db.session.rollback()
        return render_start(context, form, notice=TRY_AGAIN, status=400)
    db.session.commit()
    targets = lookup.targets if lookup is not None else fixed_targets(campaign.settings["targets"])
    visit = CallVisit.start([target.key for target in targets], zip_code, form["given_name"].data, form["city"].data)
    return render_step(context, visit)


def continue_calling(context, step):
    campaign = context["campaign"]
    try:
        visit = read_visit(request.form.get("visit"), campaign.slug)
    except VisitError:
        return render_start(context, start_form(campaign), notice=TRY_AGAIN, status=400)
    if visit.finished:
        return redirect_to_thanks(context)
    if step == "report":
        outcome = request.form.get("outcome")
        if outcome == "skip":
            visit = visit.moved_on(called=False)
        elif outcome in OUTCOMES:
            record_call(campaign, visit, outcome, language=context["language"], source=context["source"])
            visit = visit.moved_on(called=True)
        else:
            return render_step(context, visit, error=NO_OUTCOME, status=422)
    if visit.finished:
        return redirect_to_thanks(context)
    return render_step(context, visit)


def render_start(context, form, notice=None, lookup=None, status=200, shown_at=None):
    campaign = context["campaign"]
    first_invalid = next((field.name for field in form if field.errors), None)
    page = render_template(
        "call/start.html",
        form=form,
        form_token=issue_form_token(campaign.slug, shown_at),
        honeypot_field=HONEYPOT_FIELD,
        notice=notice,
        lookup=lookup,
        first_invalid=first_invalid or ("postal_code" if lookup is not None else None),
        data_date=data_date() if looks_up_congress(campaign) else None,
        switchboard=SWITCHBOARD,
        readable=readable,
        **context,
    )
    return page, status


def render_step(context, visit, error=None, status=200):
    campaign, language = context["campaign"], context["language"]
    target = resolve_target(campaign, visit.current_target)
    lookup = lookup_targets_by_zip(visit.zip_code, campaign.settings["targets"]["chambers"]) if visit.zip_code else None
    name = target.name_in(language, campaign.default_language)
    title = target_title(target, language, campaign.default_language)
    script = fill_script(context["text"]["call_script"], {
        "name": visit.name, "city": visit.city, "state": state_name(target.state),
        "target_name": name, "target_title": title,
    })
    page = render_template(
        "call/step.html",
        visit=visit,
        token=visit_token(campaign.slug, visit),
        target=target,
        target_name=name,
        target_title=title,
        party=party_name(target),
        place=target_place(target),
        likely_open=target.hours is None or target.hours.likely_open(),
        hours_text=describe_hours(target.hours) if target.hours else None,
        local_office=target.nearest_local_office(visit.zip_code),
        script=script,
        lookup=lookup if visit.position == 0 else None,
        notes=lookup_notes(lookup) if lookup is not None and visit.position == 0 else [],
        error=error,
        outcomes=OUTCOME_LABELS,
        switchboard=SWITCHBOARD,
        readable=readable,
        **context,
    )
    return page, status


def lookup_notes(lookup):
    """What the supporter should know about their ZIP code's seats, one sentence each."""
    notes, listed_on = [], data_date()
    if lookup.spans_states:
        states = format_list([state_name(state) for state in lookup.states], locale=get_locale())
        notes.append(_(
            "ZIP code %(zip)s crosses a state line, so we list the members for %(states)s. "
            "Call the ones for the state where you live.", zip=lookup.zip_code, states=states))
    elif lookup.spans_districts:
        notes.append(_(
            "ZIP code %(zip)s is split between %(count)s congressional districts, so we list the "
            "representative for each. If you know your district, you can skip the others.",
            zip=lookup.zip_code, count=len(lookup.seats)))
    for seat in lookup.vacant_seats:
        state, number = seat.split("-")
        place = _("%(state)s, district %(number)s", state=state_name(state), number=number) if number != "0" \
            else state_name(state)
        notes.append(_(
            "There is no representative to call for %(seat)s: the seat is empty, or changed after our "
            "list of %(date)s.", seat=place, date=listed_on))
    for state in lookup.short_of_senators:
        notes.append(_(
            "A Senate seat for %(state)s may have changed after our list of %(date)s, so we leave it out.",
            state=state_name(state), date=listed_on))
    for place in lookup.places_without_senators:
        notes.append(_(
            "%(place)s has no senators. Its member of the House speaks for it but cannot vote on the "
            "final passage of bills.", place=state_name(place)))
    return notes


def resolve_target(campaign, key):
    """A target from its key: a member of Congress, or one of the campaign's fixed numbers."""
    if key.startswith("fixed-"):
        return next(target for target in fixed_targets(campaign.settings["targets"]) if target.key == key)
    return member_target(key, congress_data().members[key])


def data_date():
    """The date of the members list, as the widget shows it ("15 June 2026")."""
    snapshot = congress_data().snapshot.get("legislators")
    return format_date(date.fromisoformat(snapshot), format="long", locale=format_locale()) if snapshot else None


OUTCOME_LABELS = {
    "talked_to_staff": _l("I talked to someone"),
    "left_voicemail": _l("I left a voicemail"),
    "line_busy": _l("The line was busy"),
    "no_answer": _l("Nobody answered"),
}
