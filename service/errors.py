"""The one catalog of domain errors. Services raise these; one handler turns them into RFC 9457 problems."""

from __future__ import annotations

from typing import Any

import msgspec


class ErrorKind(msgspec.Struct, frozen=True):
    code: str
    status: int
    title_vi: str
    title_en: str


class DomainError(Exception):
    """Raised by services. `errors` lists per-field problems (each a dict or Struct with its own code)."""

    def __init__(
        self,
        kind: ErrorKind,
        detail_vi: str | None = None,
        detail_en: str | None = None,
        *,
        errors: list[Any] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(f"{kind.code}: {detail_en or kind.title_en}")
        self.kind = kind
        self.detail_vi = detail_vi or kind.title_vi
        self.detail_en = detail_en or kind.title_en
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


def question_problem(question: str, code: str, vi: str, en: str) -> dict[str, str]:
    """One entry of a problem's `errors`: what is wrong with the answer to one question, in both languages."""
    return {"question": question, "code": code, "message_vi": vi, "message_en": en}


def _kind(code: str, status: int, vi: str, en: str) -> ErrorKind:
    # Declared once, here, at import: the catalog is closed, so a client can rely on every code it may see.
    if code in CATALOG:
        raise ValueError(f"error code {code!r} declared twice")
    kind = ErrorKind(code, status, vi, en)
    CATALOG[code] = kind
    return kind


CATALOG: dict[str, ErrorKind] = {}

# Requests in general
BAD_REQUEST = _kind("request.invalid", 400, "Yêu cầu không hợp lệ.", "The request is not valid.")
BAD_BODY = _kind(
    "request.invalid_body", 400, "Nội dung gửi lên không đúng định dạng.", "The request body is malformed."
)
BAD_QUERY = _kind("request.invalid_parameter", 400, "Tham số không hợp lệ.", "A request parameter is not valid.")
BAD_CURSOR = _kind("request.invalid_cursor", 400, "Con trỏ phân trang không hợp lệ.", "The paging cursor is not valid.")
ROUTE_NOT_FOUND = _kind("request.not_found", 404, "Không tìm thấy địa chỉ này.", "No such resource.")
METHOD_NOT_ALLOWED = _kind("request.method_not_allowed", 405, "Phương thức không được hỗ trợ.", "Method not allowed.")
TOO_LARGE = _kind("request.too_large", 413, "Dữ liệu gửi lên quá lớn.", "The request body is too large.")
UNSUPPORTED_MEDIA = _kind(
    "request.unsupported_media_type", 415, "Kiểu dữ liệu không được hỗ trợ.", "Unsupported content type."
)
JSON_REQUIRED = _kind(
    "request.json_required", 415, "Hãy gửi dữ liệu dạng application/json.", "Send the body as application/json."
)
TOO_DEEP = _kind(
    "request.too_deeply_nested", 400, "Dữ liệu JSON lồng nhau quá sâu.", "The JSON body is nested too deeply."
)
NUL_CHARACTER = _kind(
    "request.nul_character",
    400,
    "Dữ liệu chứa ký tự NUL không được phép.",
    "The request contains a NUL character, which is not allowed.",
)
INTERNAL = _kind("server.internal", 500, "Lỗi máy chủ.", "Internal server error.")
UNAVAILABLE = _kind(
    "server.unavailable", 503, "Dịch vụ tạm thời không sẵn sàng, hãy thử lại sau.", "Service unavailable; retry later."
)
STORE_UNAVAILABLE = _kind(
    "storage.unavailable",
    503,
    "Kho lưu ảnh tạm thời không sẵn sàng, hãy gửi lại sau.",
    "The object store is unavailable; retry later.",
)

# Forms
FORM_INVALID = _kind("form.invalid", 422, "Biểu mẫu có lỗi.", "The form definition has errors.")
FORM_NOT_FOUND = _kind("form.not_found", 404, "Không tìm thấy biểu mẫu.", "No such form.")
FORM_VERSION_NOT_FOUND = _kind(
    "form.version_not_found", 404, "Không tìm thấy phiên bản biểu mẫu.", "No such form version."
)
FORM_VERSION_EXISTS = _kind(
    "form.version_conflict",
    409,
    "Phiên bản này đã được phát hành với nội dung khác.",
    "This version was already published with different content.",
)
FORM_INCOMPATIBLE = _kind(
    "form.incompatible",
    422,
    "Phiên bản mới đổi kiểu câu hỏi đã có.",
    "The new version changes the type of an existing question.",
)
XLSFORM_INVALID = _kind("xlsform.invalid", 422, "Tệp XLSForm có lỗi.", "The XLSForm has errors.")

# Access
AUTH_REQUIRED = _kind("auth.required", 401, "Cần đăng nhập.", "Authentication required.")
AUTH_INVALID = _kind(
    "auth.invalid_token",
    401,
    "Phiên đăng nhập không hợp lệ hoặc đã hết hạn.",
    "The token is invalid, revoked or expired.",
)
LOGIN_FAILED = _kind("auth.login_failed", 401, "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")
LOGIN_RATE_LIMITED = _kind(
    "auth.rate_limited",
    429,
    "Đăng nhập sai quá nhiều lần, hãy thử lại sau.",
    "Too many failed logins; try again later.",
)
CROSS_SITE_REFUSED = _kind(
    "auth.cross_site_refused",
    403,
    "Yêu cầu từ trang khác bị từ chối.",
    "A cookie-authenticated change must come from this service's own pages (Origin) or carry X-CSRF-Token.",
)
FORBIDDEN = _kind("auth.forbidden", 403, "Bạn không có quyền làm việc này.", "You are not allowed to do this.")
NOT_FOUND = _kind("object.not_found", 404, "Không tìm thấy.", "Not found.")
CONFLICT = _kind("object.conflict", 409, "Xung đột dữ liệu.", "Conflicting data.")
INVALID_DATA = _kind("object.invalid", 422, "Dữ liệu không hợp lệ.", "The data is not valid.")

# People and places (areas, teams, members, households, device tokens)
CSV_INVALID = _kind(
    "csv.invalid", 422, "Tệp CSV có lỗi; không dòng nào được nhập.", "The CSV file has errors; no row was imported."
)
AREA_EXISTS = _kind("area.exists", 409, "Mã địa bàn đã tồn tại.", "An area with this code already exists.")
AREA_CLOSED = _kind("area.closed", 409, "Địa bàn đã đóng.", "The area is closed.")
TEAM_EXISTS = _kind("team.exists", 409, "Thôn này đã có tổ công nghệ số.", "This village already has a team.")
TEAM_NOT_EMPTY = _kind(
    "team.not_empty", 409, "Tổ còn thành viên hoặc phiếu thăm hộ.", "The team still has members or visits."
)
USERNAME_TAKEN = _kind("user.username_taken", 409, "Tên đăng nhập đã được dùng.", "This username is taken.")
DEVICE_FIELD_ROLES_ONLY = _kind(
    "device_token.field_roles_only",
    422,
    "Chỉ cấp mã điện thoại cho thành viên và tổ trưởng.",
    "Device tokens are for members and team leaders only.",
)
PASSWORD_TOO_SHORT = _kind("auth.password_too_short", 422, "Mật khẩu quá ngắn.", "The password is too short.")
WRONG_CURRENT_PASSWORD = _kind(
    "auth.wrong_current_password", 422, "Mật khẩu hiện tại không đúng.", "The current password is wrong."
)
HOUSEHOLD_CONFLICT = _kind(
    "household.conflict",
    409,
    "Mã hộ này đã được tạo với nội dung khác.",
    "This household id was already created with different content.",
)
HOUSEHOLD_MERGE_INVALID = _kind(
    "household.merge_invalid", 409, "Không thể gộp hai hộ này.", "These households cannot be merged."
)
LOCATION_PROPOSAL_DECIDED = _kind(
    "household.location_proposal_decided",
    409,
    "Đề xuất vị trí này đã được xử lý.",
    "This location proposal was already confirmed or rejected.",
)
LOCATION_CLEAR_FORBIDDEN = _kind(
    "household.location_clear_forbidden",
    403,
    "Chỉ cán bộ giám sát được xóa vị trí của hộ.",
    "Only a supervisor may clear a household's location.",
)
DEMO_NOT_EMPTY = _kind(
    "demo.database_not_empty", 409, "Cơ sở dữ liệu đã có dữ liệu.", "The database already holds data."
)

# Visits
VISIT_INVALID = _kind(
    "visit.invalid", 422, "Phiếu thăm hộ có câu trả lời không hợp lệ.", "The visit has invalid answers."
)
VISIT_CONFLICT = _kind(
    "visit.conflict",
    409,
    "Mã phiếu này đã được gửi với nội dung khác.",
    "This visit id was already submitted with different content.",
)
VISIT_UNKNOWN_FORM = _kind(
    "visit.unknown_form", 422, "Biểu mẫu hoặc phiên bản không tồn tại.", "Unknown form or form version."
)
PHOTO_SLOT_TAKEN = _kind(
    "photo.slot_taken", 409, "Vị trí ảnh này đã có ảnh khác.", "This photo slot already holds a different photo."
)
VISIT_MALFORMED = _kind(
    "visit.malformed",
    400,
    "Dữ liệu phiếu thăm hộ không đúng định dạng.",
    "The visit JSON is malformed or has a field of the wrong type.",
)
VISIT_MISSING_PART = _kind(
    "visit.missing_part",
    400,
    "Thiếu phần 'visit' chứa dữ liệu phiếu.",
    "The multipart body has no 'visit' part with the visit JSON.",
)
VISIT_BAD_MULTIPART = _kind(
    "visit.bad_multipart", 400, "Dữ liệu gửi lên (multipart) bị hỏng.", "The multipart/form-data body cannot be read."
)
VISIT_ON_BEHALF_FORBIDDEN = _kind(
    "visit.on_behalf_forbidden",
    403,
    "Chỉ tổ trưởng được gửi phiếu thay thành viên.",
    "Only a team leader may submit a visit on behalf of a member.",
)
VISIT_REVIEW_NOTE_REQUIRED = _kind(
    "visit.review_note_required",
    422,
    "Cần ghi lý do khi trả lại phiếu hoặc báo phiếu có vấn đề.",
    "Rejecting a visit or marking it as having issues needs a comment saying why.",
)
PAGE_CSRF_FAILED = _kind(
    "page.csrf_failed",
    403,
    "Biểu mẫu đã hết hạn hoặc không hợp lệ; hãy tải lại trang và thử lại.",
    "The form is stale or was not sent by this site; reload the page and try again.",
)
PHOTO_MISSING_FILENAME = _kind(
    "photo.missing_filename",
    400,
    "Phần ảnh không có tên tệp.",
    "A photo part must be sent as a file (with a filename).",
)
PHOTO_WRONG_CONTENT_TYPE = _kind(
    "photo.wrong_content_type",
    415,
    "Chỉ nhận ảnh JPEG, PNG hoặc WebP.",
    "Send the photo as image/jpeg, image/png or image/webp.",
)
# Audio, video and file answers (service/visits/attachments.py).
ATTACHMENT_EMPTY = _kind("attachment.empty", 400, "Tệp gửi lên trống.", "The file is empty.")
ATTACHMENT_TOO_LARGE = _kind("attachment.too_large", 413, "Tệp quá lớn.", "The file is too large.")
ATTACHMENT_WRONG_TYPE = _kind(
    "attachment.wrong_type",
    415,
    "Loại tệp này không được nhận cho câu hỏi này.",
    "This kind of file is not accepted for this question.",
)
ATTACHMENT_TAKEN = _kind(
    "attachment.taken",
    409,
    "Câu hỏi này đã có một tệp khác.",
    "This question already holds a different file.",
)
ATTACHMENT_NOT_FOUND = _kind("attachment.not_found", 404, "Không tìm thấy tệp.", "No such file.")
# Codes raised by storage.photos (PhotoRejected); the messages come with each rejection.
PHOTO_EMPTY = _kind("photo.empty", 400, "Ảnh trống.", "The photo is empty.")
PHOTO_TOO_LARGE = _kind("photo.too_large", 413, "Ảnh quá lớn.", "The photo is too large.")
PHOTO_UNSUPPORTED_TYPE = _kind(
    "photo.unsupported_type", 415, "Định dạng ảnh không được hỗ trợ.", "Unsupported image format."
)
PHOTO_TOO_MANY_PIXELS = _kind(
    "photo.too_many_pixels", 422, "Ảnh có độ phân giải quá cao.", "The photo has too many pixels."
)
PHOTO_CORRUPT = _kind("photo.corrupt", 422, "Ảnh bị hỏng.", "The photo is damaged.")
PHOTO_EXIF_TOO_LARGE = _kind(
    "photo.exif_too_large", 422, "Dữ liệu EXIF của ảnh quá lớn.", "The photo's EXIF block is too large."
)

# XLSForm limits, form media (CSV files of a form version) and the original XLSForm of a version
XLSFORM_TOO_LARGE = _kind(
    "xlsform.too_large",
    413,
    "Tệp XLSForm vượt giới hạn (dung lượng giải nén, số dòng, số cột hoặc độ dài ô).",
    "The XLSForm is over a limit (unpacked size, rows, columns or cell length).",
)
FORM_MEDIA_INVALID = _kind(
    "form_media.invalid", 422, "Tệp đính kèm của biểu mẫu có lỗi.", "The form media file has errors."
)
FORM_MEDIA_EXISTS = _kind(
    "form_media.conflict",
    409,
    "Phiên bản biểu mẫu đã có tệp này với nội dung khác; hãy phát hành phiên bản mới.",
    "This form version already has this file with other content; publish a new version.",
)
FORM_MEDIA_NOT_FOUND = _kind(
    "form_media.not_found", 404, "Không tìm thấy tệp đính kèm của biểu mẫu.", "No such form media file."
)
XLSFORM_SOURCE_NOT_FOUND = _kind(
    "xlsform.source_not_found",
    404,
    "Phiên bản này không được phát hành từ tệp XLSForm.",
    "This version was not published from an XLSForm.",
)


# Litestar's own HTTP errors (framework-level refusals) by status; anything else is a plain bad request.
REQUEST_UNAUTHORIZED = _kind("request.unauthorized", 401, "Cần đăng nhập.", "Authentication required.")
REQUEST_FORBIDDEN = _kind("request.forbidden", 403, "Không được phép.", "Forbidden.")
REQUEST_NOT_ACCEPTABLE = _kind(
    "request.not_acceptable", 406, "Không có định dạng phù hợp.", "No acceptable representation."
)
REQUEST_TIMEOUT = _kind("request.timeout", 408, "Yêu cầu quá thời gian.", "The request took too long.")
REQUEST_CONFLICT = _kind("request.conflict", 409, "Xung đột dữ liệu.", "Conflict.")
REQUEST_URI_TOO_LONG = _kind("request.uri_too_long", 414, "Địa chỉ quá dài.", "The URI is too long.")
REQUEST_UNPROCESSABLE = _kind("request.unprocessable", 422, "Dữ liệu không hợp lệ.", "Unprocessable content.")
REQUEST_RATE_LIMITED = _kind("request.rate_limited", 429, "Quá nhiều yêu cầu, hãy thử lại sau.", "Too many requests.")
REQUEST_HEADERS_TOO_LARGE = _kind(
    "request.headers_too_large", 431, "Phần đầu yêu cầu quá lớn.", "Request headers too large."
)

# ---- OpenRosa (service/openrosa/): ODK Collect, Enketo and Web Forms read `title_vi` as the message shown ---------
OPENROSA_TOKEN_INVALID = _kind(
    "openrosa.token_invalid",
    403,
    "Mã thiết bị không đúng hoặc đã bị thu hồi. Hãy nhờ tổ trưởng cấp mã mới rồi quét lại mã QR cài đặt.",
    "The device token is wrong or was revoked. Ask your team leader for a new one and scan the settings QR again.",
)
OPENROSA_NO_XML = _kind(
    "openrosa.no_xml",
    400,
    "Không thấy phiếu (phần xml_submission_file) trong dữ liệu gửi lên.",
    "The submission has no xml_submission_file part.",
)
OPENROSA_BAD_XML = _kind(
    "openrosa.bad_xml", 400, "Phiếu gửi lên không đọc được (XML hỏng hoặc bị cắt).", "The submission XML is malformed."
)
OPENROSA_BAD_MULTIPART = _kind(
    "openrosa.bad_multipart", 400, "Dữ liệu gửi lên bị hỏng, hãy gửi lại.", "The multipart body is malformed."
)
OPENROSA_NO_INSTANCE_ID = _kind(
    "openrosa.no_instance_id", 400, "Phiếu thiếu mã phiếu (meta/instanceID).", "The submission has no meta/instanceID."
)
OPENROSA_ENCRYPTED = _kind(
    "openrosa.encrypted",
    400,
    "Máy chủ không nhận phiếu đã mã hóa. Hãy tải lại biểu mẫu từ máy chủ rồi điền lại.",
    "Encrypted submissions are not accepted.",
)
OPENROSA_FORM_UNKNOWN = _kind(
    "openrosa.form_unknown",
    404,
    "Máy chủ không có biểu mẫu hoặc phiên bản này. Hãy tải lại biểu mẫu trống.",
    "No such form or form version on this server.",
)
OPENROSA_FORM_CLOSED = _kind(
    "openrosa.form_closed",
    409,
    "Biểu mẫu này không nhận phiếu qua ODK (máy chủ không tạo được XForm cho nó).",
    "This form version takes no OpenRosa submissions.",
)
OPENROSA_INSTANCE_CONFLICT = _kind(
    "openrosa.instance_conflict",
    409,
    "Máy chủ đã nhận một phiếu khác cùng mã phiếu này. Bản gửi lần này đã được lưu để giám sát viên xem; "
    "không cần gửi lại.",
    "Another submission with this instanceID was already stored; this copy was kept for a supervisor.",
)
OPENROSA_ALREADY_CORRECTED = _kind(
    "openrosa.already_corrected",
    409,
    "Phiếu gốc đã được sửa trước đó; hãy sửa từ bản mới nhất.",
    "The visit this edit corrects was already corrected.",
)
OPENROSA_DEPRECATED_UNKNOWN = _kind(
    "openrosa.deprecated_unknown",
    404,
    "Không tìm thấy phiếu gốc của bản sửa này trên máy chủ.",
    "The edited submission (meta/deprecatedID) is not on this server.",
)
OPENROSA_TOO_MANY_PARTS = _kind(
    "openrosa.too_many_parts",
    400,
    "Gửi quá nhiều tệp một lần. Hãy cập nhật ODK Collect rồi gửi lại.",
    "Too many parts in one submission.",
)
OPENROSA_PART_TOO_LARGE = _kind(
    "openrosa.part_too_large",
    413,
    "Có một tệp đính kèm lớn quá giới hạn. Hãy chụp lại ảnh nhỏ hơn rồi gửi.",
    "An attached file is larger than the limit.",
)
OPENROSA_HOUSEHOLD_MISSING = _kind(
    "openrosa.household_missing",
    400,
    "Phiếu chưa chọn hộ được thăm (gocua_household).",
    "The submission names no household.",
)

# Activity log and the filed report (service/activities, service/reports)
ACTIVITY_INVALID = _kind(
    "activity.invalid", 422, "Hoạt động ghi chưa đúng hoặc thiếu thông tin.", "The activity is incomplete or wrong."
)
ACTIVITY_CONFLICT = _kind(
    "activity.conflict",
    409,
    "Mã hoạt động này đã được gửi với nội dung khác.",
    "This activity id was already sent with other content.",
)
REPORT_UNKNOWN_SECTION = _kind(
    "report.unknown_section", 422, "Không có mục này trong báo cáo.", "The report has no such section."
)

HTTP_STATUS_KINDS: dict[int, ErrorKind] = {
    kind.status: kind
    for kind in (
        BAD_REQUEST,
        REQUEST_UNAUTHORIZED,
        REQUEST_FORBIDDEN,
        ROUTE_NOT_FOUND,
        METHOD_NOT_ALLOWED,
        REQUEST_NOT_ACCEPTABLE,
        REQUEST_TIMEOUT,
        REQUEST_CONFLICT,
        TOO_LARGE,
        REQUEST_URI_TOO_LONG,
        UNSUPPORTED_MEDIA,
        REQUEST_UNPROCESSABLE,
        REQUEST_RATE_LIMITED,
        REQUEST_HEADERS_TOO_LARGE,
    )
}


def for_http_status(status: int) -> ErrorKind:
    """The catalog entry for a framework-level refusal with this status."""
    if status >= 500:
        return UNAVAILABLE if status == 503 else INTERNAL
    return HTTP_STATUS_KINDS.get(status, BAD_REQUEST)


def for_code(code: str, fallback: ErrorKind) -> ErrorKind:
    """The catalog entry for a code raised by the pure packages (forms/, storage/); never adds one."""
    return CATALOG.get(code, fallback)
