"""Server-drawn SVG charts stay well-formed and show any label as text, whatever a brand or customer wrote."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from ugc_hub.web.charts import Series, line_chart

# Characters XML 1.0 can carry (no control characters, no lone surrogates).
xml_text = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"), max_size=40)
SVG = "{http://www.w3.org/2000/svg}"


@given(
    names=st.lists(xml_text, min_size=1, max_size=4),
    values=st.lists(st.one_of(st.none(), st.floats(-200, 200)), min_size=1, max_size=8),
    title=xml_text,
)
def test_line_chart_is_well_formed_and_keeps_labels_as_text(
    names: list[str], values: list[float | None], title: str
) -> None:
    labels = [f"w{i}" for i in range(len(values))]
    svg = line_chart([Series(name, values) for name in names], labels, title=title, low=-100, high=100)
    root = ET.fromstring(str(svg))  # noqa: S314 - our own output, parsed to prove it is well-formed
    heading = root.find(f"{SVG}title")
    assert heading is not None and (heading.text or "") == title
    legend = [node.text or "" for node in root.iter(f"{SVG}text") if node.get("class") == "legend"]
    assert legend == names
    assert not any(node.tag in (f"{SVG}script", f"{SVG}foreignObject") for node in root.iter())
    for point in root.iter(f"{SVG}circle"):
        assert 0 <= float(point.get("cy", "0")) <= 200  # values outside the range are drawn on its edge


def test_hostile_series_names_are_escaped() -> None:
    svg = str(
        line_chart([Series('<script>alert(1)</script>"', [1.0, None, 2.0])], ["a", "b", "c"], title="t", low=0, high=2)
    )
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
