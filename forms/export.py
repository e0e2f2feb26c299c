"""Tables for exports: a visit's answers as one row, and each repeat as its own sheet keyed by visit and instance.

This is what ODK Central and Kobo give: the main sheet has a row per visit; a repeat (e.g. the household's
people) gets a sheet with a row per instance, keyed by ``visit_id`` and ``instance`` (1-based, as the error
paths ``people[2].age``). Calculated values are stored with the visit, so they export like any answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms.compiled import CompiledForm, compile_form
from forms.spec import FormDefinition

MAIN_SHEET = "visits"
KEY_COLUMNS = ("visit_id",)
INSTANCE_COLUMNS = ("visit_id", "instance")
_NOT_EXPORTED = frozenset({"group", "note", "photo"})


def export_columns(form: FormDefinition | CompiledForm) -> dict[str, list[str]]:
    """Sheet name → its columns in document order (the main sheet first, then one per repeat)."""
    compiled = compile_form(form)
    sheets = {MAIN_SHEET: [*KEY_COLUMNS, *_columns(compiled.steps)]}
    for name, repeat in compiled.repeats.items():
        sheets[name] = [*INSTANCE_COLUMNS, *_columns(repeat.steps)]
    return sheets


def _columns(steps: list[Any]) -> list[str]:
    return [step.name for step in steps if step.kind not in _NOT_EXPORTED and step.kind != "repeat"]


def export_rows(
    form: FormDefinition | CompiledForm, visit_id: str, answers: Mapping[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    """A stored visit's rows, sheet by sheet; values as stored (select_multiple as a list, geopoint as a dict)."""
    compiled = compile_form(form)
    columns = export_columns(compiled)
    main: dict[str, Any] = {"visit_id": visit_id}
    main.update({column: answers.get(column) for column in columns[MAIN_SHEET][len(KEY_COLUMNS) :]})
    tables: dict[str, list[dict[str, Any]]] = {MAIN_SHEET: [main]}
    for name in compiled.repeats:
        instances = answers.get(name)
        rows = []
        for index, instance in enumerate(instances if isinstance(instances, list) else [], start=1):
            if isinstance(instance, Mapping):
                row: dict[str, Any] = {"visit_id": visit_id, "instance": index}
                row.update({column: instance.get(column) for column in columns[name][len(INSTANCE_COLUMNS) :]})
                rows.append(row)
        tables[name] = rows
    return tables
