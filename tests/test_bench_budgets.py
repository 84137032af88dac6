"""`make bench` judges each line against the floors measured next to it (benchmarks/bench.py)."""

from benchmarks.bench import Line, judge


def line(p95: float, *, floor: float, framework: float | None = None) -> Line:
    return Line("a list", p50=p95 / 2, p95=p95, floor=floor, framework=framework)


def test_a_list_is_within_three_times_its_own_framework_floor_and_sql():
    assert judge(line(59.9, floor=10, framework=10), "list").ok
    assert not judge(line(60.1, floor=10, framework=10), "list").ok
    # the same page next to a slower moment of the machine: its own floor moved with it
    assert judge(line(60.1, floor=10, framework=12), "list").ok
    assert not judge(line(251, floor=100, framework=100), "list").ok  # and never past 250 ms


def test_a_search_is_within_three_times_its_sql_and_under_150_ms():
    assert judge(line(89, floor=30), "search").ok
    assert not judge(line(91, floor=30), "search").ok
    assert not judge(line(151, floor=60), "search").ok


def test_a_lines_own_sql_leaves_out_the_lookups_the_signed_in_floor_makes():
    from benchmarks.bench import own_statements

    floor = ['SELECT "s"."data" FROM "django_session" WHERE "s"."expire" > \'2026-11-26T10:00:00\'',
             'SELECT "u"."id" FROM "accounts_user" WHERE "u"."id" = 3 LIMIT 21']
    line = ['SELECT "s"."data" FROM "django_session" WHERE "s"."expire" > \'2026-11-26T10:00:01\'',
            'SELECT "u"."id" FROM "accounts_user" WHERE "u"."id" = 3 LIMIT 21',
            'SELECT COUNT(*) FROM "cases_case" WHERE true',
            'SELECT "u"."username" FROM "accounts_user" WHERE "u"."role" = \'social_worker\'']
    assert own_statements(line, floor) == line[2:]  # the page's own read of users stays
