"""The schema comes from migrations only, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from haihe.core.db import Base, current_revision, include_object, upgrade
from haihe.models import load_all


def test_upgrade_from_empty_gives_every_table_and_no_difference_from_the_models(engine):
    load_all()
    upgrade(engine)  # a second upgrade is a no-op
    assert current_revision(engine) is not None
    tables = set(inspect(engine).get_table_names())
    assert {"organisations", "parks", "organisation_industries"} <= tables
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], diff
