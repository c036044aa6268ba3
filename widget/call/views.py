"""The call widget's flow: the first step, each call, its outcome, and the thank-you."""

from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms import ValidationError
from wtforms.form import BaseForm
from wtforms.validators import DataRequired

from widget.call.congress import find_member
from widget.call.congress import lookup_targets_by_zip
from widget.call.congress import normalize_zip
from widget.call.names import state_name
from widget.call.names import target_title
from widget.call.names import the_target
from widget.call.notes import data_date
from widget.call.notes import lookup_notes
from widget.call.notes import term_note
from widget.call.reports import OUTCOMES
from widget.call.reports import record_call
from widget.call.script import fill_script
from widget.call.steps import notes_markup
from widget.call.steps import office_markup
from widget.call.steps import render_step_page
from widget.call.steps import script_markup
from widget.call.targets import SWITCHBOARD
from widget.call.targets import fixed_targets
from widget.call.visit import RESUME
from widget.call.visit import RESUME_SECONDS
from widget.call.visit import CallVisit
from widget.call.visit import VisitError
from widget.call.visit import read_visit
from widget.call.visit import visit_token
from widget.campaigns import find_public_campaign
from widget.embedding.page import redirect_to_thanks
from widget.embedding.page import widget_context
from widget.forms import HONEYPOT_FIELD
from widget.forms import SWITCH_LANGUAGE
from widget.forms import TRY_AGAIN
from widget.forms import clean_text
from widget.forms import first_shown_at
from widget.forms import screen_submission
from widget.forms import supporter_field
from widget.phones import readable
from widget.security.form_token import issue_form_token
from widget.security.form_token import spend_form_token
from widget.sharing.panel import share_panel
from widget.storage.driver import own_connection

NO_OUTCOME = _l("Please choose how the call went.")
VISIT_EXPIRED = _l("This list of calls is more than a few hours old. Check your details and press the button "
                   "again for a fresh one.")
START_AGAIN = _l("Something went wrong with your list of calls. Please start again.")
NO_CALLS = _l("You skipped every call. Whenever you are ready, you can start again.")


def us_zip_code(form, field):
    """Five digits (ZIP+4 is fine); kept as the five digits."""
    zip_code = normalize_zip(field.data)
    if zip_code is None:
        raise ValidationError(_l("Please enter a 5-digit US ZIP code, like 90011."))
    field.data = zip_code


def looks_up_congress(campaign):
    return "lookup" in campaign.settings["targets"]


def chambers(campaign):
    return campaign.settings["targets"].get("chambers", ("house", "senate"))


def start_form(campaign, formdata=None, data=None):
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
    form.process(formdata, data=data or {})
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
        return closed_page(context, report_too_late=reports_a_call())
    step = request.form.get("step")
    if step == "start":
        return start_calling(context)
    if step == SWITCH_LANGUAGE:
        # The first form, shown again in the language asked for, as typed; nothing is looked up.
        return render_start(context, start_form(campaign, request.form),
                            shown_at=first_shown_at(request.form, campaign.slug))
    return continue_calling(context, step)


def show_thanks(campaign, partner):
    """The thank-you state after the last call."""
    context = widget_context(campaign, partner)
    return render_template("widget/thanks.html", share=share_panel(campaign, context["language"]), **context)


def start_calling(context):
    campaign = context["campaign"]
    form = start_form(campaign, request.form)
    screening = screen_submission(campaign, form)
    if screening.bot:
        return redirect_to_thanks(context)
    if not screening.passed:
        return render_start(context, form, screening.notice, status=screening.status, shown_at=screening.shown_at)

    lookup = None
    if looks_up_congress(campaign):
        lookup = lookup_targets_by_zip(form["postal_code"].data, chambers(campaign))
        if not lookup.targets:
            # Unknown ZIP code, or nobody to call in this campaign's chamber: say which, and how else.
            return render_start(context, form, lookup=lookup, status=422, shown_at=screening.shown_at)
        targets = lookup.targets
    else:
        targets = fixed_targets(campaign.settings["targets"])
    # Spent on the thread's own connection, as a signature is, if the campaign is still live (it
    # may have been read a moment ago: `find_public_campaign`); the page is made after, with the
    # connection let go (on SQLite, the host's writer queue with it).
    with own_connection() as connection:
        spent = spend_form_token(screening.token, connection, live_campaign=campaign.id)
        if spent:
            connection.commit()
    if not spent:
        current = as_it_is_now(context)  # it may have closed since it was read
        if not current["campaign"].is_live:
            return closed_page(current)
        return render_start(context, form, notice=TRY_AGAIN, status=400)
    visit = CallVisit.start([target.key for target in targets], lookup.zip_code if lookup else None,
                            form["given_name"].data, form["city"].data)
    return render_step(context, visit, lookup)


