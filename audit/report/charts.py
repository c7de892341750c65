"""Bar charts as inline SVG, drawn in Python (no chart library): they render the same
in a browser and in WeasyPrint, and bar lengths come from integer arithmetic."""

from __future__ import annotations

from markupsafe import Markup, escape


def bar_chart_svg(
    labels: list[str], series: list[tuple[str, list, str]], fmt, title: str = "", negative_colour: str | None = None
) -> Markup:
    """Horizontal grouped bars as inline SVG. `series` is [(name, values, colour)];
    values are numbers (ints for money, so bar lengths stay exact). Negative values (a
    difference) grow leftwards from a zero line, in `negative_colour` when given."""
    label_w, bar_w, value_w, bar_h, gap = 190, 330, 110, 12, 8
    n_series = len(series)
    group_h = bar_h * n_series + gap
    legend_h = 18 if n_series > 1 else 0
    height = legend_h + group_h * len(labels) + 4
    width = label_w + bar_w + value_w
    top = max((v for _, values, _ in series for v in values if v is not None), default=0)
    low = -min((v for _, values, _ in series for v in values if v is not None), default=0)
    top, low = max(top, 0), max(low, 0)
    span = (top + low) or 1
    zero = label_w + (bar_w * low // span if low else 0)  # x of the zero line
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="Noto Sans CJK SC GB2312, Noto Sans CJK SC, sans-serif" font-size="9">'
    ]
    if n_series > 1:
        x = label_w
        for name, _, colour in series:
            parts.append(
                f'<rect x="{x}" y="3" width="10" height="10" fill="{colour}"/>'
                f'<text x="{x + 14}" y="12" class="legend">{escape(name)}</text>'
            )
            x += 24 + 12 * len(name)
    for i, label in enumerate(labels):
        y0 = legend_h + i * group_h
        short = label if len(label) <= 14 else label[:13] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + group_h / 2 + 2:.0f}" text-anchor="end" '
            f'class="label"><title>{escape(label)}</title>{escape(short)}</text>'
        )
        for j, (_, values, colour) in enumerate(series):
            v = values[i] or 0
            w = max(int(abs(v) * bar_w // span), 1 if v else 0)
            y = y0 + j * bar_h
            if v < 0:
                fill = negative_colour or colour
                parts.append(
                    f'<rect x="{zero - w}" y="{y}" width="{w}" height="{bar_h - 2}" fill="{fill}"/>'
                    f'<text x="{zero + 4}" y="{y + bar_h - 3}" class="value">{escape(fmt(v))}</text>'
                )
            else:
                parts.append(
                    f'<rect x="{zero}" y="{y}" width="{w}" height="{bar_h - 2}" fill="{colour}"/>'
                    f'<text x="{zero + w + 4}" y="{y + bar_h - 3}" class="value">{escape(fmt(v))}</text>'
                )
    if low:
        parts.append(f'<line x1="{zero}" y1="{legend_h}" x2="{zero}" y2="{height}" stroke="#888" stroke-width="0.6"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
