"""The petition widget's flow: show the form, take a signature, thank the supporter."""

import threading
from dataclasses import dataclass
from functools import cached_property

from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from widget.embedding.page import redirect_to_thanks
from widget.embedding.page import widget_context
from widget.extensions import db
from widget.forms import HONEYPOT_FIELD
from widget.forms import SWITCH_LANGUAGE
from widget.forms import TRY_AGAIN
from widget.forms import first_shown_at
from widget.forms import screen_submission
from widget.petition.forms import bound_form
from widget.petition.forms import petition_fields
from widget.petition.forms import petition_form
from widget.petition.promise import privacy_promise
from widget.petition.signatures import Outcome
from widget.petition.signatures import record_signature
from widget.security.form_token import issue_form_token
from widget.security.privacy import ip_digest
from widget.sharing.panel import share_panel
from widget.storage.models import Campaign

#: Where the view leaves how it took a signature, for widget/petition/quick.py.
SIGNED_AS = "megafono.signed_as"


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
    signing = Signing.of(context, partner)
    form = signing.form(request.form)
    if request.form.get("step") == SWITCH_LANGUAGE:
        # Shown again in the language asked for, as typed: never signed, whatever it holds.
        return render_petition_form(context, form, shown_at=first_shown_at(request.form, campaign.slug))
    screening = screen_submission(campaign, form)
    if screening.bot:
        return redirect_to_thanks(context)  # a bot gets what a person would; nothing is stored
    if not screening.passed:
        return render_petition_form(context, form, screening.notice, screening.status, screening.shown_at)
    # Built before the signature is stored: committing it expires the campaign, which would
    # otherwise be read again from the database just to make this address.
    thanks = redirect_to_thanks(context)

    outcome = record_signature(campaign.id, **signing.recorded(form), token=screening.token,
                               ip_digest=ip_digest(request.remote_addr))
    if outcome is not Outcome.SIGNED:
        db.session.rollback()
        if outcome is Outcome.CLOSED:
            return render_template("widget/closed.html", **context), 409
        return render_petition_form(context, form, notice=TRY_AGAIN, status=400)
    db.session.commit()
    request.environ[SIGNED_AS] = signing
    return thanks


@dataclass(frozen=True)
class Signing:
    """How one widget address takes signatures: its form, and what each signature records besides
    the supporter's own answers. The same for everyone who posts there while the campaign and the
    partner stay as they are, so widget/petition/quick.py takes the next signatures alike."""

    campaign: Campaign
    text: dict
    opt_in_label: str
    language: str
    source: str | None
    #: Whom the opt-in box named: the partner whose page this is, or (None) the organizer.
    opted_in_to: str | None
    #: The campaign's and the partner's revisions when this was worked out: every change raises them.
    campaign_revision: int
    partner_revision: int | None

    @classmethod
    def of(cls, context, partner):
        campaign, vouched = context["campaign"], context["vouched_partner"]
        return cls(
            campaign=campaign, text=context["text"], opt_in_label=opt_in_label(campaign, vouched),
            language=context["language"], source=context["source"],
            opted_in_to=vouched.code if vouched is not None else None,
            campaign_revision=campaign.revision, partner_revision=partner.revision if partner else None,
        )

    def form(self, formdata):
        return bound_form(self.fields, formdata)

    def checked_form(self, formdata):
        """The form for checking a post that is never shown (quick.py): each thread binds the
        fields once and processes every later post again in the same form, which resets all
        that a post leaves in it (data, errors). Binding them cost more than checking them."""
        form = getattr(self.thread_forms, "form", None)
        if form is None:
            form = self.thread_forms.form = bound_form(self.fields)
        form.process(formdata)
        return form

    @cached_property
    def fields(self):
        return petition_fields(self.campaign, self.text, self.opt_in_label)

    @cached_property
    def thread_forms(self):
        return threading.local()

    def recorded(self, form):
        """What `record_signature` stores of a valid form, but for its token and address."""
        return {
            "details": {name: form[name].data for name in self.campaign.settings["fields"]["shown"]},
            "language": self.language,
            "source": self.source,
            "opted_in": bool(form["opt_in"].data),
            "opted_in_to": self.opted_in_to,
            "consented": "consent" in form and bool(form["consent"].data),
        }

    def unchanged_since(self):
        """For `record_signature`: store only if the campaign and the partner (named by the
        source code, as the view finds it) are still as they were."""
        return {"campaign_revision": self.campaign_revision, "partner": self.source,
                "partner_revision": self.partner_revision}


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
    # Escaped here: a lazy string goes into the page as it is (flask-babel's `__html__`), and a
    # name such as "Red <Sur> & Co." must show as typed, never as markup.
    return _l("Send me updates from %(organization)s", organization=escape(organization))
