"""Area scoping for every domain: which rows of the area tree the caller may see.

Each area carries a materialized path of ancestor ids (`/1/7/42/`). A caller's scope is the subtree under
their scope root (`Actor.area_path`); admins (`area_path is None`) see everything. Out-of-scope objects must
answer 404, never 403, so that ids do not leak: filter queries with these clauses, or check a loaded row with
`Actor.require_in_scope(path)`.

    from service.auth.scope import area_path_filter, area_in_scope
    select(Visit).where(area_path_filter(col(Visit.area_path), actor))          # a column holding a path copy
    select(Household).where(area_in_scope(col(Household.area_id), actor))       # a column holding an area id
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlmodel import col

from service.areas.models import Area
from service.auth.actor import Actor


def path_prefix_filter(column: Any, path: str | None) -> ColumnElement[bool]:
    """`column` (a materialized area path) lies under `path`; None means no restriction."""
    if path is None:
        return true()
    # Paths hold only digits and slashes, so LIKE needs no escaping.
    return column.startswith(path, autoescape=False)


def area_path_filter(column: Any, actor: Actor) -> ColumnElement[bool]:
    """Clause for a column that stores an area path (e.g. `Visit.area_path`): true when the caller sees it."""
    return path_prefix_filter(column, None if actor.is_admin else _root(actor))


def area_in_scope(area_id_column: Any, actor: Actor, under_path: str | None = None) -> ColumnElement[bool]:
    """Clause for a column holding an area id (e.g. `Household.area_id`): the area lies in the caller's scope
    and, when `under_path` is given, under that area too (callers check `under_path` is itself in scope)."""
    path = under_path if under_path is not None else (None if actor.is_admin else _root(actor))
    if path is None:
        return true()
    return area_id_column.in_(select(col(Area.id)).where(path_prefix_filter(col(Area.path), path)))


def _root(actor: Actor) -> str:
    # A non-admin without a scope root sees nothing: an impossible prefix.
    return actor.area_path or "/-/"
