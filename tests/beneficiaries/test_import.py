"""Spreadsheet import of children (issue 3, item 8): template, checking, preview, import, duplicates,
resumable background task, scope and permissions. Files are built in memory."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
import xlsxwriter
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from beneficiaries import imports, services, tasks
from beneficiaries.import_models import ImportBatch, ImportStatus
from beneficiaries.models import Caregiver, Child, ChildCircumstance, DuplicateSuspect
from geography.models import Commune

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in imports.COLUMNS]
KEYS = [column.key for column in imports.COLUMNS]
SA_PA, BAT_XAT, CAO_LANH = "03006", "02683", "29869"


@pytest.fixture
def login_as(login_as):
    """The personas, with the English interface: messages are checked in English."""

    def _login(username: str):
        client = login_as(username)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _login


@pytest.fixture(autouse=True)
def eager_celery():
    """Run tasks in-process even where REDIS_URL is set (CI): these tests check the import, not Redis."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def child_row(**values) -> dict:
    """A valid row: a girl of Sa Pa, born 2016, with her mother."""
    row = {
        "full_name": "Lò Thị Sen", "sex": "Nữ", "date_of_birth": "12/05/2016", "estimated_age": "",
        "ethnicity": "08", "personal_id": "", "commune_code": SA_PA, "village": "Tổ dân phố 1",
        "address": "Số 5, đường Cầu Mây", "poverty_status": "hộ nghèo", "disability_type": "",
        "disability_severity": "", "group_codes": "", "caregiver_name": "Lò Thị Dung",
        "caregiver_relationship": "mẹ", "caregiver_phone": "0398 765 432",
    }
    row.update(values)
    return row


