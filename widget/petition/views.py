"""The petition widget's flow: show the form, take a signature, thank the supporter."""

from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l

from widget.embedding.page import redirect_to_thanks
from widget.embedding.page import widget_context
from widget.extensions import db
from widget.forms import HONEYPOT_FIELD
from widget.forms import TRY_AGAIN
from widget.forms import screen_submission
from widget.petition.forms import petition_form
from widget.petition.promise import privacy_promise
from widget.petition.signatures import Outcome
from widget.petition.signatures import record_signature
from widget.security.form_token import issue_form_token
from widget.security.privacy import ip_digest
from widget.sharing.panel import share_panel


def show_petition(campaign, partner):
    """The petition form, or a notice that the petition has closed."""
    context = widget_context(campaign, partner)
    if not campaign.is_live:
        return render_template("widget/closed.html", **context)
    form = petition_form(campaign, context["text"], opt_in_label(campaign, context["vouched_partner"]))
    return render_petition_form(context, form)


def submit_petition(campaign, partner):
    """Take a signature; on any problem show the form again, filled in, with the reason."""
    context = widget_context(campaign, partner)
    if not campaign.is_live:
        return render_template("widget/closed.html", **context), 409
    form = petition_form(campaign, context["text"], opt_in_label(campaign, context["vouched_partner"]), request.form)
    screening = screen_submission(campaign, form)
    if screening.bot:
        return redirect_to_thanks(context)  # a bot gets what a person would; nothing is stored
    if not screening.passed:
        return render_petition_form(context, form, screening.notice, screening.status, screening.shown_at)
    token = screening.token
    # Built before the signature is stored: committing it expires the campaign, which would
    # otherwise be read again from the database just to make this address.
    thanks = redirect_to_thanks(context)

    outcome = record_signature(
        campaign.id,
        {name: form[name].data for name in campaign.settings["fields"]["shown"]},
        token=token,
        language=context["language"],
        source=context["source"],
        opted_in=bool(form["opt_in"].data),
        # Whom the box the supporter ticked named: the partner whose page this is, or (None) the organizer.
        opted_in_to=context["vouched_partner"].code if context["vouched_partner"] is not None else None,
        consented="consent" in form and bool(form["consent"].data),
        ip_digest=ip_digest(request.remote_addr),
    )
    if outcome is not Outcome.SIGNED:
        db.session.rollback()
        if outcome is Outcome.CLOSED:
            return render_template("widget/closed.html", **context), 409
        return render_petition_form(context, form, notice=TRY_AGAIN, status=400)
    db.session.commit()
    return thanks


def show_thanks(campaign, partner):
    """The thank-you state. Everyone who signs, or had signed before, sees exactly this."""
    context = widget_context(campaign, partner)
    return render_template("widget/thanks.html", share=share_panel(campaign, context["language"]), **context)


def render_petition_form(context, form, notice=None, status=200, shown_at=None):
    """The form (fresh or filled in), with a new token, any notice, and the privacy promise."""
    campaign = context["campaign"]
    page = render_template(
        "petition/form.html",
        form=form,
        form_token=issue_form_token(campaign.slug, shown_at),
        honeypot_field=HONEYPOT_FIELD,
        notice=notice,
        privacy_promise=privacy_promise(campaign, context["text"]),
        **context,
    )
    return page, status


def opt_in_label(campaign, partner):
    """The opt-in names who would write: a vouched partner whose page this is, else the organizer."""
    organization = partner.name if partner is not None else campaign.settings["organizer"]
    return _l("Send me updates from %(organization)s", organization=organization)
