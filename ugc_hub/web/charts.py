"""Small SVG charts drawn on the server: no script, no inline style, no third-party request.

Colours come from classes styled in hub.css (the CSP forbids style attributes); every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

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
