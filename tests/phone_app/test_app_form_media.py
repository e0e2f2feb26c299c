"""The phone app's XLSForm extras in the browser: select_one_from_file choices read from the version's CSV, and the
metadata rows (start, end, today, deviceid, username) it fills by itself."""

from __future__ import annotations

from playwright.sync_api import BrowserContext

FORM = {
    "id": "Village.Survey",
    "version": "1",
    "title": "Thôn",
    "questions": [
        {"type": "metadata", "name": "start", "label": "start", "metadata": "start"},
        {"type": "metadata", "name": "today", "label": "today", "metadata": "today"},
        {"type": "metadata", "name": "device", "label": "device", "metadata": "deviceid"},
        {"type": "metadata", "name": "who", "label": "who", "metadata": "username"},
        {"type": "metadata", "name": "mail", "label": "mail", "metadata": "email"},
        {
            "type": "group",
            "name": "where",
            "label": "Nơi ở",
            "questions": [
                {
                    "type": "select_one",
                    "name": "village",
                    "label": "Thôn",
                    "choices": [],
                    "choices_file": "villages.csv",
                    "required": True,
                },
                {
                    "type": "select_one",
                    "name": "hamlet",
                    "label": "Xóm",
                    "choices": [],
                    "choices_file": "hamlets.csv",
                    "choices_file_value": "code",
                    "choices_file_label": "ten",
                },
            ],
        },
    ],
}
VILLAGES = (
    '\ufeffname,label,commune\r\ndong,"Thôn Đông, ""mới""",xuan_lai\r\ntay,Thôn Tây,xuan_lai\r\n\r\nbac,,tho_xuong\r\n'
)


def test_file_choices_are_read_from_the_csv_rendered_and_metadata_filled(phone: BrowserContext) -> None:
    page = phone.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto("/app")
    result = page.evaluate(
        """async ([form, villages]) => {
        const media = await import("/app/form_media.js");
        const { newDraft, renderForm } = await import("/app/form.js");
        const asked = [];
        const missing = await media.fillFileChoices(form, async (name) => {
            asked.push(name);
            return name === "villages.csv" ? villages : null;
        });
        const root = document.createElement("div");
        document.body.append(root);
        renderForm(root, form, newDraft());
        const device = media.deviceId(() => "abc");
        const answers = media.metadataAnswers(form, {
            startedAt: "2026-12-05T01:00:00.000Z", finishedAt: "2026-12-05T01:20:00.000Z",
            me: { username: "to_vien_1", phone: null }, device,
        });
        return {
            missing, asked,
            choices: form.questions[5].questions[0].choices,
            shown: Array.from(root.querySelectorAll('[data-question="village"] label')).map((e) => e.textContent),
            text: root.innerText,
            answers,
            again: media.deviceId(() => "other"),
        };
    }""",
        [FORM, VILLAGES],
    )
    assert result["asked"] == ["villages.csv", "hamlets.csv"] and result["missing"] == 1
    assert [(c["value"], c["label"]["vi"], c["columns"]) for c in result["choices"]] == [
        ("dong", 'Thôn Đông, "mới"', {"commune": "xuan_lai"}),
        ("tay", "Thôn Tây", {"commune": "xuan_lai"}),
        ("bac", "bac", {"commune": "tho_xuong"}),
    ]
    assert [text.strip() for text in result["shown"] if text.strip()][-3:] == ['Thôn Đông, "mới"', "Thôn Tây", "bac"]
    for bad in ("null", "undefined", "NaN", "[object"):
        assert bad not in result["text"]
    assert "start" not in result["text"] and "device" not in result["text"]  # metadata rows are never shown
    assert result["answers"] == {
        "start": "2026-12-05T01:00:00.000Z",
        "today": result["answers"]["today"],
        "device": "gocua:abc",
        "who": "to_vien_1",
    }
    assert result["answers"]["today"] in ("2026-12-05", "2026-12-04")  # the phone's local date
    assert result["again"] == "gocua:abc"  # the same installation keeps its id
    assert errors == []
