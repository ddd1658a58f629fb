"""Alembic environment: the engine comes from haihe.core.db (never from an ini file)."""

from alembic import context

from haihe.core.db import Base, get_engine, include_object
from haihe.models import load_all

load_all()
config = context.config
engine = config.attributes.get("engine") or get_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