def continue_calling(context, step):
    campaign = context["campaign"]
    resuming = step == RESUME
    try:
        visit = read_visit(request.form.get("visit"), campaign.slug, max_age=RESUME_SECONDS if resuming else None)
    except VisitError as error:
        if resuming:
            return render_start(context, start_form(campaign))  # too old to come back to: afresh, empty
        return start_over(context, error)
    target = resolve_target(campaign, visit.current_target) if not visit.finished else None
    if step == "report" and target is not None:
        outcome = request.form.get("outcome")
        if outcome == "skip":
            visit = visit.moved_on(called=False)
        elif outcome in OUTCOMES:
            if not record_call(campaign, visit, outcome, language=context["language"], source=context["source"]):
                return closed_page(as_it_is_now(context), report_too_late=True)  # closed since it was read
            visit = visit.moved_on(called=True)
        else:
            return render_step(context, visit, error=NO_OUTCOME, status=422)
    # Offices that left the list since the visit began (the data or the campaign changed) are passed over.
    while not visit.finished and resolve_target(campaign, visit.current_target) is None:
        visit = visit.moved_on(called=False)
    if visit.finished:
        if visit.calls == 0:
            return render_start(context, start_form(campaign, data=visit.details()), notice=NO_CALLS)
        return redirect_to_thanks(context)
    return render_step(context, visit)


def reports_a_call():
    return request.form.get("step") == "report" and request.form.get("outcome") in OUTCOMES


def as_it_is_now(context):
    """The widget's context with its campaign read again (a step may act on a recent reading)."""
    return widget_context(find_public_campaign(context["campaign"].slug), context["partner"])


def closed_page(context, report_too_late=False):
    """The answer to a post to a call-in that has closed, which kept nothing; saying so when the
    post reported a call, which was not counted."""
    return render_template("widget/closed.html", report_too_late=report_too_late, **context), 409


def start_over(context, error):
    """A visit that cannot go on: refill what we still know, and say why."""
    campaign = context["campaign"]
    if error.visit is not None:
        return render_start(context, start_form(campaign, data=error.visit.details()), notice=VISIT_EXPIRED,
                            status=400)
    return render_start(context, start_form(campaign), notice=START_AGAIN, status=400)


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
        notes=lookup_notes(lookup) if lookup is not None and lookup.found else [],
        first_invalid=first_invalid or ("postal_code" if lookup is not None else None),
        data_date=data_date() if looks_up_congress(campaign) else None,
        switchboard=SWITCHBOARD,
        readable=readable,
        **context,
    )
    return page, status


def render_step(context, visit, lookup=None, error=None, status=200):
    """One office to call. The notes about the ZIP code come with the first one only."""
    campaign, language = context["campaign"], context["language"]
    target = resolve_target(campaign, visit.current_target)
    if lookup is None and visit.position == 0 and visit.zip_code:
        lookup = lookup_targets_by_zip(visit.zip_code, chambers(campaign))
    name = target.name_in(language, campaign.default_language)
    title = target_title(target, language, campaign.default_language)
    script = fill_script(context["text"]["call_script"], {
        "name": visit.name, "city": visit.city, "state": state_name(target.state),
        "target_name": name, "target_title": title, "the_target": the_target(target, name, title),
    })
    on_first_step = lookup is not None and visit.position == 0
    page = render_step_page(
        context, position=visit.position, total=len(visit.targets), error=error,
        token=visit_token(campaign.slug, visit), office_title=f"{title} {name}",
        notes=notes_markup(notes=lookup_notes(lookup) if on_first_step else (), term_note=term_note(target),
                           vacant_seats=on_first_step and bool(lookup.vacant_seats)),
        office=office_markup(context, target, name=name, title=title,
                             local_office=target.nearest_local_office(visit.zip_code)),
        script=script_markup(script),
    )
    return page, status


def resolve_target(campaign, key):
    """A target from its key: a member of Congress, or one of the campaign's fixed numbers; None if gone."""
    if key.startswith("tel:"):
        return next((target for target in fixed_targets(campaign.settings["targets"]) if target.key == key), None)
    return find_member(key)
