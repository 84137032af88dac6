"""Spreadsheet import of children (issue 3, item 8).

Communes send their lists of children as Excel or CSV files. A file is checked row by row with
the registration form's own validation (`ChildForm`, `CaregiverForm`), so a bad date, a wrong
identification number or a name full of HTML is refused with the message the web form gives;
every message names its row and column. Rows that may be a child already registered (in the
registry or earlier in the same file) are flagged, never silently created. Only after the user
confirms the preview are the valid rows imported, by a Celery task, in chunks that each commit
whole or not at all, resuming where it stopped if the worker dies.

The file stays in the database (`ImportBatch.content`) between the two steps and is re-read for
the import: nothing parsed is kept but one letter per row saying which rows may be imported.
"""

import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

import openpyxl
import pghistory
import xlsxwriter
from django import forms
from django.contrib.postgres.search import TrigramSimilarity
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from beneficiaries import choices, selectors, services
from beneficiaries.forms import CaregiverForm, ChildForm
from beneficiaries.import_models import ImportBatch, ImportStatus, RowState
from beneficiaries.models import Caregiver, CircumstanceGroup, CircumstanceSubgroup
from beneficiaries.permissions import can_register_children, can_view_sensitive_in_lists
from core.text import fold, normalise
from geography.selectors import communes_managed_by

logger = logging.getLogger(__name__)

FORMATS = ("xlsx", "csv")
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 60_000
CHUNK_SIZE = 500
MAX_STORED_MESSAGES = 5_000
MAX_STORED_FLAGGED = 5_000
MAX_MESSAGE_LENGTH = 300
ABANDONED_AFTER = timedelta(days=7)
XLSX_MAGIC = b"PK\x03\x04"
# Any tag-like text: a list of children has no reason to carry markup, and it could end up in a
# page or a spreadsheet that trusts it.
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]")


class ImportFileError(Exception):
    """The file cannot be read as a list of children; the message is for the user."""


class ImportRefused(Exception):
    """The import cannot start (nothing to import, already started); the message is for the user."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # The Vietnamese header of the template: part of the file format, never translated.
    label: str
    required: bool = False
    example: str = ""


COLUMNS = [
    Column("full_name", "Họ và tên", gettext_lazy("Full name"), True, "Nguyễn Văn An"),
    Column("sex", "Giới tính", gettext_lazy("Sex"), True, "Nam"),
    Column("date_of_birth", "Ngày sinh", gettext_lazy("Date of birth"), False, "15/03/2015"),
    Column("estimated_age", "Tuổi ước tính", gettext_lazy("Estimated age (years)")),
    Column("ethnicity", "Mã dân tộc", gettext_lazy("Ethnicity"), False, "01"),
    Column("personal_id", "Số định danh cá nhân", gettext_lazy("Personal identification number")),
    Column("commune_code", "Mã xã", gettext_lazy("Commune code"), True, "03006"),
    Column("village", "Thôn, tổ dân phố", gettext_lazy("Village")),
    Column("address", "Địa chỉ", gettext_lazy("Address"), False, "Số 12, đường Điện Biên Phủ"),
    Column("poverty_status", "Hộ nghèo, cận nghèo", gettext_lazy("Household poverty status"), False, "không"),
    Column("disability_type", "Dạng khuyết tật", gettext_lazy("Disability")),
    Column("disability_severity", "Mức độ khuyết tật", gettext_lazy("Disability severity")),
    Column("group_codes", "Mã nhóm hoàn cảnh đặc biệt", gettext_lazy("Special-circumstance groups"), False,
           "ORPHAN_BOTH.1"),
    Column("caregiver_name", "Họ tên người chăm sóc", gettext_lazy("Caregiver's full name"), False,
           "Nguyễn Thị Bình"),
    Column("caregiver_relationship", "Quan hệ với trẻ", gettext_lazy("Relationship"), False, "mẹ"),
    Column("caregiver_phone", "Số điện thoại người chăm sóc", gettext_lazy("Caregiver's phone"), False,
           "0987654321"),
]
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# Form fields whose errors belong to a column of another name.
FORM_FIELD_COLUMNS = {"commune": "commune_code", "__all__": ""}

# Words a commune may write instead of the stable codes (folded: case and diacritics ignored).
VIETNAMESE_WORDS = {
    "sex": {"F": ["nữ", "gái"], "M": ["nam", "trai"], "U": ["không rõ", "chưa rõ"]},
    "poverty_status": {"poor": ["hộ nghèo", "nghèo"], "near_poor": ["cận nghèo", "hộ cận nghèo"],
                       "none": ["không", "không nghèo"]},
    "disability_type": {
        "mobility": ["vận động", "khuyết tật vận động"], "hearing_speech": ["nghe, nói", "khuyết tật nghe, nói"],
        "vision": ["nhìn", "khuyết tật nhìn"],
        "mental": ["thần kinh, tâm thần", "khuyết tật thần kinh, tâm thần", "thần kinh", "tâm thần"],
        "intellectual": ["trí tuệ", "khuyết tật trí tuệ"], "other": ["khác", "khuyết tật khác"],
        "": ["không", "không khuyết tật"],
    },
    "disability_severity": {"extremely_severe": ["đặc biệt nặng"], "severe": ["nặng"], "mild": ["nhẹ"],
                            "": ["không"]},
    "caregiver_relationship": {
        "mother": ["mẹ", "mẹ đẻ"], "father": ["bố", "cha", "bố đẻ", "cha đẻ"], "stepmother": ["mẹ kế"],
        "stepfather": ["bố dượng", "cha dượng"], "grandmother": ["bà", "bà nội", "bà ngoại"],
        "grandfather": ["ông", "ông nội", "ông ngoại"], "sibling": ["anh", "chị", "anh trai", "chị gái"],
        "aunt_uncle": ["cô", "dì", "chú", "bác", "cậu", "thím", "mợ"],
        "other_relative": ["họ hàng", "người thân khác"], "foster": ["cha mẹ nuôi", "bố nuôi", "mẹ nuôi"],
        "guardian": ["người giám hộ", "giám hộ"], "other": ["khác"],
    },
}
CHOICE_CLASSES = {
    "sex": choices.Sex, "poverty_status": choices.PovertyStatus, "disability_type": choices.DisabilityType,
    "disability_severity": choices.DisabilitySeverity, "caregiver_relationship": choices.Relationship,
}


def alias_key(text) -> str:
    """'Hộ cận nghèo' -> 'ho can ngheo', 'near_poor' -> 'near poor': how headers and words compare."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(str(text))).split())


