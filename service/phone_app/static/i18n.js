// Every text of the app, Vietnamese first (plain words for the village teams), English as a switch.
const TEXTS = {
  vi: {
    app: "Gõ Cửa", lang_switch: "EN", lang_name: "English", signin_title: "Đăng nhập điện thoại",
    signin_help: "Xin tổ trưởng hoặc cán bộ xã mã QR của bạn, rồi quét mã.", scan: "Quét mã QR",
    paste_label: "Hoặc dán mã thiết bị vào đây", signin: "Đăng nhập", stop_scan: "Dừng quét",
    no_camera: "Điện thoại này không quét được mã. Hãy dán mã vào ô bên dưới.",
    revoked: "Mã thiết bị không đúng hoặc đã bị thu hồi. Hãy xin tổ trưởng một mã mới.",
    offline_signin: "Chưa có mạng. Cần mạng để đăng nhập lần đầu.", bad_code: "Mã này không đúng. Hãy thử lại.",
    hello: "Xin chào", households: "Chọn hộ để thăm", outbox: "Phiếu đã lưu", sync: "Cập nhật danh sách hộ",
    synced: "Đã cập nhật", households_count: "hộ", search: "Tìm theo tên, địa chỉ hoặc mã hộ",
    no_match: "Không tìm thấy hộ nào.", new_household: "Thêm hộ mới", elderly: "Chỉ người già",
    temporary: "Tạm trú", moved: "Đã chuyển đi", new_badge: "Hộ mới", head_name: "Tên chủ hộ", address: "Địa chỉ",
    member_count: "Số người trong hộ", elderly_q: "Hộ chỉ có người già", temporary_q: "Hộ tạm trú",
    save: "Lưu", cancel: "Quay lại", back: "← Quay lại", yes: "Có", no: "Không",
    submit: "Lưu phiếu", required: "Câu này cần trả lời.", fix_errors: "Còn câu chưa đúng. Hãy xem chỗ chữ đỏ.",
    gps_get: "Lấy vị trí", gps_waiting: "Đang tìm vị trí…", gps_poor: "Vị trí chưa chính xác, đang chờ tốt hơn…",
    gps_use_anyway: "Vẫn dùng vị trí này", gps_ok: "Đã có vị trí", gps_denied: "Không lấy được vị trí. Hãy bật GPS.",
    photo_take: "Chụp ảnh", photo_remove: "Xoá", photo_need: "Cần ít nhất {n} ảnh.", photo_max: "Tối đa {n} ảnh.",
    photo_working: "Đang xử lý ảnh…", saved_waiting: "Đã lưu trên máy. Sẽ gửi khi có mạng.",
    draft_continue: "Làm tiếp phiếu đang dở",
    state_waiting: "Chờ gửi", state_sending: "Đang gửi", state_photos: "Đang gửi ảnh", state_sent: "Đã gửi",
    state_failed: "Máy chủ không nhận", review_approved: "Đã được duyệt", review_rejected: "Bị trả lại",
    review_pending: "Chờ duyệt", outbox_empty: "Chưa có phiếu nào.", send_now: "Gửi ngay", offline: "Mất mạng",
    online: "Có mạng", sign_out: "Đăng xuất", no_form: "Chưa tải được phiếu. Hãy mở app khi có mạng.",
    choose_form: "Chọn phiếu", visit_for: "Thăm hộ", retry_in: "thử lại sau", seconds: "giây",
    photos_sent: "Đã gửi {sent}/{n} ảnh", visited_by: "Người đi thăm", myself: "Tôi",
    no_phone: "không có điện thoại thông minh", for_member: "Thăm thay cho", household_saved: "Đã lưu hộ mới.",
  },
  en: {
    app: "Gõ Cửa", lang_switch: "VI", lang_name: "Tiếng Việt", signin_title: "Sign in this phone",
    signin_help: "Ask your team leader or commune officer for your QR code, then scan it.", scan: "Scan QR code",
    paste_label: "Or paste the device code here", signin: "Sign in", stop_scan: "Stop scanning",
    no_camera: "This phone cannot scan codes. Paste the code below.",
    revoked: "This device code is wrong or was revoked. Ask your team leader for a new one.",
    offline_signin: "No network. The first sign-in needs a network.", bad_code: "That code is not right. Try again.",
    hello: "Hello", households: "Choose a household", outbox: "Saved visits", sync: "Update households",
    synced: "Updated", households_count: "households", search: "Search by name, address or code",
    no_match: "No household found.", new_household: "Add a household", elderly: "Elderly only",
    temporary: "Temporary resident", moved: "Moved away", new_badge: "New", head_name: "Head of household",
    address: "Address", member_count: "People in the household", elderly_q: "Elderly people only",
    temporary_q: "Temporary resident", save: "Save", cancel: "Back", back: "← Back", yes: "Yes", no: "No",
    submit: "Save visit", required: "Please answer this.", fix_errors: "Some answers need fixing (see red text).",
    gps_get: "Get location", gps_waiting: "Finding location…", gps_poor: "Location not precise yet, waiting…",
    gps_use_anyway: "Use this location anyway", gps_ok: "Location found", gps_denied: "No location. Turn on GPS.",
    photo_take: "Take photo", photo_remove: "Remove", photo_need: "At least {n} photo(s) needed.",
    photo_max: "At most {n} photos.", photo_working: "Preparing photo…",
    saved_waiting: "Saved on the phone. It will be sent when there is a network.",
    draft_continue: "Continue the unfinished visit",
    state_waiting: "Waiting", state_sending: "Sending", state_photos: "Sending photos", state_sent: "Sent",
    state_failed: "Refused by the server", review_approved: "Approved", review_rejected: "Sent back",
    review_pending: "Waiting for review", outbox_empty: "No visits yet.", send_now: "Send now",
    offline: "Offline", online: "Online", sign_out: "Sign out", no_form: "The form is not loaded yet. Open the app with a network.",
    choose_form: "Choose a form", visit_for: "Visit", retry_in: "retry in", seconds: "s",
    photos_sent: "{sent}/{n} photos sent", visited_by: "Visit made by", myself: "Me",
    no_phone: "no smartphone", for_member: "On behalf of", household_saved: "New household saved.",
  },
};

let lang = "vi";
export const setLang = (value) => { lang = value === "en" ? "en" : "vi"; document.documentElement.lang = lang; };
export const getLang = () => lang;
export function t(key, values) {
  let text = (TEXTS[lang] && TEXTS[lang][key]) || TEXTS.vi[key] || key;
  if (values) for (const k of Object.keys(values)) text = text.replace(`{${k}}`, values[k]);
  return text;
}
