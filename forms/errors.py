"""Errors about form definitions, reported all at once so an admin can fix a form in one go."""

from __future__ import annotations

from forms.spec import Base


class FormError(Base, frozen=True):
    """One problem in a form definition.

    ``path`` points into the definition JSON, e.g. ``questions[3].choices[1].value`` or
    ``rubric.levels[2].condition``; for XLSForm problems it names the sheet row, e.g.
    ``survey[row=12,name=household_size].type``. ``code`` is stable, for programs.
    """

    path: str
    code: str
    message_vi: str
    message_en: str


class FormDefinitionError(ValueError):
    """The definition was refused; ``errors`` lists every problem found, not just the first."""

    def __init__(self, errors: list[FormError]) -> None:
        self.errors = list(errors)
        shown = "; ".join(f"{error.path or '(form)'}: {error.message_en}" for error in self.errors[:5])
        more = f" (and {len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
        super().__init__(f"{len(self.errors)} problem(s) in the form definition: {shown}{more}")
