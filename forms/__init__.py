"""Gõ Cửa forms: definitions, expressions, answer checks, rubric scoring, XLSForm import.

Pure Python: nothing here touches the web service or the database.
"""

from forms.answers import (
    AnswerError,
    PhotoRule,
    geopoint_threshold,
    required_photos,
    validate_answers,
)
from forms.bundled import bundled_form_paths
from forms.compat import check_compatible
from forms.compiled import CompiledForm, compile_form
from forms.errors import FormDefinitionError, FormError
from forms.expr import ExpressionError, evaluate, parse, referenced_names
from forms.load import (
    DERIVED_VERSION_PREFIX,
    canonical_json,
    content_hash,
    derived_version,
    load_definition,
)
from forms.rubric import Score, score
from forms.spec import (
    Base,
    BooleanQuestion,
    CalculateQuestion,
    Choice,
    DateQuestion,
    DateTimeQuestion,
    DecimalQuestion,
    FormDefinition,
    GeopointQuestion,
    Group,
    Indicator,
    IntegerQuestion,
    Label,
    Level,
    NoteQuestion,
    PhotoQuestion,
    Question,
    RangeQuestion,
    RepeatGroup,
    Rubric,
    SelectMultipleQuestion,
    SelectOneQuestion,
    TextQuestion,
    TimeQuestion,
    question_type,
)
from forms.xlsform import convert_xlsform, convert_xlsform_report

__all__ = [
    "DERIVED_VERSION_PREFIX",
    "AnswerError",
    "Base",
    "BooleanQuestion",
    "CalculateQuestion",
    "Choice",
    "CompiledForm",
    "DateQuestion",
    "DateTimeQuestion",
    "DecimalQuestion",
    "ExpressionError",
    "FormDefinition",
    "FormDefinitionError",
    "FormError",
    "GeopointQuestion",
    "Group",
    "Indicator",
    "IntegerQuestion",
    "Label",
    "Level",
    "NoteQuestion",
    "PhotoQuestion",
    "PhotoRule",
    "Question",
    "RangeQuestion",
    "RepeatGroup",
    "Rubric",
    "Score",
    "SelectMultipleQuestion",
    "SelectOneQuestion",
    "TextQuestion",
    "TimeQuestion",
    "bundled_form_paths",
    "canonical_json",
    "check_compatible",
    "compile_form",
    "content_hash",
    "convert_xlsform",
    "convert_xlsform_report",
    "derived_version",
    "evaluate",
    "geopoint_threshold",
    "load_definition",
    "parse",
    "question_type",
    "referenced_names",
    "required_photos",
    "score",
    "validate_answers",
]
