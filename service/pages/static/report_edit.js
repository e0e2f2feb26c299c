// The report page: an officer rewrites a drafted paragraph in place. The text is kept on the server per area and
// period (PUT /api/v1/reports/narrative), and the page is drawn again so it shows who edited it and which figures
// have changed since; the DOCX and PDF downloads carry the same text.
const body = document.body;

function problemText(problem) {
  const lang = document.documentElement.lang;
  return (lang === "en" ? problem.message_en : problem.message_vi) || problem.title || "";
}

function open(box) {
  if (box.querySelector("form")) return;
  const form = document.createElement("form");
  const area = document.createElement("textarea");
  area.name = "text";
  area.value = box.dataset.text || "";
  area.setAttribute("aria-label", box.dataset.section);
  const hint = document.createElement("p");
  hint.className = "note";
  hint.textContent = body.dataset.hint;
  const tools = document.createElement("div");
  tools.className = "tools";
  const save = document.createElement("button");
  save.type = "submit";
  save.className = "save";
  save.textContent = body.dataset.save;
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.textContent = body.dataset.cancel;
  cancel.addEventListener("click", () => form.remove());
  const problem = document.createElement("span");
  problem.className = "problem";
  problem.setAttribute("role", "alert");
  tools.append(save, cancel, problem);
  form.append(area, hint, tools);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      const response = await fetch(body.dataset.endpoint, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ section: box.dataset.section, text: area.value }),
      });
      if (response.ok) {
        location.reload();
        return;
      }
      const detail = await response.json().catch(() => ({}));
      problem.textContent = `${body.dataset.failed}: ${problemText(detail)}`;
    } catch {
      problem.textContent = body.dataset.failed;
    }
    save.disabled = false;
  });
  box.append(form);
  area.focus();
}

for (const box of document.querySelectorAll(".para[data-section]")) {
  const button = box.querySelector("button.edit");
  if (button) button.addEventListener("click", () => open(box));
}
