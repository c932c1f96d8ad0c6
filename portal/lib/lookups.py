"""``field__among=[ids]``: one of these integers (or strings), sent to PostgreSQL as
one array.

Django's ``__in`` sends every value as a parameter of its own: a recompute that
asks for the fairs, places or dismissed pairs of 8,000 needs spent 55–115 ms
composing, sending and planning the list at 30k units. ``= ANY(%s)`` is one
parameter and one plan. Elsewhere (SQLite) it is ``IN`` as before.

Registered on every field (portal/apps.py), foreign keys included.
"""

from django.db.models import Field, ForeignObject, Lookup


class Among(Lookup):
    lookup_name = "among"
    prepare_rhs = False  # a list of ints or strings, not one value of the field

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # As the field takes them: an id that is not a number is refused.
        values = [self.lhs.output_field.get_prep_value(v) for v in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        marks = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({marks})", [*lhs_params, *values]


def register():
    Field.register_lookup(Among)
    ForeignObject.register_lookup(Among)  # relations keep lookups of their own
