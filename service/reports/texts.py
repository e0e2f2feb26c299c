"""The report's words in Vietnamese and English (the page's language switch)."""

from __future__ import annotations

FLAG_NAMES = {
    "gps.low_accuracy": ("GPS kém chính xác", "Low GPS accuracy"),
    "gps.far_from_household": ("Xa vị trí hộ", "Far from the household"),
    "gps.impossible_travel": ("Di chuyển bất thường", "Impossible travel"),
    "gps.mock": ("Vị trí giả lập", "Mock location"),
    "photo.location_mismatch": ("Ảnh sai vị trí", "Photo taken elsewhere"),
    "photo.time_mismatch": ("Ảnh sai thời gian", "Photo taken at another time"),
    "photo.reused": ("Ảnh dùng lại", "Photo reused"),
}


def flag_name(code: str, lang: str) -> str:
    names = FLAG_NAMES.get(code)
    return code if names is None else names[0 if lang == "vi" else 1]


TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "BÁO CÁO", "subtitle": "Tình hình hoạt động của Tổ công nghệ số cộng đồng",
        "period": "Kỳ báo cáo", "all_time": "từ đầu đến nay", "from": "từ ngày", "to": "đến ngày",
        "generated": "Số liệu lấy từ hệ thống Gõ Cửa lúc", "form": "Phiếu đánh giá",
        "s1": "I. KẾT QUẢ THỰC HIỆN", "s1_1": "1. Thực trạng Tổ công nghệ số cộng đồng",
        "teams_sentence": "Trên địa bàn có {teams} Tổ công nghệ số cộng đồng với {members} thành viên; "
                          "{active} thành viên đã đi thăm hộ trong kỳ ({active_share}).",
        "s1_2": "2. Kết quả thăm hộ, hướng dẫn người dân",
        "households_sentence": "Các tổ đã đến {visited}/{total} hộ gia đình (đạt {coverage}); "
                               "{visits} phiếu thăm hộ: {approved} đã duyệt, {unreviewed} chưa duyệt, "
                               "{rejected} bị trả lại.",
        "coverage_by_area": "Độ bao phủ theo địa bàn", "s1_3": "3. Mức kỹ năng số của hộ gia đình",
        "s1_4": "4. Tỷ lệ theo từng chỉ tiêu", "s1_5": "5. Nhóm khó tiếp cận",
        "s2": "II. ĐÁNH GIÁ CHUNG", "s2_1": "Khó khăn, vướng mắc: cảnh báo chưa xử lý",
        "no_flags": "Không có cảnh báo nào chưa xử lý.",
        "lowest": "Địa bàn có độ bao phủ thấp nhất", "chart_coverage": "Độ bao phủ hộ gia đình theo địa bàn",
        "chart_levels": "Phân bố hộ theo mức kỹ năng số", "unscored": "Chưa xếp mức",
        "col_code": "Mã", "col_area": "Địa bàn", "col_teams": "Số tổ", "col_members": "Thành viên",
        "col_active": "Thành viên hoạt động", "col_households": "Số hộ", "col_visited": "Đã thăm",
        "col_coverage": "Tỷ lệ bao phủ", "col_level": "Mức", "col_name": "Tên mức", "col_share": "Tỷ lệ",
        "col_indicator": "Chỉ tiêu", "col_numerator": "Số hộ đạt", "col_denominator": "Số hộ được đánh giá",
        "col_rate": "Tỷ lệ", "col_group": "Nhóm", "col_flag": "Loại cảnh báo", "col_count": "Số lượng",
        "total": "Tổng cộng", "elderly_only": "Hộ chỉ có người cao tuổi", "temporary": "Người tạm trú",
        "no_smartphone": "Hộ chưa có điện thoại thông minh (trong số hộ đã đánh giá)",
        "members_no_phone": "Thành viên tổ chưa có điện thoại thông minh",
        "sheet_coverage": "Bao phủ", "sheet_levels": "Mức kỹ năng", "sheet_indicators": "Chỉ tiêu",
        "sheet_hard": "Khó tiếp cận", "sheet_flags": "Cảnh báo", "download": "Tải về Excel (XLSX)",
        "print": "In báo cáo", "switch": "English", "assessed": "hộ đã được đánh giá",
    },
    "en": {
        "title": "REPORT", "subtitle": "Activity of the Community Digital Technology Teams",
        "period": "Period", "all_time": "all time", "from": "from", "to": "to",
        "generated": "Figures taken from Gõ Cửa at", "form": "Assessment form",
        "s1": "I. RESULTS", "s1_1": "1. The Community Digital Technology Teams",
        "teams_sentence": "The area has {teams} Community Digital Technology Teams with {members} members; "
                          "{active} members visited households in the period ({active_share}).",
        "s1_2": "2. Households visited and guided",
        "households_sentence": "The teams reached {visited}/{total} households ({coverage}); {visits} visits: "
                               "{approved} approved, {unreviewed} not yet reviewed, {rejected} sent back.",
        "coverage_by_area": "Coverage by area", "s1_3": "3. Households' digital-skill levels",
        "s1_4": "4. Rate of each indicator", "s1_5": "5. The hard to reach",
        "s2": "II. ASSESSMENT", "s2_1": "Difficulties: open flags", "no_flags": "No open flags.",
        "lowest": "Areas with the lowest coverage", "chart_coverage": "Household coverage by area",
        "chart_levels": "Households by digital-skill level", "unscored": "No level",
        "col_code": "Code", "col_area": "Area", "col_teams": "Teams", "col_members": "Members",
        "col_active": "Active members", "col_households": "Households", "col_visited": "Visited",
        "col_coverage": "Coverage", "col_level": "Level", "col_name": "Name", "col_share": "Share",
        "col_indicator": "Indicator", "col_numerator": "Households meeting it",
        "col_denominator": "Households assessed", "col_rate": "Rate", "col_group": "Group",
        "col_flag": "Flag", "col_count": "Count", "total": "Total", "elderly_only": "Elderly-only households",
        "temporary": "Temporary residents",
        "no_smartphone": "Households without a smartphone (of those assessed)",
        "members_no_phone": "Team members without a smartphone",
        "sheet_coverage": "Coverage", "sheet_levels": "Levels", "sheet_indicators": "Indicators",
        "sheet_hard": "Hard to reach", "sheet_flags": "Flags", "download": "Download as Excel (XLSX)",
        "print": "Print", "switch": "Tiếng Việt", "assessed": "households assessed",
    },
}
