//! The report as an HTML document: every text written through [`esc`],
//! every figure through [`cell`] (a withheld one as `[c]`).

use std::fmt::Write;

use edi_hub_core::benchmark::{Column, Row, Scope};
use edi_hub_core::disclosure::Viewer;
use edi_hub_core::metrics::{CATALOGUE, Direction, MetricDef};

use super::{
    Measure, Report, Shown, chart, comparators, format_value, parameter_label, parameter_name, quarter_text, sentence,
    shown,
};

/// The report's stylesheet (screen and print), inlined in the document.
pub const STYLE: &str = include_str!("../../assets/report/report.css");

/// What `[c]` means, in the marker's tooltip and the report's note.
pub const SUPPRESSED_TEXT: &str =
    "suppressed to protect individuals: small numbers, or figures from which a small number could be worked out";

/// Escapes text for HTML content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The `[c]` marker with its explanation.
pub fn supp_mark() -> String {
    format!("<abbr class=\"supp\" title=\"[c] {}\">[c]</abbr>", esc(SUPPRESSED_TEXT))
}

/// Escaped text in which every `[c]` is the explained marker.
fn with_marks(text: &str) -> String {
    esc(text).replace("[c]", &supp_mark())
}

/// A text in the metric's unit for the cell `column` of `row` (a flag,
/// rank and interval are written by their own helpers).
fn cell(metric: &MetricDef, row: Option<&Row>, scope: Scope, column: Column) -> String {
    let attrs = format!(
        "class=\"num\" data-metric=\"{}\" data-scope=\"{}\" data-column=\"{}\"",
        esc(metric.id),
        esc(scope.id()),
        esc(column.name())
    );
    match shown(row, column) {
        Shown::Withheld => format!("<td {attrs} data-suppressed=\"true\">{}</td>", supp_mark()),
        Shown::Missing => {
            format!("<td {attrs}><span title=\"no figure (no data, or nothing to compare with)\">–</span></td>")
        }
        Shown::Value(v) => {
            format!("<td {attrs} data-value=\"{}\">{}</td>", esc(&v.to_string()), esc(&format_value(v, metric.unit)))
        }
    }
}

fn rank_cell(metric: &MetricDef, row: Option<&Row>) -> String {
    let attrs =
        format!("class=\"num\" data-metric=\"{}\" data-scope=\"organisation\" data-column=\"rank\"", esc(metric.id));
    match row.and_then(|r| r.rank) {
        Some(rank) => format!("<td {attrs} data-value=\"{rank}\">{rank}</td>"),
        None => format!("<td {attrs}>–</td>"),
    }
}

/// The 95% interval: `[c]` when the value or a bound is withheld.
fn interval_cell(metric: &MetricDef, row: Option<&Row>) -> String {
    let attrs =
        format!("class=\"num\" data-metric=\"{}\" data-scope=\"organisation\" data-column=\"ci\"", esc(metric.id));
    let withheld = [Column::Value, Column::LowerCi, Column::UpperCi].iter().any(|c| shown(row, *c) == Shown::Withheld);
    if withheld {
        return format!("<td {attrs} data-suppressed=\"true\">{}</td>", supp_mark());
    }
    match (shown(row, Column::LowerCi), shown(row, Column::UpperCi)) {
        (Shown::Value(lo), Shown::Value(hi)) => format!(
            "<td {attrs} data-lower=\"{lo}\" data-upper=\"{hi}\">{} to {}</td>",
            esc(&format_value(lo, metric.unit)),
            esc(&format_value(hi, metric.unit))
        ),
        _ => format!("<td {attrs}>–</td>"),
    }
}

fn flag_cell(metric: &MetricDef, row: Option<&Row>) -> String {
    let attrs =
        format!("data-metric=\"{}\" data-scope=\"organisation\" data-column=\"compared_with_london\"", esc(metric.id));
    if row.is_some_and(|r| r.withholds(Column::ComparedWithLondon) || r.withholds(Column::Value)) {
        return format!("<td {attrs} data-suppressed=\"true\">{}</td>", supp_mark());
    }
    match row.and_then(|r| r.compared_with_london) {
        Some(c) => {
            format!("<td {attrs} data-value=\"{id}\"><span class=\"badge {id}\">{id}</span></td>", id = esc(c.id()))
        }
        None => format!("<td {attrs}>–</td>"),
    }
}

fn direction_text(direction: Direction) -> &'static str {
    match direction {
        Direction::HigherIsBetter => "higher is better",
        Direction::LowerIsBetter => "lower is better",
        Direction::CloserTo1 => "closer to 1 is better (1 = equal)",
        Direction::Neutral => "neither higher nor lower is better in itself",
    }
}

