"""A cursor for the few hand-written queries that are run on every request of their kind."""

from __future__ import annotations

import functools

from django.db import connection


def prepared_cursor():
    """A cursor whose statements are prepared on PostgreSQL: planned once per connection, not
    on every run (for a query with several joins or subqueries, planning costs more than
    running it), with the server binding the parameters (psycopg's Cursor, which Django uses
    when `OPTIONS` has `server_side_binding`). Wrapped as connection.cursor() wraps its own,
    so its queries are logged and counted like any other. Elsewhere, or with
    DATABASE_PREPARED_STATEMENTS off (psycopg's prepare_threshold None: nothing is prepared),
    an ordinary cursor's behaviour."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    # What connection.cursor() does before it wraps the cursor it makes.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = _prepared_cursor_class()(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


@functools.cache
def _prepared_cursor_class():
    """psycopg's server-binding cursor as Django defines it, every statement prepared
    (imported when first needed: PostgreSQL only)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparedCursor
