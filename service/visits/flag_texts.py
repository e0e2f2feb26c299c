"""The one catalog of flag names and explanations, in Vietnamese and English: the supervisors' pages, the
report and the visits export all say a flag in these words.

Each code is one of `evidence_rules.FLAG_CODES`; tests/visits/test_flag_texts.py checks every code has its words.
"""

from __future__ import annotations

import re

from service.common.figures import distance, minutes, number


def _slot(detail: str | None) -> str:
    """The photo's number for people: the detail's slot "evidence_photos[0]: …" is photo 1."""
    slot = (detail or "").split(":")[0]
    found = re.fullmatch(r".*\[(\d+)\]", slot)
    return str(int(found[1]) + 1) if found else slot


FLAG_NAMES = {
    "gps.low_accuracy": ("GPS kém chính xác", "Poor GPS accuracy"),
    "gps.far_from_household": ("Xa vị trí hộ", "Far from the household"),
    "gps.impossible_travel": ("Di chuyển quá nhanh", "Impossible travel"),
    "gps.mock": ("Vị trí giả lập", "Mock location"),
    "photo.location_mismatch": ("Ảnh chụp ở nơi khác", "Photo taken elsewhere"),
    "photo.time_mismatch": ("Ảnh lệch giờ", "Photo time mismatch"),
    "photo.reused": ("Ảnh dùng lại", "Photo reused"),
    "form.answers_invalid": ("Câu trả lời sai quy tắc", "Answers break the form's rules"),
    "time.in_future": ("Giờ ở tương lai", "Time in the future"),
}


def flag_name(code: str, lang: str) -> str:
    names = FLAG_NAMES.get(code)
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
        return f"ảnh lệch giờ {minutes(value, lang)}" if vi else f"photo time off by {minutes(value, lang)}"
    if code == "photo.reused":
        return "ảnh đã dùng ở lượt thăm khác" if vi else "photo used in another visit"
    if code == "form.answers_invalid":
        count = int(value or 0)
        return f"{count} câu trả lời sai quy tắc" if vi else f"{count} answer(s) break the rules"
    if code == "time.in_future" and value is not None:
        hours = number(value, lang, 0)
        return f"đồng hồ nhanh {hours} giờ" if vi else f"dated {hours} h ahead"
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
            return f"Ảnh {_slot(detail)} chụp {'trước' if before else 'sau'} lượt thăm {minutes(value, lang)}."
        return f"Photo {_slot(detail)} was taken {minutes(value, lang)} {'before' if before else 'after'} the visit."
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
    if code == "time.in_future" and value is not None:
        hours = number(value, lang, 0)
        return (
            f"Thời điểm {detail or ''} muộn hơn lúc máy chủ nhận lượt thăm {hours} giờ: đồng hồ điện thoại sai."
            if vi
            else f"The visit's {detail or 'time'} is {hours} h later than when the server received it: the phone's "
            "clock is wrong."
        )
    return f"{code} {detail or ''}".strip()
