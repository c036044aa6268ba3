"""Form pieces every widget shares: the supporter's details, and how their typing is cleaned."""

import re
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError
from email_validator import validate_email
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import StringField
from wtforms import ValidationError
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

# Characters that are invisible or reorder text (zero-width spaces, bidi overrides): they can
# disguise a name in a delivery list, so they are dropped. Joiners that scripts need are kept.
INVISIBLE_CHARACTERS = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean_text(value):
    """Typed text as we store it: NFC, no invisible characters, whitespace collapsed to single spaces."""
    if not isinstance(value, str):
        return value
    value = INVISIBLE_CHARACTERS.sub("", unicodedata.normalize("NFC", value))
    return " ".join(value.split())


def printable_only(form, field):
    """Refuse control characters (NUL and friends), which no name or city contains."""
    if field.data and any(unicodedata.category(char) == "Cc" for char in field.data):
        raise ValidationError(_l("Please remove the special characters from this field."))


def email_address(form, field):
    """A plausible address, checked offline; stored in the normalized form the validator gives."""
    if not field.data:
        return
    try:
        field.data = validate_email(field.data, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValidationError(_l("Please enter an email address like name@example.org.")) from error


def normalized_email(address):
    """The key one person's signature is counted under: the whole address in lower case."""
    return address.casefold() if address else None


@dataclass(frozen=True)
class PersonField:
    label: str
    autocomplete: str
    max_length: int
    missing: str
    input_type: str = "text"
    extra_validators: tuple = ()


PERSON_FIELDS = {
    "given_name": PersonField(
        _l("First name"), "given-name", 100, _l("Please enter your first name.")
    ),
    "family_name": PersonField(
        _l("Last name"), "family-name", 100, _l("Please enter your last name.")
    ),
    "email": PersonField(
        _l("Email"), "email", 254, _l("Please enter your email address."),
        input_type="email", extra_validators=(email_address,),
    ),
    "city": PersonField(_l("City"), "address-level2", 100, _l("Please enter your city.")),
    "postal_code": PersonField(
        _l("ZIP or postal code"), "postal-code", 12, _l("Please enter your ZIP or postal code."),
        extra_validators=(
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9 -]*$", message=_l("Please enter a ZIP or postal code using only letters and numbers.")),
        ),
    ),
    "country": PersonField(_l("Country"), "country-name", 100, _l("Please enter your country.")),
}


def person_field(name, required):
    """An unbound WTForms field for one of the supporter's details."""
    spec = PERSON_FIELDS[name]
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
    validators = [DataRequired(message=required_message)] if required_message else []
    return BooleanField(label, validators=validators)
