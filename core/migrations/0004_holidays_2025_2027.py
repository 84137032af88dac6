"""Viet Nam's public holidays 2025-2027 (Labour Code 2019 art. 112) with the days off the
government announced. 2027's Tết break and the 2026-2027 National Day extra day were not yet
announced when this was written: they are marked provisional for administrators to correct."""

from datetime import date, timedelta

from django.db import migrations


def span(first: date, last: date, name: str):
    day = first
    while day <= last:
        yield day, name
        day += timedelta(days=1)


HOLIDAYS = [
    (date(2025, 1, 1), "Tết Dương lịch"),
    *span(date(2025, 1, 25), date(2025, 2, 2), "Tết Nguyên đán Ất Tỵ"),
    (date(2025, 4, 7), "Giỗ Tổ Hùng Vương (10/3 âm lịch)"),
    (date(2025, 4, 30), "Ngày Giải phóng miền Nam, thống nhất đất nước"),
    (date(2025, 5, 1), "Ngày Quốc tế Lao động"),
    (date(2025, 5, 2), "Nghỉ bù (đổi ngày làm việc 26/4/2025)"),
    (date(2025, 9, 1), "Quốc khánh (ngày liền kề)"),
    (date(2025, 9, 2), "Quốc khánh"),
    (date(2026, 1, 1), "Tết Dương lịch"),
    *span(date(2026, 2, 14), date(2026, 2, 22), "Tết Nguyên đán Bính Ngọ"),
    (date(2026, 4, 27), "Giỗ Tổ Hùng Vương (nghỉ bù, 10/3 âm lịch là Chủ nhật 26/4)"),
    (date(2026, 4, 30), "Ngày Giải phóng miền Nam, thống nhất đất nước"),
    (date(2026, 5, 1), "Ngày Quốc tế Lao động"),
    (date(2026, 9, 1), "Quốc khánh (ngày liền kề, tạm tính)"),
    (date(2026, 9, 2), "Quốc khánh"),
    (date(2027, 1, 1), "Tết Dương lịch"),
    *span(date(2027, 2, 4), date(2027, 2, 10), "Tết Nguyên đán Đinh Mùi (tạm tính)"),
    (date(2027, 4, 16), "Giỗ Tổ Hùng Vương (10/3 âm lịch)"),
    (date(2027, 4, 30), "Ngày Giải phóng miền Nam, thống nhất đất nước"),
    (date(2027, 5, 3), "Ngày Quốc tế Lao động (nghỉ bù, 1/5 là thứ Bảy)"),
    (date(2027, 9, 2), "Quốc khánh"),
    (date(2027, 9, 3), "Quốc khánh (ngày liền kề, tạm tính)"),
]
WORKING_SATURDAYS = [(date(2025, 4, 26), "Làm bù cho ngày nghỉ 2/5/2025")]


def load(apps, schema_editor):
    Holiday = apps.get_model("core", "Holiday")
    WorkingSaturday = apps.get_model("core", "WorkingSaturday")
    for day, name in HOLIDAYS:
        Holiday.objects.get_or_create(date=day, defaults={"name": name})
    for day, note in WORKING_SATURDAYS:
        WorkingSaturday.objects.get_or_create(date=day, defaults={"note": note})


class Migration(migrations.Migration):
    dependencies = [("core", "0003_working_calendar")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