@cache
def _choice_aliases(key: str) -> dict[str, str]:
    aliases = {}
    with translation.override("en"):
        for value, label in CHOICE_CLASSES[key].choices:
            aliases[alias_key(value)] = value
            aliases[alias_key(label)] = value
    for value, words in VIETNAMESE_WORDS.get(key, {}).items():
        aliases.update({alias_key(word): value for word in words})
    return aliases


@cache
def _ethnicity_aliases() -> dict[str, str]:
    aliases = {}
    for value, label in choices.Ethnicity.choices:
        aliases[value] = value
        aliases[str(int(value))] = value
        aliases[alias_key(label)] = value
    return aliases


@cache
def _header_aliases() -> dict[str, str]:
    aliases = {}
    with translation.override("en"):
        for column in COLUMNS:
            for name in (column.header, column.key, str(column.label)):
                aliases[alias_key(name)] = column.key
    return aliases


def accepted_values(key: str) -> str:
    """What a coded column accepts, for messages and the template's instructions."""
    if key == "ethnicity":
        return _("a code from 01 to 54 (01 = Kinh, 99 = unknown)")
    codes = [value for value, _label in CHOICE_CLASSES[key].choices if value]
    words = [words[0] for value, words in VIETNAMESE_WORDS.get(key, {}).items() if value]
    return ", ".join(codes + words)


# --- Reading ----------------------------------------------------------------------------------


def cell_text(value) -> str:
    """Any cell as the text a person typed. A formula never runs here: openpyxl is opened with
    data_only=True, so a formula cell gives only the value Excel cached, handled as text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalise(str(value))


def digits_cell(value, width: int) -> str:
    """A code typed as a number in Excel loses its leading zeros (03006 -> 3006): put them back.
    Text is taken as typed, without spaces or dots."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        digits = str(int(value))
        return digits.zfill(width) if len(digits) < width else digits
    return re.sub(r"[\s.]", "", cell_text(value))


def phone_cell(value) -> str:
    """A mobile number typed as a number in Excel loses its leading 0 (912345678)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        digits = str(int(value))
        return "0" + digits if len(digits) in (9, 10) and not digits.startswith("0") else digits
    return cell_text(value)


def date_cell(value):
    """A date cell as a date; typed text goes to the form, which reads dd/mm/yyyy."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return cell_text(value)


def _xlsx_rows(content: bytes) -> Iterator[tuple]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as error:  # noqa: BLE001 - a damaged or disguised file fails in many ways in openpyxl
        raise ImportFileError(_("This is not an Excel workbook (.xlsx) that can be read.")) from error
    try:
        yield from sheet.iter_rows(values_only=True)
    except Exception as error:  # noqa: BLE001 - same: damage found half-way through the sheet
        raise ImportFileError(_("The workbook is damaged and cannot be read to the end.")) from error
    finally:
        workbook.close()


