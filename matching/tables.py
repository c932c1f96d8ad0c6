"""Tables a full rematch writes anew on PostgreSQL, beside the ones they replace.

Rows copied into a table keep each of its indexes up to date one row at a
time, and that was most of a rematch's writing: 966,868 match rows took
13.2 s to COPY into the match table with its eight indexes, 1.2 s into a
table with none, and 2.1 s more to build the indexes once they were all in
(30,000 units, docs/performance.md). So a full rematch writes into a fresh
table with the old one's columns, defaults and checks, builds the old one's
indexes on it when every row is in, analyses it, and swaps it in: pages read
the old table until the rematch commits, and the new one has no dead rows.

Only a table whose shape LIKE copies whole is swapped (refuse()): no foreign
keys, views, triggers, row security, exclusion or deferrable constraints.
"""

import time

from django.db import OperationalError, connection, transaction

# The old tables are locked for the swap in tries this long, a pause between
# them: a transaction that holds one (a long page, a backup) then holds up
# neither the rematch forever nor, meanwhile, the pages queued behind the lock.
# Shorter than PostgreSQL's deadlock_timeout (1 s): a try that would deadlock
# gives up first, and the rematch is not the one cancelled.
LOCK_TRY = "500ms"
LOCK_PAUSE = 2.0  # seconds
LOCK_TRIES = 60  # then it waits as long as it takes


def swap(*fresh):
    """Swap these Fresh tables in (None: skipped). Their indexes are built and
    their statistics gathered first; then the old tables are locked together,
    the rows they keep copied across (writes to them meanwhile are not lost),
    and replaced."""
    fresh = [f for f in fresh if f is not None]
    built = [f.build() for f in fresh]
    _lock(f.table for f in fresh)
    for table, indexes in zip(fresh, built, strict=True):
        table.carry()
        table.replace(indexes)


def _lock(tables):
    statement = f"LOCK TABLE {', '.join(map(_quoted, tables))} IN ACCESS EXCLUSIVE MODE"
    for _ in range(LOCK_TRIES):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TRY}'")
                cursor.execute(statement)
                cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
            return
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
                raise
        time.sleep(LOCK_PAUSE)
    with connection.cursor() as cursor:
        cursor.execute(statement)


def refuse(table):
    """Raise ValueError if ``table`` has what a fresh copy would not (foreign keys
    either way, views on it, triggers, row security, exclusion or deferrable
    constraints): the swap would lose it, or fail at its very end."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT
              (SELECT count(*) FROM pg_constraint
                WHERE (conrelid = %(t)s::regclass AND (contype IN ('f', 'x') OR condeferrable))
                   OR confrelid = %(t)s::regclass),
              (SELECT count(*) FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
                WHERE d.refobjid = %(t)s::regclass AND d.classid = 'pg_rewrite'::regclass),
              (SELECT count(*) FROM pg_trigger
                WHERE tgrelid = %(t)s::regclass AND NOT tgisinternal),
              (SELECT relrowsecurity FROM pg_class WHERE oid = %(t)s::regclass)
            """,
            {"t": table},
        )
        keys, views, triggers, secured = cursor.fetchone()
    if keys or views or triggers or secured:
        raise ValueError(
            f"{table} has foreign keys, views, triggers, row security or constraints "
            "a copy would lose: it cannot be swapped"
        )


class Fresh:
    """A fresh copy of ``table``'s shape, in the current transaction. It gets the
    old rows ``keep`` selects (an SQL condition and its parameters) when it is
    swapped in (swap()). PostgreSQL only."""

    def __init__(self, table, keep=None):
        refuse(table)
        self.table, self.name, self.keep = table, f"{table}_fresh", keep
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {_quoted(self.name)} (LIKE {_quoted(table)} "
                "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
            )
            # Ids go on from the old table's: a page links to a match by its id,
            # and a link from before the rematch must not name another match.
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            following = int(cursor.fetchone()[0])
            cursor.execute(
                f"ALTER TABLE {_quoted(self.name)} ALTER COLUMN id RESTART WITH {following}"
            )

    def build(self):
        """Build the old table's indexes on this one, under temporary names, and
        analyse it (its statistics go with it through the rename); what
        replace() takes."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid), c.conname, c.contype "
                "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid "
                "AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u') "
                "WHERE x.indrelid = %s::regclass ORDER BY i.relname",
                [self.table],
            )
            indexes = cursor.fetchall()
            built = []
            for n, (name, definition, constraint, kind) in enumerate(indexes):
                # «CREATE [UNIQUE] INDEX name ON schema.table USING …»
                create, rest = definition.split(" INDEX ", 1)[0], definition.split(" USING ", 1)[1]
                temporary = f"{self.name}_{n}"
                cursor.execute(
                    f"{create} INDEX {_quoted(temporary)} ON {_quoted(self.name)} USING {rest}"
                )
                built.append((name, temporary, constraint, kind))
            cursor.execute(f"ANALYZE {_quoted(self.name)}")
        return built

    def carry(self):
        """Copy across the old rows it keeps (the old table locked already)."""
        if not self.keep:
            return
        condition, params = self.keep
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_quoted(self.name)} SELECT * FROM {_quoted(self.table)} "
                f"WHERE {condition}",
                params,
            )

    def replace(self, built):
        """Drop the old table and give this one its name, its indexes' names and
        its constraints'."""
        table = _quoted(self.table)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.name])
            (sequence,) = cursor.fetchone()  # quoted as needed already
            cursor.execute(f"DROP TABLE {table}")
            cursor.execute(f"ALTER TABLE {_quoted(self.name)} RENAME TO {table}")
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_quoted(f'{self.table}_id_seq')}")
            for name, temporary, constraint, kind in built:
                if constraint:
                    key = "PRIMARY KEY" if kind == "p" else "UNIQUE"
                    cursor.execute(
                        f"ALTER TABLE {table} ADD CONSTRAINT {_quoted(constraint)} {key} "
                        f"USING INDEX {_quoted(temporary)}"
                    )
                else:
                    cursor.execute(f"ALTER INDEX {_quoted(temporary)} RENAME TO {_quoted(name)}")


def _quoted(name):
    return connection.ops.quote_name(name)
