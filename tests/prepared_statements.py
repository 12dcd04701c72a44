"""Prepared statements on PostgreSQL (elearn.db.prepared_cursor), as the server lists them."""

import pytest
from django.db import connection

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def prepared_statements(like: str) -> tuple[int, int]:
    """The statements prepared on this connection whose text is LIKE `like`, and how often
    they ran."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(sum(generic_plans + custom_plans), 0) "
            "FROM pg_prepared_statements WHERE statement LIKE %s",
            [like],
        )
        return tuple(cursor.fetchone())
