"""The activity log's closed vocabularies, with their Vietnamese and English names: one definition each, used by
the API's validation, the CSV export, the pages, the phone app (served as JSON) and the report's sentences."""

from __future__ import annotations

# Kinds of team activity, in the order the district report lists them (I.2.a, then I.2.b, then I.2.c).
KINDS: dict[str, tuple[str, str]] = {
    "training": ("Lớp tập huấn", "Training class"),
    "conference": ("Hội nghị", "Conference"),
    "guidance": ("Buổi hướng dẫn", "Guidance session"),
    "communication": ("Truyền thông", "Communication"),
    "wifi_point": ("Điểm wifi công cộng", "Public wifi point"),
    "ecommerce": ("Đưa lên sàn thương mại điện tử", "E-commerce onboarding"),
    "one_stop_help": ("Hỗ trợ tại bộ phận một cửa", "Help at the one-stop office"),
}

# Communication channels: a Zalo group created, a loudspeaker broadcast, posts (news items, articles).
CHANNELS: dict[str, tuple[str, str]] = {
    "zalo_group": ("Nhóm Zalo", "Zalo group"),
    "loudspeaker": ("Loa truyền thanh", "Loudspeaker broadcast"),
    "post": ("Tin, bài", "Posts"),
}

# Who was put on an e-commerce platform.
BENEFICIARIES: dict[str, tuple[str, str]] = {
    "household": ("Hộ gia đình", "Household"),
    "business": ("Doanh nghiệp, hợp tác xã", "Business or cooperative"),
}

# Services people were helped with at the one-stop office (and the report's I.2.c).
SERVICES: dict[str, tuple[str, str]] = {
    "public_services": ("Dịch vụ công trực tuyến", "Online public services"),
    "vneid": ("Định danh điện tử VNeID", "VNeID electronic identity"),
    "cashless": ("Thanh toán không dùng tiền mặt", "Cashless payment"),
    "health_book": ("Sổ sức khỏe điện tử", "E-health book"),
    "school_apps": ("Ứng dụng trường học (vnEdu)", "School apps (vnEdu)"),
    "email": ("Tạo thư điện tử", "Creating an email address"),
    "other": ("Khác", "Other"),
}


def name(catalog: dict[str, tuple[str, str]], code: str | None, lang: str) -> str:
    if code is None:
        return ""
    names = catalog.get(code)
    return code if names is None else names[0 if lang == "vi" else 1]


def as_json() -> dict[str, dict[str, dict[str, str]]]:
    """The vocabularies for the pages' and the app's pickers."""
    catalogs = {"kinds": KINDS, "channels": CHANNELS, "beneficiaries": BENEFICIARIES, "services": SERVICES}
    return {
        key: {code: {"vi": vi, "en": en} for code, (vi, en) in catalog.items()} for key, catalog in catalogs.items()
    }
