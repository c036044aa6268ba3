"""Alembic's environment: migrate the database the Flask app is configured with."""

from alembic import context

import widget.storage.models  # noqa: F401 - registers every table on the metadata
from widget.extensions import db


def run_migrations_online():
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            compare_type=True,
            # SQLite cannot alter most constraints in place; batch mode copies the table instead.
            # A copy of campaigns, partners, signatures or spent_form_tokens must drop the
            # trigger of migration 0008 first and make it again after (see that migration).
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline():
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
