"""Import every context's tables so that metadata (Alembic, tests) sees all of them."""


def load_all() -> None:
    import haihe.fairs.models  # noqa: F401
    import haihe.projects.models  # noqa: F401
    import haihe.registry.models  # noqa: F401
    import haihe.registry.search_index  # noqa: F401  (its ORM event)
