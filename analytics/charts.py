"""Daily line charts drawn on the server as inline SVG, and the same numbers as a table.

Data in, markup out: no query, no script, no external file. Colours and strokes are SVG
presentation attributes, not `style` attributes, so a strict Content-Security-Policy
(no 'unsafe-inline') blocks nothing and the chart works offline.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

NO_HISTORY = "No history yet"
UNKNOWN = "—"

WIDTH = 720
LEFT_MARGIN = 88  # room for the value labels
RIGHT_MARGIN = 12
NAME_HEIGHT = 20  # the series name above its band
PLOT_HEIGHT = 90
BAND_GAP = 16
DATE_LABELS_HEIGHT = 22
PLOT_WIDTH = WIDTH - LEFT_MARGIN - RIGHT_MARGIN
BAND_HEIGHT = NAME_HEIGHT + PLOT_HEIGHT
COLOURS = ("#417690", "#ba2121", "#3a7d44", "#8a5a00")


@dataclass(frozen=True)
class Series:
    name: str
    # One value a day of the chart's days; None where the value is not known (a gap).
    values: Sequence[int | None]

    def known(self) -> list[int]:
        return [value for value in self.values if value is not None]


def has_values(series: Sequence[Series]) -> bool:
    return any(one.known() for one in series)


def format_value(value: int | None) -> str:
    return UNKNOWN if value is None else f"{value:,}"


def line_chart_svg(*, title: str, days: Sequence[date], series: Sequence[Series]) -> SafeString:
    """One band a series, stacked, each scaled to its own minimum and maximum (followers in
    thousands would flatten a day's engagement on a shared axis); the days run left to right
    with one point (a dot) each day whose value is known. Without any known value, the
    "No history yet" paragraph."""
    if not days or not has_values(series):
        return format_html('<p class="chart-empty">{}</p>', NO_HISTORY)
    height = len(series) * (BAND_HEIGHT + BAND_GAP) + DATE_LABELS_HEIGHT
    bands = format_html_join(
        "",
        "{}",
        ((_band(one, index, days),) for index, one in enumerate(series)),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="daily-chart" role="img" '
        'aria-label="{}" data-days="{}" viewBox="0 0 {} {}" width="100%" font-size="11" '
        'font-family="sans-serif"><title>{}</title><desc>{}</desc>{}{}</svg>',
        title,
        len(days),
        WIDTH,
        height,
        title,
        f"One point a day from {days[0].isoformat()} to {days[-1].isoformat()}; "
        "the same numbers are in the table.",
        bands,
        _date_labels(days, height),
    )


def _band(series: Series, index: int, days: Sequence[date]) -> SafeString:
    top = index * (BAND_HEIGHT + BAND_GAP)
    plot_top, plot_bottom = top + NAME_HEIGHT, top + BAND_HEIGHT
    known = series.known()
    low, high = (min(known), max(known)) if known else (0, 0)
    points = [
        None if value is None else (_x(day, len(days)), _y(value, low, high, plot_bottom))
        for day, value in enumerate(series.values)
    ]
    colour = COLOURS[index % len(COLOURS)]
    return format_html(
        '<g class="series" data-series="{}">'
        '<text x="{}" y="{}" fill="{}" font-weight="bold">{}</text>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>'
        '<text class="max" x="{}" y="{}" text-anchor="end">{}</text>'
        '<text class="min" x="{}" y="{}" text-anchor="end">{}</text>'
        '<path d="{}" fill="none" stroke="{}" stroke-width="2" stroke-linecap="round" '
        'stroke-linejoin="round"><title>{}</title></path>{}</g>',
        series.name,
        LEFT_MARGIN,
        top + NAME_HEIGHT - 6,
        colour,
        series.name,
        # The value axis, then the day axis.
        LEFT_MARGIN,
        plot_top,
        LEFT_MARGIN,
        plot_bottom,
        LEFT_MARGIN,
        plot_bottom,
        WIDTH - RIGHT_MARGIN,
        plot_bottom,
        LEFT_MARGIN - 6,
        plot_top + 4,
        format_value(high if known else None),
        LEFT_MARGIN - 6,
        plot_bottom,
        format_value(low if known else None),
        _path(points),
        colour,
        series.name,
        _dots(points, days, series, colour),
    )


def _x(day: int, day_count: int) -> float:
    if day_count == 1:
        return LEFT_MARGIN + PLOT_WIDTH / 2
    return LEFT_MARGIN + day * PLOT_WIDTH / (day_count - 1)


def _y(value: int, low: int, high: int, plot_bottom: float) -> float:
    if high == low:  # a flat series sits mid-band
        return plot_bottom - PLOT_HEIGHT / 2
    return plot_bottom - (value - low) / (high - low) * PLOT_HEIGHT


def _coordinates(point: tuple[float, float]) -> tuple[str, str]:
    return f"{point[0]:.1f}", f"{point[1]:.1f}"


def _path(points: Sequence[tuple[float, float] | None]) -> str:
    """Path data with one coordinate pair a known day. An unknown day breaks the line: the
    next known day starts a new subpath (M), so no line is drawn across a gap."""
    commands: list[str] = []
    for index, point in enumerate(points):
        if point is None:
            continue
        joined = index > 0 and points[index - 1] is not None
        commands.append(f"{'L' if joined else 'M'}{','.join(_coordinates(point))}")
    return " ".join(commands)


def _dots(
    points: Sequence[tuple[float, float] | None],
    days: Sequence[date],
    series: Series,
    colour: str,
) -> SafeString:
    """A dot a known day, its tooltip the day and the value."""
    return format_html_join(
        "",
        '<circle class="point" cx="{}" cy="{}" r="2" fill="{}"><title>{}: {} {}</title></circle>',
        (
            (*_coordinates(point), colour, day.isoformat(), format_value(value), series.name)
            for point, day, value in zip(points, days, series.values, strict=True)
            if point is not None
        ),
    )


def _date_labels(days: Sequence[date], height: int) -> SafeString:
    return format_html(
        '<text class="first-day" x="{}" y="{}" text-anchor="start">{}</text>'
        '<text class="last-day" x="{}" y="{}" text-anchor="end">{}</text>',
        LEFT_MARGIN,
        height - 6,
        days[0].isoformat(),
        WIDTH - RIGHT_MARGIN,
        height - 6,
        days[-1].isoformat(),
    )


def daily_table(*, caption: str, days: Sequence[date], series: Sequence[Series]) -> SafeString:
    """The chart's numbers, a row a day, for screen readers and for reading exact values."""
    header = format_html_join("", '<th scope="col">{}</th>', ((one.name,) for one in series))
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        (
            (
                day.isoformat(),
                format_html_join(
                    "", "<td>{}</td>", ((format_value(one.values[index]),) for one in series)
                ),
            )
            for index, day in enumerate(days)
        ),
    )
    return format_html(
        '<table class="daily-table"><caption>{}</caption><thead><tr><th scope="col">Day</th>'
        "{}</tr></thead><tbody>{}</tbody></table>",
        caption,
        header,
        rows,
    )