/// "ethnic group: Black, Asian and Multi-ethnic; case type: disciplinary".
pub fn describe(parameters: &[(&str, &str)]) -> String {
    parameters
        .iter()
        .map(|(n, v)| format!("{}: {}", parameter_name(n), parameter_label(n, v)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Who the report was drawn up for, and what that means for its figures.
fn prepared_for(report: &Report) -> String {
    let name = report.organisation.name();
    match report.viewer {
        Viewer::Steward => "a data steward: every figure in full".into(),
        Viewer::Member(own) if own == report.organisation => {
            format!("{name}: its own figures in full; every other figure passes disclosure control")
        }
        Viewer::Member(own) => format!("a submitter of {}: figures pass disclosure control", own.name()),
        Viewer::Public => "an analyst: figures pass disclosure control".into(),
    }
}

/// The release the figures come from, or that they are provisional.
fn source(report: &Report) -> (String, String) {
    let name = report.organisation.name();
    let period = report.period;
    let released = report.release().filter(|_| report.published()).and_then(|r| r.release.map(|n| (n, r.published_at)));
    let release_text = released.map(|(n, at)| {
        let date = at.map(|t| format!(", published {}", t.format("%-d %B %Y"))).unwrap_or_default();
        format!("Release {n} of {period}{date}")
    });
    match (release_text, report.provisional()) {
        (Some(text), false) => (released.map(|(n, _)| n.to_string()).unwrap_or_default(), format!("{text}.")),
        (Some(text), true) => (
            "provisional".into(),
            format!(
                "Provisional: {name}'s latest data, not yet released (shown only to {name} and data stewards), beside figures from {}. The next release may change them.",
                text.replacen("Release", "release", 1)
            ),
        ),
        (None, _) => (
            "provisional".into(),
            format!(
                "Provisional: {period} has not been released yet. These are the latest data, shown only to {name} and data stewards; they may change before the release."
            ),
        ),
    }
}

/// The whole document.
pub fn document(report: &Report) -> String {
    let org = report.organisation;
    let measures = report.measures();
    let scopes = comparators(org);
    let title = format!("{}: workforce race equality report, {}", org.name(), report.period);
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} · EDI Hub</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = writeln!(
        out,
        "<article class=\"report\" id=\"report\" data-organisation=\"{}\" data-period=\"{}\">",
        esc(org.code()),
        esc(&report.period.to_string())
    );
    head(&mut out, report, &title, &scopes);
    summary(&mut out, report, &measures);
    measures_table(&mut out, report, &measures, &scopes);
    charts(&mut out, report, &measures, &scopes);
    super::targets::section(&mut out, org.code(), report.targets);
    about(&mut out, report, &scopes);
    out.push_str("</article>\n</body>\n</html>\n");
    out
}

fn head(out: &mut String, report: &Report, title: &str, scopes: &[Scope]) {
    let org = report.organisation;
    let groups: Vec<&str> = scopes.iter().skip(1).map(|s| s.name()).collect();
    let (release, source_text) = source(report);
    let _ = write!(
        out,
        "<header class=\"report-head\">\n<p class=\"report-kicker\">EDI Hub · workforce race equality benchmark</p>\n<h1 id=\"report-title\">{}</h1>\n",
        esc(title)
    );
    if report.synthetic {
        out.push_str("<p class=\"report-synthetic\" id=\"report-synthetic\"><strong>Synthetic demo data.</strong> Every figure in this report is generated for demonstration; none describes real staff or a real council.</p>\n");
    }
    let _ = write!(
        out,
        "<dl class=\"report-meta\">\n<div><dt>Borough</dt><dd>{} ({}), {}</dd></div>\n<div><dt>Quarter</dt><dd>{} ({})</dd></div>\n<div><dt>Figures from</dt><dd id=\"report-source\" data-release=\"{}\">{}</dd></div>\n<div><dt>Prepared for</dt><dd id=\"report-viewer\">{}</dd></div>\n<div><dt>Drawn up</dt><dd>{}</dd></div>\n</dl>\n</header>\n",
        esc(org.name()),
        esc(org.code()),
        esc(&groups.join(", ")),
        esc(&report.period.to_string()),
        esc(&quarter_text(report.period)),
        esc(&release),
        esc(&source_text),
        esc(&prepared_for(report)),
        esc(&report.generated_at.format("%-d %B %Y, %H:%M UTC").to_string()),
    );
}

fn summary(out: &mut String, report: &Report, measures: &[Measure]) {
    out.push_str("<section class=\"report-summary\" aria-labelledby=\"summary-heading\">\n<h2 id=\"summary-heading\">The quarter in brief</h2>\n<ul class=\"sentences\">\n");
    for m in measures {
        let _ = writeln!(
            out,
            "<li data-metric=\"{}\"><strong>{}.</strong> {}</li>",
            esc(m.metric.id),
            esc(m.metric.title),
            with_marks(&sentence::sentence(m, report.organisation))
        );
    }
    out.push_str("</ul>\n</section>\n");
}

fn measures_table(out: &mut String, report: &Report, measures: &[Measure], scopes: &[Scope]) {
    let org = report.organisation;
    let groups: std::collections::BTreeSet<&str> = measures.iter().filter_map(|m| m.parameter("group")).collect();
    let one_group = match (groups.len(), groups.first()) {
        (1, Some(g)) => Some(*g),
        _ => None,
    };
    let about_group = one_group
        .map(|g| format!(", for {}", sentence::group_phrase(g).trim_start_matches("the ")))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<section class=\"report-measures\" aria-labelledby=\"measures-heading\">\n<h2 id=\"measures-heading\">Every measure beside London and {}'s comparison groups</h2>\n<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"report-table-caption\" tabindex=\"0\"><table id=\"report-table\">\n<caption id=\"report-table-caption\">{}, {}: each measure at its default settings{}</caption>\n<thead><tr><th scope=\"col\">Measure</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">Rank</th><th scope=\"col\" class=\"num\">95% interval</th><th scope=\"col\">Compared with London</th>",
        esc(org.name()),
        esc(org.name()),
        esc(&report.period.to_string()),
        esc(&about_group),
        esc(org.name()),
    );
    for s in scopes {
        let _ = write!(out, "<th scope=\"col\" class=\"num\">{}</th>", esc(s.name()));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for m in measures {
        // The ethnic group is named once, in the caption, when every measure is about the same one.
        let shown_parameters: Vec<(&str, &str)> =
            m.parameters.iter().copied().filter(|(n, _)| !(one_group.is_some() && *n == "group")).collect();
        let detail = [describe(&shown_parameters), direction_text(m.metric.direction).to_string()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        let _ = write!(
            out,
            "<tr data-metric=\"{}\"><th scope=\"row\">{}<br><small>{}</small></th>",
            esc(m.metric.id),
            esc(m.metric.title),
            esc(&detail)
        );
        out.push_str(&cell(m.metric, m.own, Scope::Organisation, Column::Value));
        out.push_str(&rank_cell(m.metric, m.own));
        out.push_str(&interval_cell(m.metric, m.own));
        out.push_str(&flag_cell(m.metric, m.own));
        for s in scopes {
            out.push_str(&cell(m.metric, m.summary(*s), *s, Column::Value));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    if measures
        .iter()
        .any(|m| [m.own, m.london, m.area, m.partnership].iter().any(|r| r.is_some_and(|r| !r.suppressed.is_empty())))
    {
        let _ = writeln!(out, "<p class=\"note\">{} {}.</p>", supp_mark(), esc(&capitalise(SUPPRESSED_TEXT)));
    }
    out.push_str("<p class=\"note\">Rank: 1 is the best value among London's boroughs by the measure's direction (by value, highest first, where neither direction is better). Compared with London: <em>higher</em> or <em>lower</em> when the 95% interval lies wholly above or below London's figure, otherwise <em>similar</em>.</p>\n</section>\n");
}

fn charts(out: &mut String, report: &Report, measures: &[Measure], scopes: &[Scope]) {
    out.push_str("<section class=\"report-charts\" aria-labelledby=\"charts-heading\">\n<h2 id=\"charts-heading\">Each measure on London's range</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">{} (red circle) beside London (black diamond), {} (square){}. The grey band spans the lowest to the highest borough figure shown, the darker part the middle half, the black line London's median. Each chart's figures are in the table above.</p>",
        esc(report.organisation.name()),
        esc(scopes[1].name()),
        scopes.get(2).map(|s| format!(" and {} (triangle)", esc(s.name()))).unwrap_or_default()
    );
    out.push_str("<div class=\"chart-grid\">\n");
    for (i, m) in measures.iter().enumerate() {
        out.push_str(&chart::figure(i, m, report.organisation, scopes));
    }
    out.push_str("</div>\n</section>\n");
}

fn about(out: &mut String, report: &Report, scopes: &[Scope]) {
    let org = report.organisation.name();
    let pools: Vec<&str> = scopes.iter().map(|s| s.name()).collect();
    let (_, source_text) = source(report);
    let _ = write!(
        out,
        "<section class=\"report-about\" aria-labelledby=\"about-heading\">\n<h2 id=\"about-heading\">About these figures</h2>\n<p id=\"report-c-note\">{} means a figure is withheld (suppressed) to protect individuals: a count of people from 1 to {}, a rate or ratio built on one or on fewer than {} people, or a figure from which such a count could be worked out (the ONS convention). It is never a zero, and the sentences above say nothing about it. {org}'s own figures are never withheld from {org}, and data stewards see every figure.</p>\n<p>{} pool the boroughs whose figures for a measure are shown; a pooled figure over fewer than 3 boroughs is not shown. Source: {}</p>\n<dl class=\"definitions\">\n",
        supp_mark(),
        report.min_count - 1,
        report.min_count,
        esc(&join_and(&pools)),
        esc(&source_text),
    );
    for m in CATALOGUE {
        let _ = writeln!(
            out,
            "<div><dt>{}</dt><dd>{} ({})</dd></div>",
            esc(m.title),
            esc(m.definition),
            esc(m.formula_text)
        );
    }
    out.push_str("</dl>\n</section>\n");
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// "a, b and c".
pub fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(with_marks("<b> is [c]"), format!("&lt;b&gt; is {}", supp_mark()));
        assert_eq!(
            join_and(&["London", "Outer London", "West London Alliance"]),
            "London, Outer London and West London Alliance"
        );
    }
}
