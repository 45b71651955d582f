"""Small SVG charts drawn on the server: no script, no inline style, no third-party request.

Colours come from classes styled in hub.css (the CSP forbids style attributes), or, for the series of
a line chart, from SVG presentation attributes (``stroke``), which the CSP allows; every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


def _svg(width: int, height: int, title: str, body: list[str], css: str) -> Markup:
    # Safe: every text that goes in is escaped here or in the callers; the rest are numbers.
    return Markup(  # noqa: S704
        f'<svg class="chart {css}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def column_chart(
    values: Sequence[float], labels: Sequence[str], *, title: str, unit: str = "", width: int = 560, height: int = 180
) -> Markup:
    """Vertical bars, one per value, with its label below and its value above."""
    top, bottom, side = 18, 22, 4
    peak = max([*values, 0]) or 1
    slot = (width - 2 * side) / max(len(values), 1)
    body = [f'<line class="axis" x1="{side}" y1="{height - bottom}" x2="{width - side}" y2="{height - bottom}"/>']
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        bar = (height - top - bottom) * value / peak
        x = side + i * slot + slot * 0.15
        y = height - bottom - bar
        shown = f"{value:g}{unit}"
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar:.1f}">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
            f'<text class="value" x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle">{escape(shown)}</text>'
            f'<text class="label" x="{x + slot * 0.35:.1f}" y="{height - 6}" text-anchor="middle">{escape(label)}</text>'
        )
    return _svg(width, height, title, body, "columns")


def bar_chart(items: Sequence[tuple[str, int]], *, title: str, width: int = 560, row: int = 26) -> Markup:
    """Horizontal bars, one row per (label, value), longest scale first as given."""
    label_width, value_width = 170, 40
    height = row * max(len(items), 1) + 4
    peak = max([value for _, value in items] + [0]) or 1
    body = []
    for i, (label, value) in enumerate(items):
        y = 2 + i * row
        length = (width - label_width - value_width) * value / peak
        body.append(
            f'<text class="label" x="{label_width - 8}" y="{y + row * 0.65:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text class="value" x="{label_width + length + 6:.1f}" y="{y + row * 0.65:.1f}">{value}</text>'
        )
    return _svg(width, height, title, body, "bars")


def sparkline(values: Sequence[int], *, title: str, width: int = 160, height: int = 36) -> Markup:
    """Tiny weekly columns, newest on the right."""
    peak = max([*values, 0]) or 1
    slot = width / max(len(values), 1)
    body = [
        f'<rect class="bar" x="{i * slot + 1:.1f}" y="{height - (height - 2) * v / peak:.1f}" '
        f'width="{max(slot - 2, 1):.1f}" height="{(height - 2) * v / peak:.1f}"><title>{v}</title></rect>'
        for i, v in enumerate(values)
    ]
    return _svg(width, height, title, body, "spark")


# Distinguishable in colour-blind palettes (Okabe–Ito); lines also differ by dash pattern.
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
DASHES = ("", "6 3", "2 3", "8 3 2 3")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # None leaves a gap


def line_chart(
    series: Sequence[Series],
    labels: Sequence[str],
    *,
    title: str,
    low: float,
    high: float,
    unit: str = "",
    width: int = 560,
    height: int = 200,
) -> Markup:
    """One line per series over the labelled points, between ``low`` and ``high``, with a legend below."""
    top, side, label_band = 10, 34, 18
    legend_rows = (len(series) + 2) // 3
    plot_bottom = height - label_band
    total_height = height + legend_rows * 18
    span = (high - low) or 1
    step = (width - side - 8) / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return side + i * step

    def y(value: float) -> float:
        return plot_bottom - (plot_bottom - top) * (min(max(value, low), high) - low) / span

    body = []
    for value in (low, (low + high) / 2, high):
        body.append(
            f'<line class="axis" x1="{side}" y1="{y(value):.1f}" x2="{width - 4}" y2="{y(value):.1f}"/>'
            f'<text class="label" x="{side - 4}" y="{y(value) + 4:.1f}" text-anchor="end">{escape(f"{value:g}{unit}")}</text>'
        )
    for i, label in enumerate(labels):
        body.append(f'<text class="label" x="{x(i):.1f}" y="{height - 4}" text-anchor="middle">{escape(label)}</text>')
    for n, line in enumerate(series):
        colour, dash = SERIES_COLOURS[n % len(SERIES_COLOURS)], DASHES[n % len(DASHES)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        runs: list[list[tuple[int, float]]] = [[]]
        for i, point in enumerate(line.values):
            if point is None:
                runs.append([])
            else:
                runs[-1].append((i, point))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
                body.append(
                    f'<polyline class="line" fill="none" stroke="{colour}" stroke-width="2"{dashed} points="{points}"/>'
                )
            for i, v in run:
                body.append(
                    f'<circle class="point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(line.name)} · {escape(labels[i])}: {escape(f'{v:.2g}{unit}' if abs(v) < 10 else f'{v:.0f}{unit}')}</title></circle>"
                )
        lx, ly = 8 + (n % 3) * (width // 3), height + 6 + (n // 3) * 18
        body.append(
            f'<line x1="{lx}" y1="{ly + 6}" x2="{lx + 22}" y2="{ly + 6}" stroke="{colour}" stroke-width="3"{dashed}/>'
            f'<text class="legend" x="{lx + 28}" y="{ly + 10}">{escape(line.name)}</text>'
        )
    return _svg(width, total_height, title, body, "lines")
