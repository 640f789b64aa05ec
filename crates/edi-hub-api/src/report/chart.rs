//! A small inline SVG per measure: the borough and its comparison groups
//! as marks on one scale over London's range of borough figures. Each chart
//! is `role="img"` with a text alternative naming every figure it draws; a
//! withheld figure is written `[c]` and never drawn.

use std::fmt::Write;

use edi_hub_core::Organisation;
use edi_hub_core::benchmark::{Column, Row, Scope};

use super::html::esc;
use super::{Measure, Shown, format_value, shown};

const WIDTH: f64 = 360.0;
const LABEL_END: f64 = 126.0;
const PLOT_START: f64 = 132.0;
const PLOT_END: f64 = 306.0;
const VALUE_END: f64 = 356.0;
const ROW: f64 = 18.0;
const TOP: f64 = 6.0;

/// A mark's shape and colour (shape too, so colour is never the only cue).
#[derive(Clone, Copy)]
enum Mark {
    Circle,
    Diamond,
    Square,
    Triangle,
}

fn mark_svg(mark: Mark, x: f64, y: f64) -> String {
    match mark {
        Mark::Circle => format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5.5\" fill=\"#d4351c\" stroke=\"#ffffff\" stroke-width=\"1\"/>"
        ),
        Mark::Diamond => format!(
            "<path d=\"M{x:.1},{:.1} l5.5,5.5 l-5.5,5.5 l-5.5,-5.5 z\" fill=\"#0b0c0c\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
            y - 5.5
        ),
        Mark::Square => format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\" fill=\"#505a5f\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
            x - 4.5,
            y - 4.5
        ),
        Mark::Triangle => format!(
            "<path d=\"M{x:.1},{:.1} l5.5,9.5 l-11,0 z\" fill=\"#912b88\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
            y - 5.5
        ),
    }
}

