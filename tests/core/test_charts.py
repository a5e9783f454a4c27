"""Charts come from the chart library, with a title and a data table."""

import altair as alt
import pandas as pd
from django.template.loader import render_to_string

from carecircle.core.charts import png_bytes, render


def _chart():
    frame = pd.DataFrame({"week": ["W1", "W2", "W3"], "hours": [10.0, 12.5, 9.0]})
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(x=alt.X("week:N", title="Week"), y=alt.Y("hours:Q", title="Hours"))
    )


def test_a_chart_is_svg_from_the_library_with_its_figures_as_a_table():
    rows = [
        {"week": "W1", "hours": 10.0},
        {"week": "W2", "hours": 12.5},
        {"week": "W3", "hours": 9.0},
    ]
    figure = render(
        _chart(),
        title="Hours <each> week",
        columns=[("week", "Week"), ("hours", "Hours")],
        rows=rows,
    )
    assert figure.svg.startswith("<svg")
    assert 'role="img"' in figure.svg and "Hours &lt;each&gt; week" in figure.svg
    assert figure.columns == ("Week", "Hours")
    assert figure.rows[1] == ("W2", "12.5")
    html = render_to_string("core/chart.html", {"chart": figure})
    assert "<table" in html and "<td>12.5</td>" in html and "<svg" in html


def test_the_same_chart_renders_as_png_for_a_pdf():
    assert png_bytes(_chart(), title="Hours").startswith(b"\x89PNG")
