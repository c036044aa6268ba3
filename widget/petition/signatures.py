"""The one place a signature is written: spend the form token, insert once per email, count it, in one statement."""

import enum
from functools import cache
from functools import partial

from sqlalchemy import bindparam
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from widget.forms import email_key
from widget.security.form_token import forget_expired_tokens_now_and_then
from widget.storage.counting import LIVE_CAMPAIGN
from widget.storage.counting import fold_now_and_then
from widget.storage.database import in_transaction
from widget.storage.database import inserted_if
from widget.storage.driver import on_postgresql
from widget.storage.driver import run
from widget.storage.models import Campaign
from widget.storage.models import Partner
from widget.storage.models import Signature
from widget.storage.models import SpentFormToken
from widget.storage.models import signature_writes
from widget.storage.models import uncounted_actions
from widget.storage.models import utcnow

campaigns = Campaign.__table__
#: Neither the campaign nor the partner (by code, which may name none) has changed since the
#: given revisions (on SQLite, the trigger behind `signature_writes` checks the same).
UNCHANGED_SINCE = (
    campaigns.c.revision == bindparam("campaign_revision"),
    select(Partner.revision).where(Partner.code == bindparam("partner")).scalar_subquery()
    .is_not_distinct_from(bindparam("partner_revision")),
)


class Outcome(enum.Enum):
    #: Stored and counted, or the email had already signed: the supporter sees the same thank-you.
    SIGNED = "signed"
    #: The form token was used before (a resubmitted page); nothing was stored.
    TOKEN_ALREADY_USED = "token already used"  # noqa: S105 - an outcome, not a password
    #: The campaign closed (or changed, when asked) between reading it and storing this;
    #: nothing was stored.
    CLOSED = "closed"


def record_signature(campaign_id, details, *, token, language, source, opted_in, consented, ip_digest,
                     opted_in_to=None, connection=None, unchanged_since=None):
    """Store one signature and count it, in one statement on the connection (else the session's
    connection, in its transaction). The caller commits when the outcome is SIGNED and rolls back
    otherwise: nothing of the signature was written then, but the transaction is still open (and
    on SQLite holds the host's writer lock). On a connection that commits each statement (the
    thread's own, on PostgreSQL) the statement has committed itself, or written nothing, and the
    caller's commit or rollback changes nothing. With `unchanged_since` (the campaign's revision,
    the partner code and its revision, as keywords), a campaign or partner changed since is
    CLOSED too.

    The campaign is checked first, then the token: a used token on a closed campaign is CLOSED.
    The same email on the same campaign is stored and counted once: the insert gives way to the
    unique key instead of failing, so simultaneous signatures never raise and never double count.
    A repeat runs the same statement as a first signature, so timing does not tell them apart.

    Counted means written down in `uncounted_actions`, which the campaign's count includes at once
    (widget/storage/counting.py). One signature in FOLD_ONE_IN first adds up the campaign's
    uncounted ones, in a statement of its own: if that fails, nothing of this one is written.

    One statement, so that the writes are one trip to the database, with nothing for a worker to
    do between them while it holds the database's write lock (on SQLite, the file's). On
    PostgreSQL, data-modifying WITH (`record_in_one_statement`), which on a connection that
    commits each statement (the thread's own, from `own_connection`) is a transaction
    of its own. On SQLite, which has no writes inside WITH, an insert into a view whose trigger
    writes (`record_through_view`). Either goes to the session's connection or straight to a
    thread's own driver connection (`run`).
    """
    connection = in_transaction(connection)
    signature = {
        "campaign_id": campaign_id,
        "given_name": details.get("given_name"),
        "family_name": details.get("family_name"),
        "email": details.get("email"),
        "email_key": email_key(details.get("email")),
        "city": details.get("city"),
        "postal_code": details.get("postal_code"),
        "country": details.get("country"),
        "language": language,
        "source": source,
        "opted_in": opted_in,
        "opted_in_to": opted_in_to if opted_in else None,
        "consented": consented,
        "ip_digest": ip_digest,
        "created_at": utcnow(),
    }
    forget_expired_tokens_now_and_then(connection)
    fold_now_and_then(connection, campaign_id)
    if on_postgresql(connection):
        return record_in_one_statement(connection, token, signature, unchanged_since)
    return record_through_view(connection, token, signature, unchanged_since)