/// The figure of one measure: caption and chart.
pub fn figure(index: usize, m: &Measure, organisation: Organisation, scopes: &[Scope]) -> String {
    let unit = m.metric.unit;
    let marks = [Mark::Diamond, Mark::Square, Mark::Triangle];
    let mut rows: Vec<(&str, Option<&Row>, Mark)> = vec![(organisation.name(), m.own, Mark::Circle)];
    for (scope, mark) in scopes.iter().zip(marks) {
        rows.push((scope.name(), m.summary(*scope), mark));
    }
    let range: Vec<Shown> = [Column::Min, Column::Q1, Column::Median, Column::Q3, Column::Max]
        .iter()
        .map(|c| shown(m.london, *c))
        .collect();
    let mut values: Vec<f64> = rows.iter().filter_map(|(_, r, _)| value(shown(*r, Column::Value))).collect();
    values.extend(range.iter().filter_map(|s| value(*s)));
    if unit == "ratio" && !values.is_empty() {
        values.push(1.0);
    }
    let axis_y = TOP + ROW * rows.len() as f64 + 2.0;
    let height = axis_y + 16.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" font-family=\"system-ui, Arial, sans-serif\" font-size=\"11\"><title>{}</title>",
        esc(&summary(m, &rows)),
        esc(m.metric.title)
    );
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() {
        let _ =
            write!(svg, "<text x=\"{PLOT_START}\" y=\"{:.1}\" fill=\"#0b0c0c\">No figures to chart</text>", TOP + ROW);
    } else {
        let (lo, hi) = if hi - lo < 1e-9 {
            let spread = if unit == "ratio" { 0.1 } else { 1.0 };
            (lo - spread, hi + spread)
        } else {
            let pad = (hi - lo) * 0.05;
            (lo - pad, hi + pad)
        };
        let x = |v: f64| PLOT_START + (v - lo) / (hi - lo) * (PLOT_END - PLOT_START);
        if let (Some(min), Some(max)) = (value(range[0]), value(range[4])) {
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#e5e8eb\"/>",
                x(min),
                (x(max) - x(min)).max(1.0),
                axis_y - TOP
            );
        }
        if let (Some(q1), Some(q3)) = (value(range[1]), value(range[3])) {
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#bfc7cf\"/>",
                x(q1),
                (x(q3) - x(q1)).max(1.0),
                axis_y - TOP
            );
        }
        if let Some(median) = value(range[2]) {
            let _ = write!(
                svg,
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{TOP}\" y2=\"{axis_y:.1}\" stroke=\"#0b0c0c\" stroke-width=\"2\"/>",
                x(median)
            );
        }
        let mut ticks = vec![(lo + (hi - lo) * 0.05 / 1.1, "start"), (hi - (hi - lo) * 0.05 / 1.1, "end")];
        if unit == "ratio" && (1.0 - lo) / (hi - lo) > 0.2 && (hi - 1.0) / (hi - lo) > 0.2 {
            let _ = write!(
                svg,
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{TOP}\" y2=\"{axis_y:.1}\" stroke=\"#505a5f\" stroke-dasharray=\"3,3\"/>",
                x(1.0)
            );
            ticks.push((1.0, "middle"));
        }
        let _ = write!(
            svg,
            "<line x1=\"{PLOT_START}\" x2=\"{PLOT_END}\" y1=\"{axis_y:.1}\" y2=\"{axis_y:.1}\" stroke=\"#0b0c0c\"/>"
        );
        for (v, anchor) in ticks {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" fill=\"#0b0c0c\">{}</text>",
                x(v),
                axis_y + 12.0,
                esc(&format_value(v, unit))
            );
        }
        for (i, (_, row, mark)) in rows.iter().enumerate() {
            if let Some(v) = value(shown(*row, Column::Value)) {
                svg.push_str(&mark_svg(*mark, x(v), TOP + ROW * i as f64 + ROW / 2.0));
            }
        }
    }
    for (i, (label, row, _)) in rows.iter().enumerate() {
        let y = TOP + ROW * i as f64 + ROW / 2.0 + 4.0;
        let weight = if i == 0 { " font-weight=\"700\"" } else { "" };
        let _ = write!(
            svg,
            "<text x=\"{LABEL_END}\" y=\"{y:.1}\" text-anchor=\"end\" fill=\"#0b0c0c\"{weight}>{}</text><text x=\"{VALUE_END}\" y=\"{y:.1}\" text-anchor=\"end\" fill=\"#0b0c0c\"{weight}>{}</text>",
            esc(label),
            esc(&value_text(shown(*row, Column::Value), unit))
        );
    }
    svg.push_str("</svg>");
    format!(
        "<figure class=\"measure-chart\" data-metric=\"{}\" id=\"chart-{index}\"><figcaption>{}</figcaption>{svg}</figure>\n",
        esc(m.metric.id),
        esc(m.metric.title)
    )
}

fn value(s: Shown) -> Option<f64> {
    match s {
        Shown::Value(v) => Some(v),
        Shown::Withheld | Shown::Missing => None,
    }
}

fn value_text(s: Shown, unit: &str) -> String {
    match s {
        Shown::Value(v) => format_value(v, unit),
        Shown::Withheld => "[c]".into(),
        Shown::Missing => "–".into(),
    }
}

/// The chart's text alternative: every figure it shows, and London's range.
fn summary(m: &Measure, rows: &[(&str, Option<&Row>, Mark)]) -> String {
    let unit = m.metric.unit;
    let figures: Vec<String> = rows
        .iter()
        .map(|(label, row, _)| match shown(*row, Column::Value) {
            Shown::Value(v) => format!("{label} {}", format_value(v, unit)),
            Shown::Withheld => format!("{label} withheld to protect individuals"),
            Shown::Missing => format!("{label} no figure"),
        })
        .collect();
    let mut text = format!("{}: {}", m.metric.title, figures.join(", "));
    if let (Shown::Value(min), Shown::Value(max)) = (shown(m.london, Column::Min), shown(m.london, Column::Max)) {
        let _ =
            write!(text, "; London's boroughs range from {} to {}", format_value(min, unit), format_value(max, unit));
        if let (Shown::Value(q1), Shown::Value(q3)) = (shown(m.london, Column::Q1), shown(m.london, Column::Q3)) {
            let _ = write!(text, ", the middle half from {} to {}", format_value(q1, unit), format_value(q3, unit));
        }
        if let Shown::Value(median) = shown(m.london, Column::Median) {
            let _ = write!(text, ", median {}", format_value(median, unit));
        }
    }
    text.push('.');
    text
}
