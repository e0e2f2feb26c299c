"""Who is calling, and what part of the area tree they may see."""

from __future__ import annotations

from enum import StrEnum

import msgspec

from service import errors


class Role(StrEnum):
    MEMBER = "member"
    LEADER = "leader"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


FIELD_ROLES = frozenset({Role.MEMBER, Role.LEADER})


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    user_id: int
    username: str
    full_name: str
    role: Role
    team_id: int | None
    area_id: int | None
    # Materialized path of the scope root (`/1/7/42/`); None for admins, who see everything.
    area_path: str | None
    via: str  # "device" | "session"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def sees_path(self, path: str | None) -> bool:
        if self.is_admin:
            return True
        if path is None or self.area_path is None:
            return False
        return path.startswith(self.area_path)

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles and not self.is_admin:
            raise errors.DomainError(errors.FORBIDDEN)

    def require_in_scope(self, path: str | None) -> None:
        """Out-of-scope objects answer 404 so that ids do not leak."""
        if not self.sees_path(path):
            raise errors.DomainError(errors.NOT_FOUND)