#: How the trigger behind `signature_writes` (migration 0008) refuses a signature, writing nothing.
REFUSED_BECAUSE = {
    "megafono: campaign not live or changed": Outcome.CLOSED,
    "megafono: form token already used": Outcome.TOKEN_ALREADY_USED,
}
WRITE_SIGNATURE = signature_writes.insert()
#: The revisions' values when they are not checked.
UNCHECKED = {"campaign_revision": None, "partner": None, "partner_revision": None}


def record_through_view(connection, token, signature, unchanged_since):
    """The writes on SQLite: one insert into `signature_writes`, whose trigger does in order what
    `one_statement` does on PostgreSQL, or refuses. On the session's connection, or straight on
    a thread's own sqlite3 connection (`run`)."""
    checks_revisions = unchanged_since is not None
    values = {"nonce": token.nonce, "expires_at": token.expires_at, "checks_revisions": checks_revisions,
              **(unchanged_since if checks_revisions else UNCHECKED), **signature}
    try:
        run(connection, WRITE_SIGNATURE, values)
    except IntegrityError as error:
        refused = REFUSED_BECAUSE.get(str(error.orig))
        if refused is None or error.orig.sqlite_errorname != "SQLITE_CONSTRAINT_TRIGGER":
            raise
        return refused
    return Outcome.SIGNED


def record_in_one_statement(connection, token, signature, unchanged_since):
    """The writes on PostgreSQL: one statement, one trip to the server, which on a connection that
    commits each statement (`own_connection`) is a transaction of its own. A campaign
    found closed or changed is CLOSED with nothing written, its token left unspent."""
    values = one_statement_values(token, signature, unchanged_since)
    live, spent = run(connection, one_statement(unchanged_since is not None), values).fetchone()
    if not live:
        return Outcome.CLOSED
    if not spent:
        return Outcome.TOKEN_ALREADY_USED
    return Outcome.SIGNED


@cache
def one_statement(checks_revisions):
    """If the campaign is live (and unchanged, when asked), spend the token; if that was its first
    use, insert the signature unless the email has signed; and if it was inserted, write the
    action down as not yet counted. Answers whether the campaign was live and the token spent.

    The campaign's row is read, never locked or updated: every signer used to update it to count
    themselves, and wait for the one before (docs/performance.md). A campaign closed while this
    runs lets it finish, as any statement that began before the closing does."""
    campaigns = Campaign.__table__
    live = select(campaigns.c.id).where(*LIVE_CAMPAIGN)
    if checks_revisions:
        live = live.where(*UNCHANGED_SINCE)
    live = live.cte("live")
    spent = row_inserted_if(SpentFormToken.__table__, ("nonce", "expires_at"), live).cte("spent")
    signatures = Signature.__table__
    signed = row_inserted_if(signatures, [column.name for column in signatures.columns if not column.primary_key],
                             spent).cte("signed")
    counted = uncounted_actions.insert().from_select(
        ["campaign_id"], select(live.c.id).where(exists(signed.select()))).cte("counted")
    # PostgreSQL runs a data-modifying WITH whether or not the answer reads it.
    return select(exists(live.select()), exists(spent.select())).add_cte(counted)


def row_inserted_if(table, names, earlier):
    """`inserted_if` on PostgreSQL, if the earlier part of the statement (a CTE) has a row, with
    the values bound as `bound_as_row_of` names them."""
    return inserted_if(postgresql, table, names, exists(earlier.select()), bound_as=partial(bound_name, table))


def one_statement_values(token, signature, unchanged_since):
    """What `one_statement` is run with."""
    return {
        "counted_campaign": signature["campaign_id"],
        **bound_as_row_of(SpentFormToken.__table__, {"nonce": token.nonce, "expires_at": token.expires_at}),
        **bound_as_row_of(Signature.__table__, signature),
        **(unchanged_since or {}),
    }


def bound_as_row_of(table, values):
    """Values for `row_inserted_if`, each named after its table as well as its column, so that two
    tables' columns of one name never take each other's value."""
    return {bound_name(table, name): value for name, value in values.items()}


def bound_name(table, column_name):
    return f"{table.name}.{column_name}"
