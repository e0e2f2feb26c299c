"""Pieces of the phone app in the browser: photo orientation, the form renderer, the expression vectors."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image
from playwright.sync_api import BrowserContext

from tests.support import vectors

# EXIF orientation → the transpose that stores an upright picture sideways as a camera would (the inverse of
# what makes it upright again).
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def sideways_jpegs() -> dict[int, str]:
    """The same upright 400×300 picture (red top-left, blue top-right) stored under each EXIF orientation."""
    upright = Image.new("RGB", (400, 300), (240, 240, 240))
    upright.paste((220, 20, 20), (0, 0, 100, 75))
    upright.paste((20, 20, 220), (300, 0, 400, 75))
    stored: dict[int, str] = {}
    for orientation, transpose in STORED_AS.items():
        image = upright if transpose is None else upright.transpose(transpose)
        exif = Image.Exif()
        exif[0x0112] = orientation
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
        stored[orientation] = base64.b64encode(buffer.getvalue()).decode()
    return stored


def test_photos_come_out_upright_for_every_exif_orientation_with_or_without_the_browsers_help(
    phone: BrowserContext,
) -> None:
    page = phone.new_page()
    page.goto("/app")
    results = page.evaluate(
        """async (stored) => {
        const photo = await import("/app/photo.js");
        const out = [];
        for (const mode of [null, { native: false, option: false }]) {
            photo.setOrientationSupport(mode);  // null: this browser's own handling; else the app rotates
            for (const [orientation, b64] of Object.entries(stored)) {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                const file = new Blob([bytes], { type: "image/jpeg" });
                const prepared = await photo.preparePhoto(file, 30000);
                const bitmap = await createImageBitmap(prepared.blob, { imageOrientation: "none" });
                const canvas = document.createElement("canvas");
                canvas.width = bitmap.width; canvas.height = bitmap.height;
                const ctx = canvas.getContext("2d");
                ctx.drawImage(bitmap, 0, 0);
                const at = (x, y) => Array.from(ctx.getImageData(Math.floor(x * bitmap.width), Math.floor(y * bitmap.height), 1, 1).data.slice(0, 3));
                out.push({ mode: mode ? "app" : "browser", orientation: Number(orientation), width: bitmap.width,
                           height: bitmap.height, left: at(0.1, 0.1), right: at(0.9, 0.1), facts: photo.readJpegFacts(await new Response(prepared.blob).arrayBuffer()) });
            }
        }
        return out;
    }""",
        sideways_jpegs(),
    )
    assert len(results) == 16
    for result in results:
        case = f"{result['mode']} rotation, EXIF orientation {result['orientation']}"
        assert (result["width"], result["height"]) == (200, 150), case  # upright and within max_pixels
        assert result["left"][0] > 150 and result["left"][2] < 100, f"{case}: top-left is not red: {result}"
        assert result["right"][2] > 150 and result["right"][0] < 100, f"{case}: top-right is not blue: {result}"
        assert result["facts"]["orientation"] == 1 and result["facts"]["dateTime"]


def test_the_renderer_takes_plain_or_mapped_labels_and_skips_question_types_it_does_not_know(
    phone: BrowserContext,
) -> None:
    form = {
        "id": "f",
        "version": "2",
        "title": "Thử",
        "questions": [
            {"type": "text", "name": "plain", "label": "Câu hỏi chữ thường", "required": True},
            {
                "type": "integer",
                "name": "mapped",
                "label": {"vi": "Số người", "en": "People", "fr": "Personnes"},
                "constraint": ". < 10",
                "constraint_message": {"vi": "Ít hơn 10.", "en": "Fewer than 10."},
            },
            {"type": "calculate", "name": "total", "calculation": "${mapped} * 2"},
            {
                "type": "repeat",
                "name": "people",
                "label": {"vi": "Từng người"},
                "questions": [{"type": "text", "name": "person_name", "label": "Tên"}],
            },
            {"type": "note", "name": "end", "label": {"en": "Only English here"}},
        ],
    }
    page = phone.new_page()
    page.goto("/app")
    rendered = page.evaluate(
        """async (form) => {
        const { newDraft, renderForm } = await import("/app/form.js");
        const root = document.createElement("div");
        document.body.append(root);
        const f = renderForm(root, form, newDraft());
        const input = root.querySelector('[data-question="mapped"] input');
        input.value = "12";
        input.dispatchEvent(new Event("input"));
        return {
            questions: Array.from(root.querySelectorAll("[data-question]")).map((e) => e.dataset.question),
            labels: Array.from(root.querySelectorAll(".label")).map((e) => e.textContent),
            error: root.querySelector('[data-question="mapped"] .error').textContent,
            collected: f.collect(),
        };
    }""",
        form,
    )
    assert rendered["questions"] == ["plain", "mapped", "end"]
    assert rendered["labels"] == ["Câu hỏi chữ thường *", "Số người", "Only English here"]
    assert rendered["error"] == "Ít hơn 10."
    assert {e["question"] for e in rendered["collected"]["errors"]} == {"plain", "mapped"}


def test_expression_vectors_hold_in_the_browser(phone: BrowserContext) -> None:
    page = phone.new_page()
    page.goto("/app")
    data = json.loads(vectors.VECTORS_PATH.read_text(encoding="utf-8"))
    form = json.loads(vectors.bundled_form_path().read_text(encoding="utf-8"))
    failures = page.evaluate(
        """async ([data, form]) => {
        const { evaluate } = await import("/app/expr.js");
        const { runVisit } = await import("/app/visit.js");
        const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
        // tests/support/vectors.py encode_result: NaN and ±Infinity travel as {"number": "NaN"}.
        const encode = (v) => (typeof v === "number" && !Number.isFinite(v) ? { number: String(v) } : v);
        const failures = [];
        for (const c of data.expressions) {
            let got, error = false;
            try { got = encode(evaluate(c.expr, c.answers, c.current, data.today)); }
            catch (e) { error = e.name === "ExpressionError" ? true : String(e); }
            if (c.error ? error !== true : (error || !same(got, c.result))) failures.push([c.expr, got, c.result]);
        }
        for (const c of data.forms) {
            const state = runVisit(form, c.answers, data.today);
            const errors = state.errors.map((e) => [e.question, e.code]).sort();
            const visible = Object.keys(c.visible).every((k) => state.visible[k] === c.visible[k]);
            if (!visible || !same(errors, c.errors)) failures.push(["form", c.answers, errors, c.errors]);
        }
        return [failures.slice(0, 5), data.expressions.length + data.forms.length];
    }""",
        [data, form],
    )
    assert failures[1] > 1800
    assert failures[0] == []


def test_choice_filter_vectors_hold_in_the_browser(phone: BrowserContext) -> None:
    """choice_filter.js offers the values Python offers, in the same order, for every committed vector."""
    page = phone.new_page()
    page.goto("/app")
    data = json.loads(vectors.VECTORS_PATH.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async ([data, today]) => {
        const { offeredValues } = await import("/app/choice_filter.js");
        const failures = [];
        for (const c of data.cases) {
            const q = data.questions[c.question];
            const got = offeredValues(q, c.answers, today);
            if (JSON.stringify(got) !== JSON.stringify(c.offered)) failures.push([q.choice_filter, c.answers, got, c.offered]);
        }
        return [failures.slice(0, 5), data.cases.length];
    }""",
        [data["choice_filters"], data["today"]],
    )
    assert result[1] >= 800
    assert result[0] == []
