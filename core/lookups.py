"""``column = ANY(array)``, for id lists and id subqueries PostgreSQL should treat as one value."""

from __future__ import annotations

from typing import Any

from django.db.models import Lookup


class AnyOf(Lookup):  # type: ignore[type-arg]
    """``AnyOf(F("task_id"), ArraySubquery(...))`` or ``AnyOf(F("pk"), [1, 2, 3])``: ``lhs = ANY(rhs)``.

    Two uses, both about plans and cost:

    - A list of thousands of ids as one array parameter: ``pk__in=[...]``
      spells out one placeholder per id, and Django and the driver prepare
      each (for 5,000 ids that cost more than the query).
    - ``x = ANY(ARRAY(subquery))`` beside an OR: the subquery runs once, and
      PostgreSQL can OR two index scans (``x IN (subquery)`` in an OR, or an
      OR across a join, reads the whole table instead).
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        if hasattr(self.rhs, "as_sql"):
            rhs, rhs_params = self.process_rhs(compiler, connection)
            return f"{lhs} = ANY({rhs})", [*params, *rhs_params]
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]
