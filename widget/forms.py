"""Form pieces every widget shares: the supporter's details, and how their typing is cleaned."""

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError
from email_validator import validate_email
from flask import current_app
from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import StringField
from wtforms import ValidationError
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from widget.security.form_token import FormTokenError
from widget.security.form_token import read_form_token
from widget.security.keys import derived_key

#: A field people never see; bots that fill in every input fill this one too.
HONEYPOT_FIELD = "website"

TRY_AGAIN = _l(
    "This form was open for a long time, or it was already sent. Your details are still here: "
    "please send it again."
)
TOO_FAST = _l("That was very quick! Please check your details and send the form again.")

#: The `step` a form is posted with to show it again, as filled in, in another language (the
#: widget's script does so when a supporter who has typed something changes language). Nothing is
#: checked, stored or spent, and no action is counted.
SWITCH_LANGUAGE = "language"


@dataclass(frozen=True)
class Screening:
    """What the checks every widget form goes through found, in the order a person should hear it."""

    bot: bool = False
    notice: str | None = None
    status: int = 200
    token: object = None

    @property
    def passed(self):
        return not self.bot and self.status == 200

    @property
    def shown_at(self):
        """When the form was first shown, to keep counting fill time across corrections."""
        return self.token.issued_at_precise if self.token is not None else None


def screen_submission(campaign, form):
    """The checks every widget form goes through, on this request's posted form."""
    return screen(request.form, form, campaign.slug)


def screen(posted, form, campaign_slug):
    """Honeypot, then the form token, then the fields, then fill time: the first problem wins.

    A filled honeypot (a field people never see) is a bot: it is answered as a person would be,
    and nothing is stored."""
    if posted.get(HONEYPOT_FIELD):
        return Screening(bot=True)
    fields_are_valid = form.validate()
    token, notice = checked_form_token(posted.get("token"), campaign_slug)
    if notice is TRY_AGAIN:
        return Screening(notice=notice, status=400)
    if not fields_are_valid:
        return Screening(status=422, token=token)
    if notice:
        return Screening(notice=notice, status=400, token=token)
    return Screening(token=token)


def first_shown_at(posted, campaign_slug):
    """When a posted form was first shown, if its token is good (None if not): a form shown again
    in another language keeps counting its fill time from then."""
    token, _ = checked_form_token(posted.get("token"), campaign_slug)
    return Screening(token=token).shown_at


def checked_form_token(posted, campaign_slug):
    """The posted form token and None, or None and the notice to show instead.

    A missing, forged, stale or other campaign's token asks the supporter to send again; so does
    a form sent faster than a person can fill it in (the token says when it was shown).
    """
    try:
        token = read_form_token(posted, campaign_slug)
    except FormTokenError:
        return None, TRY_AGAIN
    if token.age < timedelta(seconds=current_app.config["FORM_MIN_FILL_SECONDS"]):
        return token, TOO_FAST
    return token, None

# Characters that are invisible or reorder text (zero-width spaces, bidi overrides): they can
# disguise a name in a delivery list, so they are dropped. Joiners that scripts need are kept.
INVISIBLE_CHARACTERS = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean_text(value):
    """Typed text as we store it: NFC, no invisible characters, whitespace collapsed to single spaces."""
    if not isinstance(value, str):
        return value
    value = INVISIBLE_CHARACTERS.sub("", unicodedata.normalize("NFC", value))
    return " ".join(value.split())


# Unicode's control characters (category Cc, which Unicode promises never to change): NUL and friends.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable_only(form, field):
    """Refuse control characters, which no name or city contains."""
    if field.data and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(_l("Please remove the special characters from this field."))


def email_address(form, field):
    """A plausible address, checked offline; stored in the normalized form the validator gives."""
    if not field.data:
        return
    try:
        field.data = validate_email(field.data, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValidationError(_l("Please enter an email address like name@example.org.")) from error


def email_key(address):
    """The key one person is counted under: a keyed digest of the whole address in lower case.

    Fixed-length (an address can grow when lowercased) and not reversible without the secret.
    Lowercased, not case-folded: folding also makes "ß" "ss", and ana@straße.de and
    ana@strasse.de are two people (two domains). For every address whose two forms agree (every
    ASCII one), the key is the one releases before 2026-12-07 stored, which case-folded.
    """
    if not address:
        return None
    return hmac.new(derived_key("email-key"), address.lower().encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SupporterField:
    """How the form asks for one of the supporter's details."""

    label: str
    autocomplete: str
    max_length: int
    missing: str
    input_type: str = "text"
    extra_validators: tuple = ()


#: Every detail a campaign may ask for, in the order forms show them. Campaign files name them.
SUPPORTER_FIELDS = {
    "given_name": SupporterField(
        _l("First name"), "given-name", 100, _l("Please enter your first name.")
    ),
    "family_name": SupporterField(
        _l("Last name"), "family-name", 100, _l("Please enter your last name.")
    ),
    "email": SupporterField(
        _l("Email"), "email", 254, _l("Please enter your email address."),
        input_type="email", extra_validators=(email_address,),
    ),
    "city": SupporterField(_l("City"), "address-level2", 100, _l("Please enter your city.")),
    "postal_code": SupporterField(
        _l("ZIP or postal code"), "postal-code", 12, _l("Please enter your ZIP or postal code."),
        extra_validators=(
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9 -]*$",
                message=_l("Please enter a ZIP or postal code using only letters and numbers."),
            ),
        ),
    ),
    "country": SupporterField(_l("Country"), "country-name", 100, _l("Please enter your country.")),
}


def supporter_field(name, required):
    """An unbound WTForms field for one of the supporter's details."""
    spec = SUPPORTER_FIELDS[name]
    presence = DataRequired(message=spec.missing) if required else Optional()
    return StringField(
        spec.label,
        filters=[clean_text],
        validators=[
            presence,
            Length(max=spec.max_length, message=_l("Please use at most %(max)d characters.")),
            printable_only,
            *spec.extra_validators,
        ],
        render_kw={
            "autocomplete": spec.autocomplete,
            "maxlength": spec.max_length,
            "type": spec.input_type,
            "spellcheck": "false",
        },
    )


def checkbox(label, required_message=None):
    """A checkbox; with a message, one that must be ticked."""
    validators = [DataRequired(message=required_message)] if required_message else []
    return BooleanField(label, validators=validators)
