"""The activity pages' own words (Vietnamese first), beside the pages' shared ones (service/pages/i18n.py)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "log": ("Hoạt động của tổ", "Team activities"),
    "new": ("Ghi hoạt động mới", "Record an activity"),
    "edit": ("Sửa hoạt động", "Edit the activity"),
    "kind": ("Loại hoạt động", "Kind"),
    "held_on": ("Ngày", "Date"),
    "area": ("Địa bàn", "Area"),
    "place": ("Địa điểm (lớp, hội nghị, điểm wifi)", "Place (class, conference, wifi point)"),
    "partner": ("Đơn vị phối hợp", "Partner organisation"),
    "topic": ("Nội dung", "Topic"),
    "attendees": ("Số người tham dự", "Attendees"),
    "channel": ("Kênh truyền thông", "Channel"),
    "quantity": ("Số lượt (phát loa, tin bài)", "How many (broadcasts, posts)"),
    "beneficiary_kind": ("Đối tượng lên sàn", "Who was onboarded"),
    "beneficiary": ("Tên hộ / doanh nghiệp", "Household or business name"),
    "platform": ("Sàn thương mại điện tử", "E-commerce platform"),
    "product": ("Sản phẩm", "Product"),
    "services": ("Số người được hỗ trợ theo dịch vụ (một cửa)", "People helped by service (one-stop office)"),
    "note": ("Ghi chú", "Note"),
    "save": ("Lưu", "Save"),
    "summary": ("Nội dung chính", "Details"),
    "people": ("Người", "People"),
    "export": ("Tải danh sách (CSV)", "Download the list (CSV)"),
    "report": ("Báo cáo", "Report"),
    "none": ("Chưa có hoạt động nào.", "No activity yet."),
    "more": ("Trang sau →", "Next page →"),
    "saved": ("Đã lưu hoạt động.", "The activity was saved."),
    "fix": ("Còn mục chưa đúng, xem chữ đỏ bên dưới.", "Some fields need fixing; see the red text below."),
    "all_kinds": ("Mọi loại", "Every kind"),
    "for_kinds": ("Dùng cho", "For"),
}


def words(lang: str) -> dict[str, str]:
    index = 0 if lang == "vi" else 1
    return {key: pair[index] for key, pair in WORDS.items()}
