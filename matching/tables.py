"""Tables a full rematch writes anew on PostgreSQL, beside the ones they replace.

Rows copied into a table keep each of its indexes up to date one row at a
time, and that was most of a rematch's writing: 966,868 match rows took
13.2 s to COPY into the match table with its eight indexes, 1.2 s into a
table with none, and 2.1 s more to build the indexes once they were all in
(30,000 units, docs/performance.md). So a full rematch writes into a fresh
table with the old one's columns, defaults and checks, builds the old one's
indexes on it when every row is in, and swaps it in: pages read the old table
until the rematch commits, and the new one has no dead rows.
"""

import re

from django.db import connection


def swap(*fresh):
    """Swap these Fresh tables in (None: skipped). Their indexes are built
    first; then the old tables are locked at once and replaced: a reader that
    holds one of them while it waits for another (the admin's need page reads
    matches and need terms) would otherwise deadlock with the swap."""
    fresh = [f for f in fresh if f is not None]
    built = [f.build() for f in fresh]
    with connection.cursor() as cursor:
        tables = ", ".join(f.table for f in fresh)
        cursor.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
    for table, indexes in zip(fresh, built, strict=True):
        table.replace(indexes)


_INDEX = re.compile(r"(CREATE (?:UNIQUE )?INDEX) (\S+) ON (\S+) (USING .+)", re.DOTALL)


class Fresh:
    """A fresh copy of ``table``'s shape, in the current transaction, holding the
    old rows ``keep`` selects (an SQL condition and its parameters); swap()
    puts it in the old one's place. PostgreSQL only."""

    def __init__(self, table, keep=None):
        self.table, self.name = table, f"{table}_fresh"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                "AND (conrelid = %s::regclass OR confrelid = %s::regclass)",
                [table, table],
            )
            if cursor.fetchone()[0]:
                # LIKE copies no foreign key, and the drop would take others' with it.
                raise ValueError(f"{table} has foreign keys: it cannot be swapped")
            cursor.execute(
                f"CREATE TABLE {self.name} (LIKE {table} "
                "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
            )
            # Ids go on from the old table's: a page links to a match by its id,
            # and a link from before the rematch must not name another match.
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            following = int(cursor.fetchone()[0])
            cursor.execute(f"ALTER TABLE {self.name} ALTER COLUMN id RESTART WITH {following}")
            if keep:
                condition, params = keep
                cursor.execute(
                    f"INSERT INTO {self.name} SELECT * FROM {table} WHERE {condition}", params
                )

    def build(self):
        """Build the old table's indexes on this one, under temporary names; what
        replace() takes."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s ORDER BY indexname",
                [self.table],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, c.conname, c.contype FROM pg_constraint c "
                "JOIN pg_class i ON i.oid = c.conindid "
                "WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u')",
                [self.table],
            )
            constraints = {index: (name, kind) for index, name, kind in cursor.fetchall()}
            built = []
            for n, (name, definition) in enumerate(indexes):
                create, _name, _table, rest = _INDEX.fullmatch(definition).groups()
                temporary = f"{self.name}_{n}"
                cursor.execute(f"{create} {temporary} ON {self.name} {rest}")
                built.append((name, temporary, constraints.get(name)))
        return built

    def replace(self, built):
        """Drop the old table and give this one its name, its indexes' names and
        its constraints' (the old table is locked only for these renames)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.name])
            (sequence,) = cursor.fetchone()
            cursor.execute(f"DROP TABLE {self.table}")
            cursor.execute(f"ALTER TABLE {self.name} RENAME TO {self.table}")
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {self.table}_id_seq")
            for name, temporary, constraint in built:
                if constraint:
                    constraint, kind = constraint
                    key = "PRIMARY KEY" if kind == "p" else "UNIQUE"
                    cursor.execute(
                        f"ALTER TABLE {self.table} ADD CONSTRAINT {constraint} {key} "
                        f"USING INDEX {temporary}"
                    )
                else:
                    cursor.execute(f"ALTER INDEX {temporary} RENAME TO {name}")
