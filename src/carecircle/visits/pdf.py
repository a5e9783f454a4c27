"""The MAR chart as a printable PDF (A4 landscape, one row per medicine and due time)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from carecircle.visits.selectors import MarChart

KEY = "G given · R refused · M missed · N not required · blank: nothing recorded"


def mar_pdf(chart: MarChart) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=8 * mm,
        rightMargin=8 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=f"MAR chart {chart.client} {chart.month:%B %Y}",
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=6.5, leading=7.5)
    story = [
        Paragraph(
            f"Medicine administration record — {escape(str(chart.client))} — {chart.month:%B %Y}",
            styles["Heading2"],
        ),
        Paragraph(KEY, styles["BodyText"]),
        Spacer(1, 4 * mm),
    ]
    header = ["Medicine", "Time"] + [str(d.day) for d in chart.days]
    rows = [header]
    for row in chart.rows:
        label = Paragraph(f"{escape(row.medicine.name)}<br/>{escape(row.medicine.dose)}", small)
        rows.append([label, row.slot or "PRN", *row.cells])
    if len(rows) == 1:
        rows.append(["No medicines on the list this month.", "", *["" for _ in chart.days]])
    day_width = (landscape(A4)[0] - 16 * mm - 62 * mm - 12 * mm) / len(chart.days)
    table = Table(rows, colWidths=[62 * mm, 12 * mm] + [day_width] * len(chart.days), repeatRows=1)
    style = [
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
        ("ALIGN", (1, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for r, row in enumerate(chart.rows, start=1):
        for c, (_cell, flag) in enumerate(row.marked, start=2):
            if flag:
                style.append(("BACKGROUND", (c, r), (c, r), colors.HexColor("#fde8e7")))
    table.setStyle(TableStyle(style))
    story.append(table)
    if chart.notes:
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph("Notes", styles["Heading3"]))
        for a in chart.notes:
            when = timezone.localtime(a.given_at)
            story.append(
                Paragraph(
                    escape(
                        f"{when:%d %b %H:%M} {a.medicine.name}: {a.get_outcome_display()}"
                        f" — {a.reason} ({a.record.carer})"
                    ),
                    small,
                )
            )
    doc.build(story)
    return buffer.getvalue()
