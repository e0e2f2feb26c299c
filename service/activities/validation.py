"""What each kind of activity must say, checked in one place for the phone, the pages and the edit: every problem
is listed under its field, and nothing is written unless all are fixed."""

from __future__ import annotations

from typing import Any

from service import errors
from service.activities import catalog
from service.activities.schemas import _ActivityFields

# Fields each kind needs (the district report's columns), and the fields that mean something for it.
REQUIRED: dict[str, tuple[str, ...]] = {
    "training": ("topic", "attendees"),
    "conference": ("topic",),
    "guidance": ("topic",),
    "communication": ("channel",),
    "wifi_point": ("place",),
    "ecommerce": ("beneficiary_kind", "beneficiary", "platform", "product"),
    "one_stop_help": ("services",),
}
COMMON = ("place", "note", "lat", "lon")
ALLOWED: dict[str, tuple[str, ...]] = {
    "training": (*COMMON, "partner", "topic", "attendees"),
    "conference": (*COMMON, "partner", "topic", "attendees"),
    "guidance": (*COMMON, "partner", "topic", "attendees"),
    "communication": (*COMMON, "channel", "quantity", "topic"),
    "wifi_point": COMMON,
    "ecommerce": (*COMMON, "beneficiary_kind", "beneficiary", "platform", "product", "partner"),
    "one_stop_help": (*COMMON, "services"),
}
TEXT_FIELDS = ("place", "partner", "topic", "beneficiary", "platform", "product", "note")


def _problem(field: str, vi: str, en: str) -> dict[str, str]:
    return {"path": field, "code": "activity.invalid", "message_vi": vi, "message_en": en}


def columns(body: _ActivityFields) -> dict[str, Any]:
    """The row's columns for `body`, or ACTIVITY_INVALID listing every problem."""
    problems: list[dict[str, str]] = []
    kind = body.kind
    if kind not in catalog.KINDS:
        raise errors.DomainError(
            errors.ACTIVITY_INVALID,
            errors=[
                _problem(
                    "kind", "Loại hoạt động không có trong danh mục.", f"Unknown kind; one of {list(catalog.KINDS)}."
                )
            ],
        )
    values: dict[str, Any] = {}
    for field in ALLOWED[kind]:
        value = getattr(body, field)
        if isinstance(value, str):
            value = " ".join(value.split()) or None  # one line, no stray spaces: it is grouped on
        values[field] = value
    if values.get("platform"):
        values["platform"] = values["platform"].lower()
    problems += [
        _problem(field, "Cần điền mục này.", "This field is required for this kind.")
        for field in REQUIRED[kind]
        if values.get(field) in (None, {})
    ]
    if kind == "communication" and values.get("channel") and values["channel"] not in catalog.CHANNELS:
        problems.append(_problem("channel", "Kênh truyền thông không có trong danh mục.", "Unknown channel."))
    if (
        kind == "ecommerce"
        and values.get("beneficiary_kind")
        and values["beneficiary_kind"] not in catalog.BENEFICIARIES
    ):
        problems.append(_problem("beneficiary_kind", "Chọn hộ gia đình hoặc doanh nghiệp.", "Household or business."))
    services = values.get("services")
    if services:
        unknown = sorted(set(services) - set(catalog.SERVICES))
        if unknown:
            problems.append(
                _problem("services", f"Dịch vụ không có trong danh mục: {unknown}.", f"Unknown services: {unknown}.")
            )
        elif sum(services.values()) == 0:
            problems.append(_problem("services", "Cần ít nhất một người được hỗ trợ.", "At least one person helped."))
    if (values.get("lat") is None) != (values.get("lon") is None):
        problems.append(_problem("lat", "Cần cả vĩ độ và kinh độ.", "Send both lat and lon, or neither."))
    if problems:
        raise errors.DomainError(errors.ACTIVITY_INVALID, errors=problems)
    full: dict[str, Any] = {field: None for fields in ALLOWED.values() for field in fields}
    full.update(values)
    full["kind"] = kind
    full["held_on"] = body.held_on
    if kind == "communication" and full["quantity"] is None:
        full["quantity"] = 1
    full["people_helped"] = sum(services.values()) if services else None
    return full
