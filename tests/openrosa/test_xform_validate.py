"""The generated XForms pass ODK Validate: every bundled form, and every XLSForm of the test corpus that publishes
here (tests/forms/test_xlsform_corpus.py builds them; each is read back from its bytes, as a published upload)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

import forms
from forms.bundled import bundled_form_paths
from service.openrosa.xform import build_xform
from tests.forms import test_xlsform_corpus as corpus
from tests.openrosa.validate import odk_validate


@pytest.mark.parametrize("path", bundled_form_paths(), ids=lambda p: p.stem)
def test_bundled_forms_validate_and_their_bytes_are_stable(path: Path, tmp_path: Path) -> None:
    definition = forms.load_definition(path.read_bytes())
    xform = build_xform(definition)
    assert build_xform(definition) == xform  # generated twice, the same bytes (Collect keys forms by md5)
    odk_validate(xform, tmp_path)
    assert b"jr://file-csv/households.csv" in xform and b'orx:max-pixels="1460"' in xform


def corpus_workbooks(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every workbook the corpus tests build (their `xlsform(...)` calls recorded while they run)."""
    made: list[bytes] = []
    original = corpus.xlsform

    def recording(*args: Any, **kwargs: Any) -> bytes:
        data = original(*args, **kwargs)
        made.append(data)
        return data

    monkeypatch.setattr(corpus, "xlsform", recording)
    for name, function in inspect.getmembers(corpus, inspect.isfunction):
        if name.startswith("test_") and not inspect.signature(function).parameters:
            try:
                function()
            except Exception:  # only the workbooks matter here, not the corpus tests' own assertions
                pass
    return made


def test_every_corpus_xlsform_that_publishes_validates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    published = 0
    for index, workbook in enumerate(corpus_workbooks(monkeypatch)):
        try:
            definition = forms.load_definition(forms.convert_xlsform(workbook))
        except forms.FormDefinitionError:
            continue  # refused at publish: never served
        odk_validate(build_xform(definition, workbook), tmp_path, f"corpus-{index}")
        published += 1
    assert published >= 10
