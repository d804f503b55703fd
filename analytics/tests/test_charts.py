"""The daily chart is plain SVG drawn from numbers: one dot a known day, a line broken at
each unknown day, every text escaped, no style attribute or script."""

import re
from datetime import date, timedelta

from analytics.charts import NO_HISTORY, Series, daily_table, line_chart_svg

FIRST_DAY = date(2026, 3, 1)


def days(count: int) -> list[date]:
    return [FIRST_DAY + timedelta(days=offset) for offset in range(count)]


def band(svg: str, name: str) -> str:
    match = re.search(rf'<g class="series" data-series="{name}">(.*?)</g>', svg)
    assert match, name
    return match.group(1)


def path_of(band_markup: str) -> str:
    return re.search(r'<path d="([^"]*)"', band_markup).group(1)


def test_one_dot_a_day_for_every_series():
    chart = line_chart_svg(
        title="History",
        days=days(90),
        series=[Series("Followers", list(range(90))), Series("Reach", [5] * 90)],
    )

    assert 'data-days="90"' in chart
    for name in ("Followers", "Reach"):
        assert band(chart, name).count('<circle class="point"') == 90
        assert len(re.findall(r"[ML]\d", path_of(band(chart, name)))) == 90


def test_an_unknown_day_breaks_the_line_and_has_no_dot():
    values = [10, 12, None, None, 15, None, 20, 21]
    chart = line_chart_svg(title="History", days=days(8), series=[Series("Reach", values)])

    reach = band(chart, "Reach")
    assert reach.count('<circle class="point"') == 5
    # Three runs of known days: three subpaths, each started with M.
    assert [command[0] for command in path_of(reach).split()] == ["M", "L", "M", "M", "L"]
    assert "2026-03-03" not in reach and "2026-03-05: 15 Reach" in reach


def test_the_days_run_left_to_right_and_higher_values_sit_higher():
    chart = line_chart_svg(title="History", days=days(3), series=[Series("Reach", [1, 3, 2])])

    dots = re.findall(r'cx="([\d.]+)" cy="([\d.]+)"', band(chart, "Reach"))
    xs = [float(x) for x, _ in dots]
    ys = [float(y) for _, y in dots]
    assert xs == sorted(xs) and len(set(xs)) == 3
    # SVG's y grows downwards: the largest value has the smallest y.
    assert ys[1] < ys[2] < ys[0]


def test_a_single_day_and_a_flat_series_are_drawn():
    chart = line_chart_svg(title="History", days=days(1), series=[Series("Reach", [7])])

    assert band(chart, "Reach").count('<circle class="point"') == 1


def test_without_any_known_value_the_chart_says_so():
    assert NO_HISTORY in line_chart_svg(
        title="History", days=days(5), series=[Series("Reach", [None] * 5)]
    )
    assert NO_HISTORY in line_chart_svg(title="History", days=[], series=[])


def test_names_and_titles_are_escaped_and_nothing_needs_a_script_or_style():
    hostile = '<script>alert(1)</script>" onload="x'
    chart = line_chart_svg(title=hostile, days=days(2), series=[Series(hostile, [1, 2])])
    table = daily_table(caption=hostile, days=days(2), series=[Series(hostile, [1, 2])])

    for markup in (chart, table):
        assert "<script" not in markup and '" onload="' not in markup
        assert "&lt;script&gt;" in markup
        assert "style=" not in markup


def test_the_table_has_a_row_a_day_with_unknown_values_marked():
    table = daily_table(caption="History", days=days(3), series=[Series("Reach", [1200, None, 3])])

    assert table.count('<th scope="row">') == 3
    assert "<td>1,200</td><" in table and "<td>—</td>" in table
