"""How actions are counted: each written down as uncounted when it is taken, added up now and then.

A campaign's count is its `counted_actions` plus its rows in `uncounted_actions`
(`Campaign.action_count`). Taking an action inserts one row there, in the action's own
transaction; no action updates the campaign's row, which every signer would otherwise wait for in
turn (docs/performance.md). One action in FOLD_ONE_IN first adds up its campaign's uncounted rows:
they are deleted and their number added to the row, in one transaction, so few are ever waiting
and reading a count costs the same with one signature or a million.
"""

import random

from sqlalchemy import bindparam
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select

from widget.storage.database import in_transaction
from widget.storage.driver import on_postgresql
from widget.storage.driver import run
from widget.storage.models import Campaign
from widget.storage.models import uncounted_actions

campaigns = Campaign.__table__
#: `Campaign.counted_actions`, whose column keeps its old name (see models.py).
counted = campaigns.c.action_count

#: The campaign an action is counted on, still live (on SQLite, the trigger behind
#: `signature_writes`, migrations 0008 and 0009, checks the same).
LIVE_CAMPAIGN = (campaigns.c.id == bindparam("counted_campaign"), campaigns.c.status == "live")
IS_LIVE = select(campaigns.c.id).where(*LIVE_CAMPAIGN)
#: One uncounted action, if the campaign is live and `added` is 1. A returned row says it was
#: written (psycopg reports rowcount -1 for an insert from a select).
COUNT_ACTION = uncounted_actions.insert().from_select(
    ["campaign_id"], select(campaigns.c.id).where(*LIVE_CAMPAIGN, bindparam("added") == 1),
).returning(uncounted_actions.c.campaign_id)


def count_actions(campaign_id, added, connection=None):
    """Count `added` (1, or 0 for a repeat) more actions on a live campaign, in the connection's
    transaction (else the session's). False if the campaign is no longer live (closed since it was
    read): the caller rolls back.

    The same statements run when adding 0, so a repeat takes as long as a first action.
    """
    connection = in_transaction(connection)
    fold_now_and_then(connection, campaign_id)
    values = {"counted_campaign": campaign_id, "added": added}
    counted = run(connection, COUNT_ACTION, values).fetchone() is not None
    live = run(connection, IS_LIVE, values).fetchone() is not None
    return counted if added else live


#: One action in this many first adds up its campaign's uncounted actions: 64 are waiting on
#: average on a busy campaign.
FOLD_ONE_IN = 64

#: A campaign's uncounted actions, deleted (on PostgreSQL, inside WITH, as `folded`).
DELETE_UNCOUNTED = uncounted_actions.delete().where(uncounted_actions.c.campaign_id == bindparam("counted_campaign"))
folded = DELETE_UNCOUNTED.returning(uncounted_actions.c.campaign_id).cte("folded")
#: PostgreSQL: the campaign's uncounted actions deleted and their number added to its row, in one
#: statement. A fold running at the same moment waits for the rows this one deletes, then finds
#: them gone: each action is added once.
FOLD_ON_POSTGRESQL = (
    campaigns.update()
    .where(campaigns.c.id == bindparam("counted_campaign"), exists(folded.select()))
    .values({counted: counted + select(func.count()).select_from(folded).scalar_subquery()})
)
#: SQLite, which has no deletes inside WITH: the same in two statements, in the writer's transaction.
FOLD_ON_SQLITE = (
    campaigns.update()
    .where(campaigns.c.id == bindparam("counted_campaign"))
    .values({counted: counted + select(func.count()).where(
        uncounted_actions.c.campaign_id == bindparam("counted_campaign")).scalar_subquery()}),
    DELETE_UNCOUNTED,
)


def fold_uncounted_actions(connection, campaign_id):
    """Add a campaign's uncounted actions to its `counted_actions`, in the connection's transaction
    (or, on a connection that commits each statement, in one statement of its own)."""
    values = {"counted_campaign": campaign_id}
    if on_postgresql(connection):
        run(connection, FOLD_ON_POSTGRESQL, values)
        return
    for statement in FOLD_ON_SQLITE:
        run(connection, statement, values)


def fold_now_and_then(connection, campaign_id):
    """Before an action is counted: one time in FOLD_ONE_IN, add up the campaign's uncounted
    actions. Before, not after: on a connection that commits each statement, a fold that failed
    after the action was stored would make it look as if nothing had been."""
    if random.randrange(FOLD_ONE_IN) == 0:  # a chance, not a secret: no system call needed
        fold_uncounted_actions(connection, campaign_id)
