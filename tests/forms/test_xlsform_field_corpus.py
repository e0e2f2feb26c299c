"""The field corpus (tests/forms/xlsform_field_corpus.py): each form publishes or is refused as expected, and each
that publishes takes its passing visit and refuses its failing one with the right question and code."""

from __future__ import annotations

import pytest

from forms import FormDefinitionError, convert_xlsform_report, load_definition
from forms.answers import run_visit
from forms.media_csv import read_csv
from service.registry.media import tables_named_by, with_file_choices
from tests.forms.xlsform_field_corpus import CORPUS, CorpusForm


def publish(form: CorpusForm):
    converted, _ = convert_xlsform_report(form.workbook(), f"{form.name}.xlsx")
    definition = load_definition(converted)
    tables = {name: read_csv(data, name, max_rows=10_000, max_cell_chars=10_000) for name, data in form.media.items()}
    assert tables_named_by(definition) == set(form.media)  # every file it reads is in the corpus, nothing else
    filled, complete = with_file_choices(definition, tables)
    assert complete
    return filled, tables


@pytest.mark.parametrize("form", [f for f in CORPUS if f.refused is None], ids=lambda f: f.name)
def test_a_corpus_form_publishes_takes_its_passing_visit_and_refuses_its_failing_one(form: CorpusForm):
    definition, tables = publish(form)
    assert form.passing is not None and form.failing is not None
    assert run_visit(definition, form.passing, tables=tables).errors == []
    answers, question, code = form.failing
    errors = [(e.question, e.code) for e in run_visit(definition, answers, tables=tables).errors]
    assert (question, code) in errors, errors


@pytest.mark.parametrize("form", [f for f in CORPUS if f.refused is not None], ids=lambda f: f.name)
def test_a_corpus_form_is_refused_with_a_clear_message(form: CorpusForm):
    assert form.refused is not None
    code, words = form.refused
    with pytest.raises(FormDefinitionError) as caught:
        publish(form)
    found = [(e.code, e.message_en) for e in caught.value.errors]
    assert any(c == code and words in message for c, message in found), found
    assert all(e.message_vi and e.path is not None for e in caught.value.errors)
