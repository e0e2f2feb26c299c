"""Figures in words for people: flags, distances, directions, times, in Vietnamese or English."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7))


def number(value: float, lang: str, decimals: int = 1) -> str:
    """1,2 / 1.250 in Vietnamese; 1.2 / 1,250 in English; no trailing ",0"."""
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def distance(metres: float, lang: str) -> str:
    if metres >= 1000:
        return f"{number(metres / 1000, lang)} km"
    return f"{number(metres, lang, 0)} m"


_COMPASS = {
    "vi": ["Bắc", "Đông Bắc", "Đông", "Đông Nam", "Nam", "Tây Nam", "Tây", "Tây Bắc"],
    "en": ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"],
}


def bearing_deg(origin: tuple[float, float], target: tuple[float, float]) -> float:
    """Initial bearing from origin to target, degrees clockwise from north."""
    lat1, lat2 = math.radians(origin[0]), math.radians(target[0])
    dlon = math.radians(target[1] - origin[1])
    x = math.sin(dlon) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def compass(degrees: float, lang: str) -> str:
    return _COMPASS[lang][int((degrees + 22.5) // 45) % 8]


def local_time(moment: datetime | None, lang: str = "vi") -> str:
    if moment is None:
        return "—"
    here = moment.astimezone(VIETNAM)
    return here.strftime("%d/%m/%Y %H:%M") if lang == "vi" else here.strftime("%Y-%m-%d %H:%M")


def _slot(detail: str | None) -> str:
    return (detail or "").split(":")[0]


_FLAG_NAMES = {
    "gps.low_accuracy": ("GPS kém chính xác", "Poor GPS accuracy"),
    "gps.far_from_household": ("Xa vị trí hộ", "Far from the household"),
    "gps.impossible_travel": ("Di chuyển quá nhanh", "Impossible travel"),
    "gps.mock": ("Vị trí giả lập", "Mock location"),
    "photo.location_mismatch": ("Ảnh chụp ở nơi khác", "Photo taken elsewhere"),
    "photo.time_mismatch": ("Ảnh lệch giờ", "Photo time mismatch"),
    "photo.reused": ("Ảnh dùng lại", "Photo reused"),
    "form.answers_invalid": ("Câu trả lời sai quy tắc", "Answers break the form's rules"),
}


def flag_name(code: str, lang: str) -> str:
    names = _FLAG_NAMES.get(code)
    return (names[0] if lang == "vi" else names[1]) if names else code


def flag_badge(code: str, value: float | None, lang: str) -> str:
    """The short text on a badge: what is wrong, with its figure."""
    vi = lang == "vi"
    if code == "gps.far_from_household" and value is not None:
        return f"cách hộ {distance(value, lang)}" if vi else f"{distance(value, lang)} from the household"
    if code == "gps.low_accuracy" and value is not None:
        return f"GPS sai số {distance(value, lang)}" if vi else f"GPS accuracy {distance(value, lang)}"
    if code == "gps.impossible_travel" and value is not None:
        speed = number(value, lang, 0)
        return f"di chuyển {speed} km/h" if vi else f"moved at {speed} km/h"
    if code == "gps.mock":
        return "vị trí giả lập" if vi else "mock location"
    if code == "photo.location_mismatch" and value is not None:
        return f"ảnh chụp cách {distance(value, lang)}" if vi else f"photo taken {distance(value, lang)} away"
    if code == "photo.time_mismatch" and value is not None:
        return f"ảnh lệch giờ {_minutes(value, lang)}" if vi else f"photo time off by {_minutes(value, lang)}"
    if code == "photo.reused":
        return "ảnh đã dùng ở lượt thăm khác" if vi else "photo used in another visit"
    if code == "form.answers_invalid":
        count = int(value or 0)
        return f"{count} câu trả lời sai quy tắc" if vi else f"{count} answer(s) break the rules"
    return code


def flag_explanation(code: str, value: float | None, detail: str | None, lang: str) -> str:
    """A sentence saying what the check saw and why it is worth a look."""
    vi = lang == "vi"
    if code == "gps.far_from_household" and value is not None:
        return (
            f"Vị trí GPS lúc thăm cách vị trí đã biết của hộ {distance(value, lang)}: có thể không thăm tại nhà."
            if vi
            else f"The visit's GPS position is {distance(value, lang)} from the household's known "
            "location: the visit may not have happened at the house."
        )
    if code == "gps.low_accuracy" and value is not None:
        return (
            f"Điện thoại báo sai số GPS {distance(value, lang)}, lớn hơn ngưỡng của biểu mẫu: vị trí không chắc."
            if vi
            else f"The phone reported a GPS accuracy of {distance(value, lang)}, worse than the form's "
            "threshold: the position is uncertain."
        )
    if code == "gps.impossible_travel" and value is not None:
        speed = number(value, lang, 0)
        return (
            f"Từ lượt thăm trước đến lượt này phải đi {speed} km/h: không thể đi nhanh như vậy giữa hai nhà."
            if vi
            else f"Getting here from the member's previous visit needs {speed} km/h: too fast to be real."
        )
    if code == "gps.mock":
        return (
            "Điện thoại báo vị trí đến từ ứng dụng giả lập vị trí."
            if vi
            else "The phone reported the position as coming from a mock-location app."
        )
    if code == "photo.location_mismatch" and value is not None:
        return (
            f"Ảnh {_slot(detail)} có vị trí chụp cách nơi thăm {distance(value, lang)}."
            if vi
            else f"Photo {_slot(detail)} was taken {distance(value, lang)} from where the visit was recorded."
        )
    if code == "photo.time_mismatch" and value is not None:
        before = "before" in (detail or "")
        if vi:
            return f"Ảnh {_slot(detail)} chụp {'trước' if before else 'sau'} lượt thăm {_minutes(value, lang)}."
        return f"Photo {_slot(detail)} was taken {_minutes(value, lang)} {'before' if before else 'after'} the visit."
    if code == "photo.reused":
        count = int(value or 0)
        return (
            f"Ảnh {_slot(detail)} đã dùng ở lượt thăm khác ({count} hộ khác)."
            if vi
            else f"Photo {_slot(detail)} was already used in a visit to {count} other household(s)."
        )
    if code == "form.answers_invalid":
        return (
            f"Phiếu gửi từ ODK có câu trả lời sai quy tắc của biểu mẫu (đã lưu để không mất dữ liệu): {detail or ''}"
            if vi
            else f"This ODK submission has answers that break the form's rules (kept, nothing lost): {detail or ''}"
        )
    return f"{code} {detail or ''}".strip()


def _minutes(value: float, lang: str) -> str:
    if value >= 90:
        hours = number(value / 60, lang)
        return f"{hours} giờ" if lang == "vi" else f"{hours} h"
    return f"{number(value, lang, 0)} phút" if lang == "vi" else f"{number(value, lang, 0)} min"
