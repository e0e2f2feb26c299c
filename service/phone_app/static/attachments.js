// Audio, video and file questions: the member records or picks a file. Its name is the answer; the file itself is
// kept with the draft in IndexedDB (beside the photos, as {attachment: true, blob, name, type, size}) and, once the
// visit is saved, sent after it by PUT /api/v1/visits/{id}/attachments/{question}. Nothing here plays or shows the
// file: the server keeps it as it came and supervisors download it.
import { getLang } from "./i18n.js";

export const ATTACHMENT_TYPES = new Set(["audio", "video", "file"]);

// What the file picker offers; the server checks the type again (docs/forms.md lists what it takes).
const ACCEPT = {
  audio: "audio/*",
  video: "video/*",
  file: ".pdf,.csv,.txt,.xlsx,.docx,.odt,.ods,.zip,.jpg,.jpeg,.png,.webp,application/pdf,text/csv,text/plain," +
    "image/jpeg,image/png,image/webp",
};

const TEXTS = {
  vi: { audio: "Ghi âm hoặc chọn tệp ghi âm", video: "Quay hoặc chọn video", file: "Chọn tệp", remove: "Bỏ tệp",
    kept: "Đã lưu trên máy, sẽ gửi cùng phiếu", too_big: "Tệp quá lớn ({size}): tối đa {most}. Hãy quay/ghi ngắn hơn." },
  en: { audio: "Record or pick a recording", video: "Record or pick a video", file: "Pick a file", remove: "Remove",
    kept: "Kept on the phone, sent with the visit", too_big: "The file is too big ({size}): at most {most}. Record a shorter one." },
};
const tx = (key) => (TEXTS[getLang()] || TEXTS.vi)[key];

// The service's largest file per kind (GET /api/v1/me `file_limits`); unknown (an old sign-in): the server decides.
let limits = null;
export function useLimits(fileLimits) {
  limits = fileLimits || null;
}

/** The answer for a picked file: its name, without folders or control characters (what the server accepts). */
export function answerName(file, kind) {
  let name = String(file.name || "").replace(/[/\\\u0000-\u001f\u007f]/g, "_").trim();
  if (!name || name === "." || name === "..") {
    const ext = (file.type || "").split("/")[1] || "bin";
    name = `${kind}-${Date.now()}.${ext.split(";")[0]}`;
  }
  return name.length > 255 ? name.slice(name.length - 255) : name;
}

export function sizeText(bytes) {
  return bytes >= 1000000 ? `${(bytes / 1000000).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1000))} KB`;
}

/**
 * The input of an audio/video/file question. `ctx`: {h, files (question → [entry]), set(name, value), update()}.
 */
export function attachmentInput(q, id, ctx) {
  const { h, files, set } = ctx;
  const input = h("input", { id, type: "file", accept: ACCEPT[q.type] || "", class: "file" });
  const button = h("label", { class: "big button", for: id, text: tx(q.type) });
  const shown = h("div", { class: "attachment" });
  const refused = h("p", { class: "error file-refused", hidden: true });
  const redraw = () => {
    shown.textContent = "";
    const entry = (files[q.name] || [])[0];
    button.hidden = !!entry;
    if (!entry) return;
    shown.append(
      h("p", { class: "attachment-name", text: `${entry.name} · ${sizeText(entry.size)}` }),
      h("p", { class: "hint", text: tx("kept") }),
      h("button", { type: "button", class: "secondary", text: tx("remove"), onclick: () => {
        delete files[q.name];
        set(q.name, null);
        redraw();
      } }),
    );
  };
  input.addEventListener("change", () => {
    const file = (input.files || [])[0];
    input.value = "";
    if (!file) return;
    const most = limits && limits[`${q.type}_bytes`];
    refused.hidden = !(most && file.size > most);
    if (!refused.hidden) {
      // Not kept: sending it over 2G would take minutes and the service would refuse it at the end.
      refused.textContent = tx("too_big").replace("{size}", sizeText(file.size)).replace("{most}", sizeText(most));
      return;
    }
    const name = answerName(file, q.type);
    files[q.name] = [{ attachment: true, blob: file, name, type: file.type || "", size: file.size }];
    set(q.name, name);
    redraw();
  });
  redraw();
  return h("div", {}, input, button, refused, shown);
}
