"""Charts drawn by a chart library (Vega-Altair, rendered to SVG on the server by vl-convert).

Every chart a page or a PDF shows goes through `render`: it has a title, axes with units (the caller
names them in the Altair encoding) and a data table, so a screen reader — or anyone who would rather
read than look — gets the same figures. Nothing here draws SVG paths by hand.

    chart = alt.Chart(frame).mark_line().encode(
        x=alt.X("week:T", title="Week"), y=alt.Y("hours:Q", title="Hours delivered"))
    figure = render(chart, title="Hours delivered each week",
                    columns=[("week", "Week"), ("hours", "Hours")], rows=rows)
    # template: {% include "core/chart.html" with chart=figure %}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import vl_convert
from django.utils.safestring import SafeString, mark_safe

# The same look on every chart: the app's font, no border, quiet grid.
_CONFIG: dict[str, Any] = {
    "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "gridColor": "#e6e6e6"},
    "title": {"fontSize": 14, "anchor": "start"},
}


@dataclass(frozen=True)
class Figure:
    """A rendered chart: its title, the SVG markup and the data table behind it."""

    title: str
    svg: SafeString
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def description(self) -> str:
        """One sentence for `aria-label`: what the chart shows and where its figures are."""
        return f"{self.title}. The figures are in the table below the chart."


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def render(
    chart: alt.TopLevelMixin,
    *,
    title: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Mapping[str, object]],
    width: int | None = None,
    height: int | None = None,
) -> Figure:
    """Render `chart` to SVG with `title`, and build its data table from `rows`.

    `columns` is a list of (key in each row, header shown in the table)."""
    props: dict[str, Any] = {"title": title}
    if width is not None:
        props["width"] = width
    if height is not None:
        props["height"] = height
    spec = chart.properties(**props).to_dict()
    spec["config"] = {**_CONFIG, **spec.get("config", {})}
    svg = vl_convert.vegalite_to_svg(json.dumps(spec))
    # The SVG is produced by the library from our own data; it is marked safe for templates.
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(title)}" ', 1)
    table_rows = tuple(tuple(_cell(row.get(key)) for key, _ in columns) for row in rows)
    return Figure(
        title=title,
        svg=mark_safe(svg),  # noqa: S308 - library output, title escaped above
        columns=tuple(header for _, header in columns),
        rows=table_rows,
    )


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def png_bytes(chart: alt.TopLevelMixin, *, title: str, scale: float = 2.0) -> bytes:
    """The same chart as PNG, for PDFs (reportlab draws images, not SVG)."""
    spec = chart.properties(title=title).to_dict()
    spec["config"] = {**_CONFIG, **spec.get("config", {})}
    return bytes(vl_convert.vegalite_to_png(json.dumps(spec), scale=scale))
