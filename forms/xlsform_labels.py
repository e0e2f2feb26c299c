"""XLSForm language columns (``label::Vietnamese (vi)``, ``label::chinese``, plain ``label``) → our label mappings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from forms.errors import FormError
from forms.labels import LANGUAGE_CODE, REQUIRED_LANGUAGE

_CODE_IN_NAME = re.compile(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\)\s*$")
# Language names people write in XLSForm headers without a code (pyxform's examples use several).
LANGUAGE_NAMES = {
    "vietnamese": "vi",
    "tiếng việt": "vi",
    "english": "en",
    "french": "fr",
    "français": "fr",
    "chinese": "zh",
    "spanish": "es",
    "español": "es",
    "portuguese": "pt",
    "swahili": "sw",
    "arabic": "ar",
    "hindi": "hi",
    "khmer": "km",
    "lao": "lo",
    "thai": "th",
    "japanese": "ja",
    "korean": "ko",
    "russian": "ru",
    "german": "de",
    "indonesian": "id",
    "burmese": "my",
    "hmong": "hmn",
    "nepali": "ne",
    "bengali": "bn",
    "amharic": "am",
}


class LabelReader:
    """Reads pyxform label values (str, or {language name: text}) into {code: text}, Vietnamese ensured."""

    def __init__(self, default_language: Any) -> None:
        self.unknown_languages: set[str] = set()
        self.without_vietnamese = 0
        self.default_code = self.language_code(default_language) if default_language != "default" else None

    def language_code(self, language: Any) -> str | None:
        if not isinstance(language, str):
            return None
        name = language.strip()
        code = _CODE_IN_NAME.search(name)
        if code:
            return code.group(1).lower() if "-" not in code.group(1) else code.group(1)
        if name.lower() in LANGUAGE_NAMES:
            return LANGUAGE_NAMES[name.lower()]
        if LANGUAGE_CODE.fullmatch(name):
            return name
        return None

    def read(self, value: Any) -> dict[str, str] | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            if self.default_code is None:
                # One label column and no default language: the same text serves every phone.
                return {"vi": value, "en": value}
            found = {self.default_code: value}
        elif isinstance(value, Mapping):
            found = {}
            for language, text in value.items():
                code = self.default_code or REQUIRED_LANGUAGE if language == "default" else self.language_code(language)
                if code is None:
                    self.unknown_languages.add(str(language))
                elif str(text).strip():
                    found.setdefault(code, str(text))
            if not found:
                return None
        else:
            return None
        if REQUIRED_LANGUAGE not in found:
            self.without_vietnamese += 1
            fallback = (
                (self.default_code and found.get(self.default_code)) or found.get("en") or next(iter(found.values()))
            )
            found = {REQUIRED_LANGUAGE: fallback, **found}
        return found

    def warnings(self) -> list[FormError]:
        found = [
            FormError(
                path=f"survey.label::{language}",
                code="xlsform.unknown_language",
                message_vi=f"Không nhận ra ngôn ngữ “{language}”; cột này được bỏ qua. Hãy ghi mã ngôn ngữ, ví dụ"
                f" “{language} (fr)”.",
                message_en=f"Language '{language}' is not recognised, so its columns were ignored. Add its code,"
                f" e.g. '{language} (fr)'.",
            )
            for language in sorted(self.unknown_languages)
        ]
        if self.without_vietnamese:
            code = self.default_code or "en"
            found.append(
                FormError(
                    path="survey.label::Vietnamese (vi)",
                    code="xlsform.no_vietnamese",
                    message_vi=f"{self.without_vietnamese} nội dung không có tiếng Việt; tạm dùng ngôn ngữ mặc định"
                    f" ({code}). Hãy thêm cột label::Vietnamese (vi).",
                    message_en=f"{self.without_vietnamese} text(s) have no Vietnamese; the default language ({code})"
                    " is shown instead. Add label::Vietnamese (vi) columns.",
                )
            )
        return found