def _csv_rows(content: bytes) -> Iterator[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_("Save the CSV file as UTF-8 (in Excel: “CSV UTF-8”).")) from error
    if "\x00" in text:
        raise ImportFileError(_("This is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    # Excel writes ";" where the decimal separator is a comma (Vietnamese settings), "," elsewhere.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise ImportFileError(_("The CSV file is damaged: %(error)s") % {"error": str(error)[:100]}) from error


class SpreadsheetReader:
    """The first sheet of a workbook, or a CSV file: a header row, then one child per row."""

    def __init__(self, content: bytes | memoryview, file_format: str):
        if file_format not in FORMATS:
            raise ImportFileError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
        content = bytes(content)  # a BinaryField reads back as a memoryview
        self._rows = _xlsx_rows(content) if file_format == "xlsx" else _csv_rows(content)
        self.positions = header_positions(next(self._rows, None))

    def letter(self, key: str) -> str:
        return get_column_letter(self.positions[key] + 1) if key in self.positions else ""

    def records(self) -> Iterator[tuple[int, dict]]:
        """(row number as the spreadsheet shows it, {column key: cell}) for each non-blank row."""
        for number, cells in enumerate(self._rows, start=2):
            record = {key: cells[position] if position < len(cells) else None
                      for key, position in self.positions.items()}
            if any(cell_text(value) for value in record.values()):
                yield number, record


def header_positions(header) -> dict[str, int]:
    if not header or not any(cell_text(title) for title in header):
        raise ImportFileError(_("The file is empty: its first row must hold the column headers of the template."))
    aliases, positions = _header_aliases(), {}
    for position, title in enumerate(header):
        key = aliases.get(alias_key(cell_text(title)))
        if key and key not in positions:
            positions[key] = position
    missing = [column.header for column in COLUMNS if column.required and column.key not in positions]
    if "date_of_birth" not in positions and "estimated_age" not in positions:
        missing.append(COLUMN_BY_KEY["date_of_birth"].header)
    if missing:
        raise ImportFileError(_("These columns are missing from the first row: %(columns)s. Start from the "
                                "template file.") % {"columns": ", ".join(missing)})
    return positions


def count_records(content: bytes, file_format: str) -> int:
    total = 0
    for _record in SpreadsheetReader(content, file_format).records():
        total += 1
        if total > MAX_ROWS:
            raise ImportFileError(_("The file has more than %(max)s rows. Split it into several files.")
                                  % {"max": f"{MAX_ROWS:,}"})
    if total == 0:
        raise ImportFileError(_("The file has a header row but no child."))
    return total


def check_upload(upload) -> tuple[str, bytes]:
    """The upload form's check: type, size and header row, before anything is stored."""
    name = (upload.name or "").lower()
    file_format = name.rsplit(".", 1)[-1] if "." in name else ""
    if file_format == "xls":
        raise ImportFileError(_("Save the workbook as .xlsx (Excel 2007 or later) and upload it again."))
    if file_format not in FORMATS:
        raise ImportFileError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
    if upload.size > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than %(size)s MB. Split it into several files.")
                              % {"size": MAX_FILE_BYTES // (1024 * 1024)})
    content = upload.read()
    if not content:
        raise ImportFileError(_("The file is empty."))
    if file_format == "xlsx" and not (content.startswith(XLSX_MAGIC) and zipfile.is_zipfile(io.BytesIO(content))):
        raise ImportFileError(_("This is not an Excel workbook (.xlsx) that can be read."))
    SpreadsheetReader(content, file_format)  # reads the header row only
    return file_format, content


# --- Checking one row ---------------------------------------------------------------------------


def _short(value: str, length: int = 40) -> str:
    return value if len(value) <= length else value[:length] + "…"


@dataclass
class CheckedRow:
    number: int
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column key, message)
    notes: list[tuple[str, str]] = field(default_factory=list)
    child_data: dict | None = None
    caregivers: list[services.CaregiverData] = field(default_factory=list)
    circumstances: list[tuple] = field(default_factory=list)  # (group, subgroup or None)

    @property
    def ok(self) -> bool:
        return not self.problems

    def refuse(self, column: str, message: str) -> None:
        self.problems.append((column, message))

    @property
    def refused_columns(self) -> set[str]:
        return {column for column, _message in self.problems}

    @property
    def phones(self) -> list[str]:
        return [c.phone for c in self.caregivers if c.phone]


class RowChecker:
    """Checks rows for one user: their communes, the groups they may record."""

    def __init__(self, user):
        self.communes = communes_managed_by(user)
        self.communes_by_code = {commune.code: commune for commune in self.communes}
        self.may_record_sensitive = can_view_sensitive_in_lists(user)
        self.groups = _group_codes()
        self._villages: dict[int, dict[str, int]] = {}

    def check(self, number: int, record: dict) -> CheckedRow:
        row = CheckedRow(number)
        for key, value in record.items():
            if MARKUP.search(cell_text(value)):
                row.refuse(key, _("HTML or script is not allowed in a cell."))
        commune = self._commune(row, record.get("commune_code"))
        child_form = ChildForm(self._child_form_data(row, record, commune), communes=self.communes)
        caregiver_form = CaregiverForm(self._caregiver_form_data(row, record))
        circumstances = self._circumstances(row, record.get("group_codes"))
        self._collect(row, child_form)
        self._collect(row, caregiver_form)
        if row.ok:
            row.child_data = child_form.child_data()
            row.caregivers = _caregivers(caregiver_form.cleaned_data)
            row.circumstances = circumstances
        return row

    def _collect(self, row: CheckedRow, form: forms.Form) -> None:
        """The form's messages, under the row's columns; a column already refused here keeps
        only the importer's clearer message."""
        refused = row.refused_columns
        for name, messages in form.errors.items():
            column = FORM_FIELD_COLUMNS.get(name, name)
            if column not in refused:
                row.problems.extend((column, message) for message in messages)

    def _child_form_data(self, row: CheckedRow, record: dict, commune) -> dict:
        personal_id = digits_cell(record.get("personal_id"), 12)
        return {
            "full_name": cell_text(record.get("full_name")),
            "sex": self._choice(row, record, "sex", ""),
            "date_of_birth": date_cell(record.get("date_of_birth")),
            "estimated_age": cell_text(record.get("estimated_age")),
            "ethnicity": self._ethnicity(row, record),
            "personal_id": personal_id,
            # A personal identification number is given when the birth is registered.
            "birth_registration": choices.BirthRegistration.REGISTERED if personal_id
            else choices.BirthRegistration.UNKNOWN,
            "commune": commune.pk if commune else "",
            "village": self._village(row, record.get("village"), commune) or "",
            "address": cell_text(record.get("address")),
            "schooling": choices.Schooling.UNKNOWN,
            "poverty_status": self._choice(row, record, "poverty_status", choices.PovertyStatus.NONE),
            "disability_type": self._choice(row, record, "disability_type", ""),
            "disability_severity": self._choice(row, record, "disability_severity", ""),
        }

    def _caregiver_form_data(self, row: CheckedRow, record: dict) -> dict:
        relationship = self._choice(row, record, "caregiver_relationship", "")
        return {
            "caregiver_name": cell_text(record.get("caregiver_name")),
            "caregiver_relationship": relationship,
            "caregiver_phone": phone_cell(record.get("caregiver_phone")),
            "caregiver_is_guardian": relationship == choices.Relationship.GUARDIAN,
        }

    def _choice(self, row: CheckedRow, record: dict, key: str, default: str) -> str:
        text = cell_text(record.get(key))
        if not text:
            return default
        value = _choice_aliases(key).get(alias_key(text))
        if value is None:
            row.refuse(key, _("“%(value)s” is not an accepted value. Use one of: %(accepted)s.")
                       % {"value": _short(text), "accepted": accepted_values(key)})
            return ""
        return value

    def _ethnicity(self, row: CheckedRow, record: dict) -> str:
        text = digits_cell(record.get("ethnicity"), 2) if isinstance(record.get("ethnicity"), int | float) \
            else cell_text(record.get("ethnicity"))
        if not text:
            return choices.Ethnicity.UNKNOWN
        value = _ethnicity_aliases().get(text) or _ethnicity_aliases().get(alias_key(text))
        if value is None:
            row.refuse("ethnicity", _("“%(value)s” is not an ethnicity code: use %(accepted)s.")
                       % {"value": _short(text), "accepted": accepted_values("ethnicity")})
            return ""
        return value

    def _commune(self, row: CheckedRow, value):
        code = digits_cell(value, 5)
        if not code:
            row.refuse("commune_code", str(forms.Field.default_error_messages["required"]))
            return None
        if not re.fullmatch(r"\d{5}", code):
            row.refuse("commune_code", _("A commune code has 5 digits, e.g. 03006."))
            return None
        commune = self.communes_by_code.get(code)
        if commune is None:
            row.refuse("commune_code", _("Unknown commune code for your area: %(code)s.") % {"code": code})
        return commune

    def _village(self, row: CheckedRow, value, commune) -> int | None:
        name = cell_text(value)
        if not name or commune is None:
            return None
        if commune.pk not in self._villages:
            self._villages[commune.pk] = dict(
                commune.villages.filter(is_active=True).values_list("name_folded", "pk"))
        village = self._villages[commune.pk].get(fold(name))
        if village is None:
            row.notes.append(("village", _("No village “%(name)s” in %(commune)s: the village is left empty.")
                              % {"name": _short(name), "commune": commune.name}))
        return village

    def _circumstances(self, row: CheckedRow, value) -> list[tuple]:
        """Group or sub-group codes separated by ";": a sub-group implies its group (as in the form)."""
        chosen = {}
        for code in filter(None, (part.strip().upper() for part in re.split(r"[;,\n]", cell_text(value)))):
            entry = self.groups.get(code)
            if entry is None:
                row.refuse("group_codes", _("Unknown group code: %(code)s.") % {"code": _short(code)})
            elif entry[0].is_sensitive and not self.may_record_sensitive:
                row.refuse("group_codes", _("Only a supervisor may record the group %(code)s: membership is "
                                            "sensitive information.") % {"code": code})
            else:
                group, subgroup = entry
                chosen[(group.pk, subgroup.pk if subgroup else None)] = entry
        with_subgroup = {group_pk for group_pk, subgroup_pk in chosen if subgroup_pk}
        return [entry for (group_pk, subgroup_pk), entry in chosen.items()
                if subgroup_pk or group_pk not in with_subgroup]


def _group_codes() -> dict[str, tuple]:
    codes = {group.code.upper(): (group, None) for group in CircumstanceGroup.objects.all()}
    for subgroup in CircumstanceSubgroup.objects.select_related("group"):
        codes[subgroup.code.upper()] = (subgroup.group, subgroup)
    return codes


def _caregivers(data: dict) -> list[services.CaregiverData]:
    if not data.get("caregiver_name"):
        return []
    return [services.CaregiverData(data["caregiver_name"], data["caregiver_relationship"],
                                   data.get("caregiver_phone", ""), data.get("caregiver_is_guardian", False))]


# selectors.likely_duplicates scores a pair: name similarity x 0.5, same birth date +0.3 (within a year
# +0.15), same commune +0.15, same caregiver phone +0.35, and keeps it from DUPLICATE_SCORE_FLOOR (0.6).
# So without the phone a pair needs a similarity of 0.45 with the same birth date, 0.6 with a birth date
# within a year, 0.9 with only the same commune. A test checks that this prefilter changes no result.
SIMILARITY_WITH_CLOSE_BIRTH_DATE = 0.59
SIMILARITY_WITH_SAME_COMMUNE_ONLY = 0.89


def duplicate_scope(visible: QuerySet, row: CheckedRow) -> QuerySet:
    """The only children `selectors.likely_duplicates` could return for this row, found with the
    name's trigram index (pg_trgm's similarity above 0.3, below the 0.45 that counts) instead of by
    scoring every child of the area with one query per candidate: 50,000 rows take minutes, not hours."""
    data = row.child_data
    born, year = data["date_of_birth"], timedelta(days=366)
    near = Q(name_folded__trigram_similar=fold(data["full_name"])) & (
        Q(date_of_birth=born)
        | Q(date_of_birth__range=(born - year, born + year), import_likeness__gte=SIMILARITY_WITH_CLOSE_BIRTH_DATE)
        | Q(commune=data["commune"], import_likeness__gte=SIMILARITY_WITH_SAME_COMMUNE_ONLY)
    )
    if row.phones:
        households = Caregiver.objects.filter(phone__in=row.phones).values_list("household_id", flat=True)
        near |= Q(household_id__in=list(households))
    likeness = TrigramSimilarity("name_folded", Value(fold(data["full_name"])))
    return visible.annotate(import_likeness=likeness).filter(near)


def registry_matches(visible: QuerySet, row: CheckedRow) -> list[selectors.DuplicateCandidate]:
    data = row.child_data
    return selectors.likely_duplicates(
        duplicate_scope(visible, row), full_name=data["full_name"], date_of_birth=data["date_of_birth"],
        commune_id=data["commune"].pk, phones=row.phones, limit=3,
    )


# --- Checking a whole file ----------------------------------------------------------------------


class FileReview:
    """What the preview shows: a state per row, messages by row and column, possible duplicates."""

    def __init__(self, reader: SpreadsheetReader, visible: QuerySet):
        self.reader, self.visible = reader, visible
        self.states: list[str] = []
        self.errors: list[dict] = []
        self.error_count = 0
        self.notes: list[dict] = []
        self.flagged: list[dict] = []
        self.counts = {RowState.VALID: 0, RowState.ERROR: 0, RowState.FLAGGED: 0}
        self._ids: dict[str, int] = {}  # personal id -> first row with it
        self._children: dict[tuple, int] = {}  # (folded name, date of birth, commune) -> first row

    def add(self, row: CheckedRow) -> None:
        if row.ok:
            self._check_personal_id(row)
        state = RowState.ERROR
        if row.ok:
            flag = self._possible_duplicate(row)
            state = RowState.FLAGGED if flag else RowState.VALID
            if flag and len(self.flagged) < MAX_STORED_FLAGGED:
                self.flagged.append(flag)
        self.states.append(state)
        self.counts[state] += 1
        for column, message in row.problems:
            self.error_count += 1
            if len(self.errors) < MAX_STORED_MESSAGES:
                self.errors.append(self.message(row.number, column, message))
        for column, message in row.notes:
            if len(self.notes) < MAX_STORED_MESSAGES:
                self.notes.append(self.message(row.number, column, message))

    def message(self, number: int, column: str, message: str) -> dict:
        return {"row": number, "column": column, "letter": self.reader.letter(column),
                "message": str(message)[:MAX_MESSAGE_LENGTH]}

    def _check_personal_id(self, row: CheckedRow) -> None:
        personal_id = row.child_data["personal_id"]
        if not personal_id:
            return
        if personal_id in self._ids:
            row.refuse("personal_id", _("Row %(row)s of this file has the same identification number.")
                       % {"row": self._ids[personal_id]})
        else:
            self._ids[personal_id] = row.number

    def _possible_duplicate(self, row: CheckedRow) -> dict | None:
        data = row.child_data
        key = (fold(data["full_name"]), data["date_of_birth"], data["commune"].pk)
        same_as_row = self._children.setdefault(key, row.number)
        same_as_row = same_as_row if same_as_row != row.number else None
        matches = registry_matches(self.visible, row)
        if not matches and same_as_row is None:
            return None
        return {
            "row": row.number, "name": data["full_name"], "date_of_birth": data["date_of_birth"].strftime("%d/%m/%Y"),
            "same_as_row": same_as_row,
            "matches": [{"public_id": str(m.child.public_id), "registry_number": m.child.registry_number,
                         "full_name": m.child.full_name, "date_of_birth": m.child.date_of_birth.strftime("%d/%m/%Y"),
                         "commune": m.child.commune.name, "score": m.score, "reasons": m.reasons}
                        for m in matches],
        }

    def outcome(self) -> dict:
        return {
            "row_states": "".join(self.states), "valid_rows": self.counts[RowState.VALID],
            "error_rows": self.counts[RowState.ERROR], "flagged_rows": self.counts[RowState.FLAGGED],
            "errors": self.errors, "error_count": self.error_count, "notes": self.notes, "flagged": self.flagged,
        }


def validate_batch(batch_id: int) -> None:
    """Step 1: check every row of an uploaded file. Nothing is written to the registry."""
    batch = ImportBatch.objects.select_related("uploaded_by").filter(pk=batch_id).first()
    if batch is None or batch.status != ImportStatus.UPLOADED:
        return  # Already checked (a redelivered task): the result stands.
    with translation.override(batch.language):
        try:
            outcome = _review_file(batch)
        except ImportFileError as error:
            _fail(batch, str(error), keep_file=False)
            return
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.UPLOADED).update(
        status=ImportStatus.VALIDATED, progress=100, validated_at=timezone.now(), **outcome)


def _review_file(batch: ImportBatch) -> dict:
    total = count_records(batch.content, batch.file_format)
    # Conditional: a second copy of the task, redelivered meanwhile, cannot rewind a finished batch.
    still_checking = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.UPLOADED)
    still_checking.update(total_rows=total, progress=0)
    checker = RowChecker(batch.uploaded_by)
    reader = SpreadsheetReader(batch.content, batch.file_format)
    review = FileReview(reader, selectors.children_visible_to(batch.uploaded_by))
    for done, (number, record) in enumerate(reader.records(), start=1):
        review.add(checker.check(number, record))
        if done % CHUNK_SIZE == 0:
            still_checking.update(progress=min(99, done * 100 // total))
    return review.outcome()


def _fail(batch: ImportBatch, message: str, *, keep_file: bool) -> None:
    changes = {"status": ImportStatus.FAILED, "failure_message": message[:500], "finished_at": timezone.now()}
    if not keep_file:
        changes["content"] = b""
    ImportBatch.objects.filter(pk=batch.pk).update(**changes)


def fail_batch(batch_id: int, message) -> None:
    """An unexpected error stopped a task: the batch says so instead of spinning forever. A checked
    file stays, so an import that stopped half-way can be started again and resumes."""
    batch = ImportBatch.objects.filter(pk=batch_id).only("pk", "language", "validated_at").first()
    if batch is not None:
        with translation.override(batch.language):
            _fail(batch, str(message), keep_file=batch.validated_at is not None)


# --- Importing ----------------------------------------------------------------------------------


def import_batch_rows(batch_id: int) -> None:
    """Step 2: create the valid rows (and the flagged ones if the user chose so), CHUNK_SIZE rows
    per transaction. Row order is fixed by the stored file, so `rows_done` says exactly what is
    already in the registry: a rerun after a killed worker resumes there and creates nothing twice."""
    batch = ImportBatch.objects.select_related("uploaded_by").filter(pk=batch_id).first()
    if batch is None or batch.status != ImportStatus.IMPORTING:
        return
    with (pghistory.context(user=batch.uploaded_by_id, import_batch=str(batch.public_id)),
          translation.override(batch.language)):
        try:
            reader = SpreadsheetReader(batch.content, batch.file_format)
            finished = _import_in_chunks(batch, reader, RowChecker(batch.uploaded_by))
        except ImportFileError as error:
            _fail(batch, str(error), keep_file=False)
            return
    if finished:
        ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.IMPORTING).update(
            status=ImportStatus.DONE, progress=100, content=b"", finished_at=timezone.now())


def _import_in_chunks(batch: ImportBatch, reader: SpreadsheetReader, checker: RowChecker) -> bool:
    chunk = []
    for index, (number, record) in enumerate(reader.records()):
        if index < batch.rows_done:
            continue
        chunk.append((index, number, record))
        if len(chunk) == CHUNK_SIZE:
            if not _import_chunk(batch, reader, checker, chunk):
                return False
            chunk = []
    return not chunk or _import_chunk(batch, reader, checker, chunk)


@transaction.atomic
def _import_chunk(batch: ImportBatch, reader: SpreadsheetReader, checker: RowChecker, chunk: list) -> bool:
    """One chunk commits whole with the counter that records it, or not at all."""
    locked = ImportBatch.objects.select_for_update().defer("content", "notes", "flagged").get(pk=batch.pk)
    if locked.status != ImportStatus.IMPORTING or locked.rows_done != chunk[0][0]:
        return False  # Cancelled, or another worker took this batch over: it carries on alone.
    wanted = {RowState.VALID, RowState.FLAGGED} if locked.include_flagged else {RowState.VALID}
    refused = []
    for index, number, record in chunk:
        if index < len(locked.row_states) and locked.row_states[index] in wanted:
            problems = _import_row(batch, checker, number, record,
                                   flagged=locked.row_states[index] == RowState.FLAGGED)
            if problems:
                refused.append((number, problems))
            else:
                locked.imported_rows += 1
    _record_refusals(locked, reader, refused)
    locked.rows_done = chunk[-1][0] + 1
    locked.progress = min(99, locked.rows_done * 100 // max(locked.total_rows, 1))
    locked.save(update_fields=["rows_done", "progress", "imported_rows", "skipped_rows", "errors", "error_count",
                               "updated_at"])
    batch.rows_done = locked.rows_done
    return True


def _import_row(batch: ImportBatch, checker: RowChecker, number: int, record: dict, *, flagged: bool) -> list:
    """Check the row again (the registry may have changed since the preview) and create the
    child, its household, caregiver and groups; a flagged row goes to the duplicate review queue."""
    row = checker.check(number, record)
    if not row.ok:
        return row.problems
    by = batch.uploaded_by
    try:
        with transaction.atomic():  # a savepoint: a refused row leaves nothing behind
            matches = registry_matches(selectors.children_visible_to(by), row) if flagged else []
            child = services.register_child(data=row.child_data, by=by, caregivers=row.caregivers)
            for group, subgroup in row.circumstances:
                services.add_circumstance(child, group=group, subgroup=subgroup, started_on=timezone.localdate(),
                                          by=by)
            note = _("Imported from %(file)s, row %(row)s.") % {"file": batch.original_filename, "row": number}
            for match in matches:
                services.flag_duplicate(child, match.child, score=match.score, reasons=["import", *match.reasons],
                                        note=note)
    except IntegrityError:
        return [("personal_id", _("Another child in the registry already has this identification number."))]
    except services.RegistryError as error:
        return [("", str(error))]
    return []


def _record_refusals(batch: ImportBatch, reader: SpreadsheetReader, refused: list) -> None:
    for number, problems in refused:
        batch.skipped_rows += 1
        for column, message in problems:
            batch.error_count += 1
            if len(batch.errors) < MAX_STORED_MESSAGES:
                batch.errors.append({"row": number, "column": column, "letter": reader.letter(column),
                                     "message": str(message)[:MAX_MESSAGE_LENGTH], "during_import": True})


# --- Services called by the views ---------------------------------------------------------------


def batches_of(user) -> QuerySet[ImportBatch]:
    """A batch is seen by the person who uploaded it, and nobody else (its file is personal data)."""
    return ImportBatch.objects.filter(uploaded_by=user).defer("content", "row_states")


def clear_abandoned_files(*, older_than: timedelta = ABANDONED_AFTER) -> int:
    """A checked file nobody imported still holds children's personal data: after a while it is
    dropped and the batch closed (PDPL 91/2025: keep personal data no longer than needed)."""
    return ImportBatch.objects.filter(
        created_at__lt=timezone.now() - older_than,
        status__in=[ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.FAILED],
    ).exclude(content=b"").update(
        content=b"", status=ImportStatus.FAILED, finished_at=timezone.now(),
        failure_message=_("The file was not imported in time and has been deleted."))


def may_resume(batch: ImportBatch) -> bool:
    """A checked file whose import stopped half-way can be started again, while the file is kept."""
    return (batch.status == ImportStatus.FAILED and batch.validated_at is not None
            and ImportBatch.objects.filter(pk=batch.pk).exclude(content=b"").exists())


def _enqueue(task_name: str, batch_id: int) -> None:
    # Through the outbox: if Redis is down the upload still succeeds and the work runs later.
    from core.outbox import enqueue

    enqueue(f"beneficiaries.tasks.{task_name}", batch_id)


@transaction.atomic
def create_batch(*, filename: str, file_format: str, content: bytes, by, language: str) -> ImportBatch:
    if not can_register_children(by):
        raise ImportRefused(_("You may not import children."))
    batch = ImportBatch.objects.create(
        uploaded_by=by, original_filename=filename.replace("\\", "/").rsplit("/", 1)[-1][:255],
        file_format=file_format, content=content, language=language or "vi",
    )
    _enqueue("validate_import", batch.pk)
    return batch


@transaction.atomic
def start_import(batch: ImportBatch, *, include_flagged: bool, by) -> None:
    """Claim the batch with a conditional update, so two clicks start one import. A failed import
    of a checked file starts again where it stopped, with the choice made the first time."""
    if not can_register_children(by):
        raise ImportRefused(_("You may not import children."))
    mine = ImportBatch.objects.filter(pk=batch.pk, uploaded_by=by)
    if batch.status == ImportStatus.VALIDATED and not (batch.valid_rows or (include_flagged and batch.flagged_rows)):
        raise ImportRefused(_("There is no row to import."))
    claimed = mine.filter(status=ImportStatus.VALIDATED).update(
        status=ImportStatus.IMPORTING, include_flagged=include_flagged, progress=0)
    claimed = claimed or mine.filter(status=ImportStatus.FAILED, validated_at__isnull=False).exclude(
        content=b"").update(status=ImportStatus.IMPORTING, failure_message="", finished_at=None)
    if not claimed:
        raise ImportRefused(_("This import has already been started."))
    _enqueue("run_import", batch.pk)


# --- The template file --------------------------------------------------------------------------


def _example_row(user) -> list[str]:
    commune = communes_managed_by(user).order_by("code").first()
    return [commune.code if column.key == "commune_code" and commune else column.example for column in COLUMNS]


def _instructions(user) -> list[list[str]]:
    rows = [[_("Column"), _("Required"), _("What to write")]]
    hints = {
        "full_name": _("As on the birth certificate."),
        "sex": accepted_values("sex"),
        "date_of_birth": _("dd/mm/yyyy. Leave empty when only the age is known."),
        "estimated_age": _("Years, only when the date of birth is not known."),
        "ethnicity": accepted_values("ethnicity"),
        "personal_id": _("12 digits, if the child has one."),
        "commune_code": _("5 digits, a commune of your area."),
        "village": _("Name of a village of the commune; left empty if not found."),
        "poverty_status": accepted_values("poverty_status"),
        "disability_type": accepted_values("disability_type"),
        "disability_severity": accepted_values("disability_severity"),
        "group_codes": _("Codes from the list below, separated by “;”."),
        "caregiver_relationship": accepted_values("caregiver_relationship"),
        "caregiver_phone": _("10 digits for a mobile."),
    }
    for column in COLUMNS:
        required = _("yes") if column.required or column.key == "date_of_birth" else ""
        rows.append([column.header, required, str(hints.get(column.key, ""))])
    rows += [[], [_("Group code"), "", _("Special-circumstance group")]]
    for group in selectors.groups_for(user).prefetch_related("subgroups"):
        rows.append([group.code, "", group.name])
        rows += [[subgroup.code, "", subgroup.name] for subgroup in group.subgroups.all()]
    return rows


def template_csv(user) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Vietnamese correctly only with a BOM
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in COLUMNS])
    writer.writerow(_example_row(user))
    return buffer.getvalue().encode("utf-8")


def template_xlsx(user) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    bold, text = workbook.add_format({"bold": True}), workbook.add_format({"num_format": "@"})
    sheet = workbook.add_worksheet("Danh sách trẻ em")
    # Text cells: Excel would otherwise drop the leading zeros of codes, IDs and phone numbers.
    sheet.set_column(0, len(COLUMNS) - 1, 22, text)
    sheet.write_row(0, 0, [column.header for column in COLUMNS], bold)
    sheet.write_row(1, 0, _example_row(user), text)
    sheet.freeze_panes(1, 0)
    guide = workbook.add_worksheet("Hướng dẫn")
    guide.set_column(0, 0, 34)
    guide.set_column(2, 2, 90)
    for number, row in enumerate(_instructions(user)):
        guide.write_row(number, 0, row, bold if number == 0 else None)
    workbook.close()
    return output.getvalue()