def xlsx_upload(rows: list[dict], name: str = "children.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(key, "") for key in KEYS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_upload(rows: list[dict], *, delimiter: str = ",", name: str = "children.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([row.get(key, "") for key in KEYS])
    return SimpleUploadedFile(name, ("\ufeff" + buffer.getvalue()).encode("utf-8"))


def upload(client, file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("beneficiaries:import_upload"), {"file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.latest("created_at")


def confirm(client, batch, django_capture_on_commit_callbacks, *, include_flagged: bool = False):
    data = {"include_flagged": "on"} if include_flagged else {}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("beneficiaries:import_run", args=[batch.public_id]), data)
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


def errors_by_row(batch) -> dict[int, dict[str, str]]:
    found = {}
    for error in batch.errors:
        found.setdefault(error["row"], {})[error["column"]] = error["message"]
    return found


def registered(user, **data) -> Child:
    commune = Commune.objects.current().get(code=data.pop("commune_code", SA_PA))
    return services.register_child(data={"commune": commune, "sex": "F", **data}, by=user)


# --- Template -------------------------------------------------------------------------------------


def test_excel_template_opens_with_openpyxl_and_has_the_headers(login_as):
    response = login_as("worker").get(reverse("beneficiaries:import_template", args=["xlsx"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    example_commune = Commune.objects.current().get(code=rows[1][KEYS.index("commune_code")])
    assert example_commune.province.code == "15"  # an example commune of the worker's area
    guide = [row[0] for row in workbook.worksheets[1].iter_rows(values_only=True)]
    assert "ORPHAN_BOTH.3" in guide and "HIV" not in guide  # sensitive groups only for supervisors


def test_csv_template_has_the_headers_and_an_example_that_imports(login_as, django_capture_on_commit_callbacks):
    client = login_as("worker")
    content = client.get(reverse("beneficiaries:import_template", args=["csv"])).content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    batch = upload(client, SimpleUploadedFile("template.csv", content), django_capture_on_commit_callbacks)
    assert (batch.status, batch.valid_rows + batch.flagged_rows, batch.error_count) == (ImportStatus.VALIDATED, 1, 0)


# --- Checking: every bad input has its message, row and column; nothing is saved ---------------------


BAD_ROWS = [
    # (row values, column expected to carry the error, words of the message)
    ({"date_of_birth": (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y")}, "date_of_birth", "future"),
    ({"date_of_birth": "01/01/2000"}, "date_of_birth", "over 18"),
    ({"date_of_birth": "", "estimated_age": "25"}, "estimated_age", "18"),
    ({"personal_id": "123456789012"}, "personal_id", "province code"),
    ({"personal_id": "01031612"}, "personal_id", "12 digits"),
    ({"caregiver_phone": "12345"}, "caregiver_phone", "phone number"),
    ({"commune_code": "99999"}, "commune_code", "Unknown commune code for your area"),
    ({"commune_code": "ab"}, "commune_code", "5 digits"),
    ({"full_name": "Nguyễn " * 1700}, "full_name", "at most 150 characters"),
    ({"full_name": "<script>alert(1)</script>"}, "full_name", "HTML or script"),
    ({"address": "<img src=x onerror=alert(1)>"}, "address", "HTML or script"),
    ({"full_name": ""}, "full_name", "required"),
    ({"sex": ""}, "sex", "required"),
    ({"sex": "X"}, "sex", "not an accepted value"),
    ({"date_of_birth": ""}, "date_of_birth", "Give the date of birth"),
    ({"date_of_birth": "31/02/2016"}, "date_of_birth", "valid date"),
    ({"commune_code": ""}, "commune_code", "required"),
    ({"group_codes": "NOT_A_GROUP"}, "group_codes", "Unknown group code"),
    ({"group_codes": "HIV"}, "group_codes", "Only a supervisor"),
    ({"poverty_status": "giàu"}, "poverty_status", "not an accepted value"),
    ({"ethnicity": "77"}, "ethnicity", "not an ethnicity code"),
    ({"caregiver_name": "", "caregiver_relationship": ""}, "caregiver_name", "caregiver's name"),
    ({"caregiver_relationship": ""}, "caregiver_relationship", "related"),
    ({"disability_type": "vision"}, "disability_severity", "both the type and the severity"),
]


@pytest.mark.parametrize("make_file", [xlsx_upload, csv_upload], ids=["xlsx", "csv"])
def test_each_bad_input_is_reported_by_row_and_column_and_nothing_is_saved(
    login_as, django_capture_on_commit_callbacks, make_file,
):
    client = login_as("worker")
    good = [child_row(full_name="Lò Thị Sen"), child_row(full_name="Sùng A Dế", sex="Nam", village="",
                                                       caregiver_phone="")]
    bad = [child_row(full_name=f"Giàng Thị Sua {chr(ord('A') + i)}", **values) if "full_name" not in values
           else child_row(**values) for i, (values, _column, _words) in enumerate(BAD_ROWS)]
    children_before = Child.objects.count()
    batch = upload(client, make_file(good + bad), django_capture_on_commit_callbacks)

    assert batch.status == ImportStatus.VALIDATED
    assert (batch.total_rows, batch.valid_rows, batch.error_rows) == (len(good) + len(bad), 2, len(bad))
    found = errors_by_row(batch)
    for offset, (_values, column, words) in enumerate(BAD_ROWS):
        row_number = 2 + len(good) + offset  # the header is row 1
        assert column in found.get(row_number, {}), (row_number, column, found.get(row_number))
        assert words.lower() in found[row_number][column].lower(), (column, found[row_number][column])
    assert all(error["letter"] for error in batch.errors if error["column"])
    assert Child.objects.count() == children_before  # nothing saved before confirmation

    page = client.get(reverse("beneficiaries:import_preview", args=[batch.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Unknown commune code for your area" in html or "99999" in html
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html  # escaped, never markup
    assert 'data-testid="import-confirm"' in html


def test_duplicate_identification_numbers_are_errors_in_the_file_and_against_the_registry(
    login_as, persona, django_capture_on_commit_callbacks,
):
    registered(persona("worker"), full_name="Hờ Thị Chá", date_of_birth=date(2014, 2, 2),
               personal_id="010314000001")
    rows = [
        child_row(full_name="Lù Thị Pằng", personal_id="010316000002"),
        child_row(full_name="Tẩn Thị Xuân", personal_id="010316000002"),  # same as the row above
        child_row(full_name="Phàn Thị Mẩy", date_of_birth="02/02/2014", personal_id="010314000001"),
    ]
    batch = upload(login_as("worker"), xlsx_upload(rows), django_capture_on_commit_callbacks)
    found = errors_by_row(batch)
    assert batch.valid_rows == 1
    assert "Row 2" in found[3]["personal_id"]
    assert "already has this identification number" in found[4]["personal_id"]


def test_missing_columns_and_too_many_rows_are_refused_with_a_message(
    login_as, monkeypatch, django_capture_on_commit_callbacks,
):
    client = login_as("worker")
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Họ và tên", "Giới tính"], ["Lò Thị Sen", "Nữ"]])
    response = client.post(reverse("beneficiaries:import_upload"),
                           {"file": SimpleUploadedFile("a.csv", buffer.getvalue().encode())})
    assert response.status_code == 200 and "Mã xã" in response.context["form"].errors["file"][0]

    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    batch = upload(client, csv_upload([child_row(full_name=n) for n in ["Lò Mai", "Vàng Sử", "Hầu Dợ", "Tráng Pó"]]),
                   django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.FAILED and "more than 3 rows" in batch.failure_message
    assert bytes(batch.content) == b""


@pytest.mark.parametrize(("name", "content"), [
    ("list.txt", b"Ho va ten\nLo Thi Mai\n"),
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
    ("setup.xlsx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),  # renamed, still not a workbook
    ("setup.csv", b"MZ\x90\x00\x03\x00\xff\xfe\x00"),
    ("old.xls", b"\xd0\xcf\x11\xe0"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused(login_as, name, content):
    response = login_as("worker").post(reverse("beneficiaries:import_upload"),
                                       {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportBatch.objects.exists()


# --- Importing ---------------------------------------------------------------------------------------


def test_confirming_imports_exactly_the_valid_rows_with_history(
    login_as, persona, django_capture_on_commit_callbacks,
):
    client, worker = login_as("worker"), persona("worker")
    rows = [
        child_row(full_name="Lò Thị Sen", personal_id="010316123456", group_codes="ORPHAN_BOTH.3; NO_SUPPORT"),
        child_row(full_name="Sùng A Dế", sex="Nam", date_of_birth="", estimated_age="9", caregiver_name="",
                  caregiver_relationship="", caregiver_phone="", commune_code=BAT_XAT, village="Thôn Không Có",
                  poverty_status="cận nghèo"),
        child_row(full_name="Giàng Thị Sua", date_of_birth="01/01/1990"),  # error: never imported
    ]
    batch = upload(client, xlsx_upload(rows), django_capture_on_commit_callbacks)
    assert (batch.valid_rows, batch.error_rows) == (2, 1)
    assert batch.notes and batch.notes[0]["column"] == "village"  # unknown village: noted, left empty
    before = Child.objects.count()

    batch = confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.DONE and batch.progress == 100
    assert (batch.imported_rows, batch.skipped_rows) == (2, 0)
    assert bytes(batch.content) == b""  # the file is not kept once imported
    assert Child.objects.count() == before + 2
    mai = Child.objects.get(full_name="Lò Thị Sen")
    assert (mai.sex, mai.ethnicity, mai.poverty_status, mai.village.name) == ("F", "08", "poor", "Tổ dân phố 1")
    assert mai.key_worker == worker and mai.birth_registration == "registered"
    assert Caregiver.objects.get(household=mai.household).phone == "0398765432"
    circumstances = ChildCircumstance.objects.filter(child=mai)
    assert {(c.group.code, c.subgroup.code if c.subgroup else None) for c in circumstances} == {
        ("ORPHAN_BOTH", "ORPHAN_BOTH.3"), ("NO_SUPPORT", None)}
    de = Child.objects.get(full_name="Sùng A Dế")
    assert de.birth_date_estimated and de.village is None and de.poverty_status == "near_poor"
    assert not Child.objects.filter(full_name="Giàng Thị Sua").exists()

    event = apps.get_model("beneficiaries", "ChildEvent").objects.select_related("pgh_context").get(pgh_obj=mai)
    assert event.pgh_context.metadata["import_batch"] == str(batch.public_id)
    assert int(event.pgh_context.metadata["user"]) == worker.pk


def test_running_the_import_task_again_creates_nothing_more(login_as, django_capture_on_commit_callbacks):
    client = login_as("worker")
    batch = upload(client, csv_upload([child_row(full_name="Lò Thị Sen"), child_row(full_name="Sùng A Dế")]),
                   django_capture_on_commit_callbacks)
    file_content = bytes(batch.content)
    batch = confirm(client, batch, django_capture_on_commit_callbacks)
    count = Child.objects.count()

    tasks.run_import.delay(batch.pk)  # a redelivered task on a finished batch
    assert Child.objects.count() == count
    # Killed after committing the last chunk, before marking the batch done (the file is still there).
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.IMPORTING, content=file_content)
    tasks.run_import.delay(batch.pk)
    assert Child.objects.count() == count
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and batch.imported_rows == 2


def test_an_import_killed_half_way_resumes_without_creating_a_child_twice(
    login_as, monkeypatch, django_capture_on_commit_callbacks,
):
    client = login_as("worker")
    names = ["Lò Thị Sen", "Sùng A Dế", "Giàng Thị Sua", "Vàng A Páo", "Hầu Thị Dợ"]
    batch = upload(client, xlsx_upload([child_row(full_name=n) for n in names]), django_capture_on_commit_callbacks)
    monkeypatch.setattr(imports, "CHUNK_SIZE", 2)
    real_import_row, calls = imports._import_row, []

    def dying_worker(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:  # in the middle of the second chunk
            raise RuntimeError("worker killed")
        return real_import_row(*args, **kwargs)

    monkeypatch.setattr(imports, "_import_row", dying_worker)
    batch = confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.FAILED and imports.may_resume(batch)
    assert (batch.rows_done, batch.imported_rows) == (2, 2)  # the first chunk stays, the second rolled back
    assert Child.objects.filter(full_name__in=names).count() == 2

    monkeypatch.setattr(imports, "_import_row", real_import_row)
    batch = confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.DONE and batch.imported_rows == 5
    assert sorted(Child.objects.filter(full_name__in=names).values_list("full_name", flat=True)) == sorted(names)


def test_a_row_that_became_invalid_after_the_preview_is_refused_during_the_import(
    login_as, persona, django_capture_on_commit_callbacks,
):
    client = login_as("worker")
    batch = upload(client, csv_upload([child_row(personal_id="010316123456"), child_row(full_name="Sùng A Dế")]),
                   django_capture_on_commit_callbacks)
    assert batch.valid_rows == 2
    registered(persona("supervisor"), full_name="Hờ Thị Chá", date_of_birth=date(2016, 1, 1),
               personal_id="010316123456")
    batch = confirm(client, batch, django_capture_on_commit_callbacks)
    assert (batch.imported_rows, batch.skipped_rows) == (1, 1)
    assert batch.errors[-1]["row"] == 2 and batch.errors[-1]["during_import"]


# --- Possible duplicates -----------------------------------------------------------------------------


@pytest.fixture
def file_with_duplicates(persona):
    """Row 2 looks like a child already registered; row 4 repeats row 3."""
    existing = registered(persona("worker"), full_name="Thào Thị Dua", date_of_birth=date(2015, 4, 3))
    rows = [
        child_row(full_name="Thào Thị Dua", date_of_birth="03/04/2015"),
        child_row(full_name="Sình A Phử", sex="Nam", date_of_birth="07/08/2013"),
        child_row(full_name="Sình A Phử", sex="Nam", date_of_birth="07/08/2013", caregiver_phone=""),
    ]
    return existing, rows


def test_possible_duplicates_are_flagged_and_not_created(login_as, file_with_duplicates,
                                                         django_capture_on_commit_callbacks):
    existing, rows = file_with_duplicates
    client = login_as("worker")
    suspects_before = DuplicateSuspect.objects.count()  # the demo data has a pair of its own
    batch = upload(client, xlsx_upload(rows), django_capture_on_commit_callbacks)
    assert (batch.valid_rows, batch.flagged_rows, batch.error_rows) == (1, 2, 0)
    flagged = {entry["row"]: entry for entry in batch.flagged}
    assert flagged[2]["matches"][0]["registry_number"] == existing.registry_number
    assert flagged[4]["same_as_row"] == 3
    html = client.get(reverse("beneficiaries:import_preview", args=[batch.public_id])).content.decode()
    assert existing.registry_number in html and 'name="include_flagged"' in html

    batch = confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.imported_rows == 1
    assert Child.objects.filter(full_name="Thào Thị Dua").count() == 1
    assert Child.objects.filter(full_name="Sình A Phử").count() == 1
    assert DuplicateSuspect.objects.count() == suspects_before


def test_flagged_rows_imported_on_request_go_to_the_duplicate_queue(login_as, file_with_duplicates,
                                                                    django_capture_on_commit_callbacks):
    existing, rows = file_with_duplicates
    client = login_as("worker")
    batch = upload(client, xlsx_upload(rows), django_capture_on_commit_callbacks)
    batch = confirm(client, batch, django_capture_on_commit_callbacks, include_flagged=True)
    assert batch.imported_rows == 3
    duas = set(Child.objects.filter(full_name="Thào Thị Dua").values_list("pk", flat=True))
    paos = set(Child.objects.filter(full_name="Sình A Phử").values_list("pk", flat=True))
    assert len(duas) == 2 and len(paos) == 2
    new_children = (duas | paos) - {existing.pk}
    suspects = DuplicateSuspect.objects.filter(Q(child__in=new_children) | Q(other__in=new_children))
    pairs = {frozenset((s.child_id, s.other_id)): s for s in suspects}
    assert set(pairs) == {frozenset(duas), frozenset(paos)}
    assert all("import" in suspect.reasons and suspect.status == "open" for suspect in pairs.values())


# --- Formulas, formats ---------------------------------------------------------------------------------


def test_formulas_are_never_evaluated_and_their_cached_value_is_plain_text(
    login_as, django_capture_on_commit_callbacks,
):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    for number, name in [(1, "Lò Thị Sen"), (2, "Sùng A Dế")]:
        sheet.write_row(number, 0, [child_row(full_name=name)[key] for key in KEYS])
    address = KEYS.index("address")
    # A cached value Excel would show: read as text, the formula itself is not kept or run.
    sheet.write_formula(1, address, '=HYPERLINK("http://evil.example/steal","Bản Cát Cát")', None, "Bản Cát Cát")
    # No cached value: an evaluating reader would compute "Sùng A Dế"; this importer sees an empty cell.
    sheet.write_formula(2, KEYS.index("full_name"), '=CONCATENATE("Sùng ","A Dế")', None, "")
    workbook.close()
    client = login_as("worker")
    batch = upload(client, SimpleUploadedFile("formulas.xlsx", buffer.getvalue()), django_capture_on_commit_callbacks)
    assert "required" in errors_by_row(batch)[3]["full_name"]
    confirm(client, batch, django_capture_on_commit_callbacks)
    assert Child.objects.get(full_name="Lò Thị Sen").address == "Bản Cát Cát"


def test_formula_text_in_a_csv_is_kept_as_plain_text(login_as, django_capture_on_commit_callbacks):
    formula = '=HYPERLINK("http://evil.example","x")'
    client = login_as("worker")
    batch = upload(client, csv_upload([child_row(address=formula)]), django_capture_on_commit_callbacks)
    confirm(client, batch, django_capture_on_commit_callbacks)
    assert Child.objects.get(full_name="Lò Thị Sen").address == formula


def test_semicolon_csv_and_numbers_typed_in_excel_are_read_as_meant(login_as, django_capture_on_commit_callbacks):
    client = login_as("worker")
    row = child_row(sex="nu", poverty_status="near_poor", caregiver_relationship="Bà nội")
    batch = upload(client, csv_upload([row], delimiter=";"), django_capture_on_commit_callbacks)
    assert (batch.valid_rows, batch.error_count) == (1, 0)

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    row = child_row(full_name="Sùng A Dế", sex="M", date_of_birth=date(2016, 5, 12), ethnicity=8,
                    personal_id=10216123456, commune_code=3006, caregiver_phone=398765432)
    sheet.append([row[key] for key in KEYS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = upload(client, SimpleUploadedFile("numbers.xlsx", buffer.getvalue()), django_capture_on_commit_callbacks)
    assert batch.error_count == 0, batch.errors
    confirm(client, batch, django_capture_on_commit_callbacks)
    de = Child.objects.get(full_name="Sùng A Dế")
    assert (de.personal_id, de.commune.code, de.ethnicity, de.date_of_birth) == (
        "010216123456", SA_PA, "08", date(2016, 5, 12))


# --- Scope and permissions ----------------------------------------------------------------------------


def test_a_commune_outside_the_users_province_is_an_error(login_as, django_capture_on_commit_callbacks):
    batch = upload(login_as("worker"), csv_upload([child_row(commune_code=CAO_LANH, village="")]),
                   django_capture_on_commit_callbacks)
    assert "Unknown commune code for your area" in errors_by_row(batch)[2]["commune_code"]


def test_worker_b_cannot_import_into_lao_cai(login_as, django_capture_on_commit_callbacks):
    client = login_as("worker_b")
    batch = upload(client, csv_upload([child_row(commune_code=SA_PA), child_row(full_name="Sùng A Dế",
                                                                               commune_code=BAT_XAT)]),
                   django_capture_on_commit_callbacks)
    assert batch.valid_rows == 0 and batch.error_rows == 2
    assert all(e["column"] == "commune_code" for e in batch.errors)
    response = client.post(reverse("beneficiaries:import_run", args=[batch.public_id]))
    assert response.status_code == 302
    assert not Child.objects.filter(full_name__in=["Lò Thị Sen", "Sùng A Dế"]).exists()


def test_a_supervisor_may_import_a_sensitive_group(login_as, django_capture_on_commit_callbacks):
    client = login_as("supervisor")
    batch = upload(client, csv_upload([child_row(group_codes="HIV")]), django_capture_on_commit_callbacks)
    assert batch.valid_rows == 1
    confirm(client, batch, django_capture_on_commit_callbacks)
    assert ChildCircumstance.objects.filter(child__full_name="Lò Thị Sen", group__code="HIV").exists()


def test_only_the_uploader_sees_a_batch(login_as, django_capture_on_commit_callbacks):
    batch = upload(login_as("worker"), csv_upload([child_row()]), django_capture_on_commit_callbacks)
    for username in ["supervisor", "worker_b"]:
        client = login_as(username)
        for name in ["import_preview", "import_progress"]:
            assert client.get(reverse(f"beneficiaries:{name}", args=[batch.public_id])).status_code == 404
        assert client.post(reverse("beneficiaries:import_run", args=[batch.public_id])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED


@pytest.mark.parametrize("username", ["hotline", "official", "partner"])
def test_only_people_who_register_children_may_import(login_as, username):
    client = login_as(username)
    assert client.get(reverse("beneficiaries:import_upload")).status_code in (404, 302)
    assert client.get(reverse("beneficiaries:import_template", args=["xlsx"])).status_code in (404, 302)


def test_the_children_list_offers_import_to_those_who_register(login_as):
    url = reverse("beneficiaries:import_upload")
    assert url in login_as("worker").get(reverse("beneficiaries:child_list")).content.decode()
    assert url not in login_as("hotline").get(reverse("beneficiaries:child_list")).content.decode()


def test_progress_fragment_polls_while_running_and_has_no_inline_style(login_as, persona):
    batch = ImportBatch.objects.create(uploaded_by=persona("worker"), original_filename="a.csv", file_format="csv",
                                       status=ImportStatus.IMPORTING, total_rows=1000, rows_done=430, progress=43)
    client = login_as("worker")
    url = reverse("beneficiaries:import_progress", args=[batch.public_id])
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in html and "w-pct-40" in html and "style=" not in html
    batch.status, batch.progress = ImportStatus.DONE, 100
    batch.save()
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true" and "hx-trigger" not in response.content.decode()
    preview = client.get(reverse("beneficiaries:import_preview", args=[batch.public_id])).content.decode()
    assert "style=" not in preview


def test_the_upload_page_lists_the_columns_and_the_users_recent_imports(login_as, django_capture_on_commit_callbacks):
    client = login_as("worker")
    upload(client, csv_upload([child_row()], name="xa-sa-pa.csv"), django_capture_on_commit_callbacks)
    login_as("supervisor").post(reverse("beneficiaries:import_upload"),
                                {"file": csv_upload([child_row()], name="of-the-supervisor.csv")})
    html = client.get(reverse("beneficiaries:import_upload")).content.decode()
    assert "Mã xã" in html and "xa-sa-pa.csv" in html and "of-the-supervisor.csv" not in html


def test_files_never_imported_are_deleted_after_a_week(login_as, django_capture_on_commit_callbacks):
    client = login_as("worker")
    waiting = upload(client, csv_upload([child_row()]), django_capture_on_commit_callbacks)
    assert tasks.clear_abandoned_import_files.delay().get() == 0
    ImportBatch.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert tasks.clear_abandoned_import_files.delay().get() == 1
    waiting.refresh_from_db()
    assert waiting.status == ImportStatus.FAILED and bytes(waiting.content) == b"" and not imports.may_resume(waiting)


def test_the_duplicate_prefilter_changes_no_result_of_likely_duplicates(persona):
    """imports.duplicate_scope narrows the children before selectors.likely_duplicates scores them;
    it must never drop a child that the full scoring would have returned."""
    from beneficiaries import selectors

    worker = persona("worker")
    born = date(2015, 6, 1)
    for name, birth, commune, phone in [
        ("Hạng Thị Xuân", born, CAO_LANH, ""),  # same name and birth date, another province
        ("Hạng Thị Xuân", born, BAT_XAT, ""),  # same name and birth date, another commune
        ("Hạng Thị Xuân", born + timedelta(days=200), BAT_XAT, ""),  # birth date within a year
        ("Hạng Thị Xuân", date(2010, 1, 1), SA_PA, ""),  # same commune only
        ("Hạng Thị Xuyến", born + timedelta(days=100), SA_PA, ""),  # similar name
        ("Hạng Văn Xuân", born, SA_PA, ""),
        ("Mùa A Chớ", born, SA_PA, "0398111222"),  # another name, same caregiver phone
        ("Mùa A Chớ", date(2009, 1, 1), BAT_XAT, "0398111222"),
    ]:
        caregivers = [services.CaregiverData("Mùa Thị Dính", "mother", phone)] if phone else []
        services.register_child(data={"full_name": name, "sex": "F", "date_of_birth": birth,
                                      "commune": Commune.objects.current().get(code=commune)},
                                by=worker, caregivers=caregivers)
    checker, visible = imports.RowChecker(worker), selectors.children_visible_to(worker)
    for probe in [child_row(full_name="Hạng Thị Xuân", date_of_birth="01/06/2015", caregiver_phone=""),
                  child_row(full_name="Hạng Thị Xuân", date_of_birth="01/06/2012", caregiver_phone=""),
                  child_row(full_name="Hạng Thị Xuân", date_of_birth="01/06/2015", caregiver_phone="0398111222"),
                  child_row(full_name="Sùng Thị Say", date_of_birth="01/06/2015", caregiver_phone="0398111222")]:
        row = checker.check(2, probe)
        data = row.child_data
        full = selectors.likely_duplicates(visible, full_name=data["full_name"], date_of_birth=data["date_of_birth"],
                                           commune_id=data["commune"].pk, phones=row.phones, limit=3)
        narrowed = imports.registry_matches(visible, row)
        assert [(m.child.pk, m.score) for m in narrowed] == [(m.child.pk, m.score) for m in full]
        assert full, probe  # every probe has matches: the comparison is not vacuous
