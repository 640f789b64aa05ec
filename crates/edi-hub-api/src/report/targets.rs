//! The report's action-plan targets: those the caller may see, its latest
//! figure (withheld from the caller: "–") and its status. A report is for a
//! committee and prints on three pages, so it lists at most
//! [`REPORT_TARGETS`], those needing attention first (off track, no data,
//! on track, achieved; then the soonest due), and says how many more the
//! dashboard's Targets view and the targets API list.

use std::fmt::Write;

use edi_hub_core::metrics::CATALOGUE;

use super::format_value;
use super::html::{describe, esc};
use crate::handlers::{Target, TargetStatus, TargetVisibility};

fn status_text(status: TargetStatus) -> &'static str {
    match status {
        TargetStatus::Achieved => "achieved",
        TargetStatus::OnTrack => "on track",
        TargetStatus::OffTrack => "off track",
        TargetStatus::NoData => "no data",
    }
}

fn status_id(status: TargetStatus) -> &'static str {
    match status {
        TargetStatus::Achieved => "achieved",
        TargetStatus::OnTrack => "on_track",
        TargetStatus::OffTrack => "off_track",
        TargetStatus::NoData => "no_data",
    }
}

/// Targets a report lists at most.
pub const REPORT_TARGETS: usize = 5;

fn attention(status: TargetStatus) -> u8 {
    match status {
        TargetStatus::OffTrack => 0,
        TargetStatus::NoData => 1,
        TargetStatus::OnTrack => 2,
        TargetStatus::Achieved => 3,
    }
}

/// The targets section: those the caller may see, as the targets API gives
/// them, at most [`REPORT_TARGETS`] (which first: see the module).
pub fn section(out: &mut String, organisation: &str, targets: &[Target]) {
    out.push_str("<section class=\"report-targets\" aria-labelledby=\"targets-heading\">\n<h2 id=\"targets-heading\">Progress against action-plan targets</h2>\n");
    if targets.is_empty() {
        out.push_str("<p id=\"report-no-targets\">No targets are recorded for this borough, or none is shared with you.</p>\n</section>\n");
        return;
    }
    out.push_str("<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"report-targets-caption\" tabindex=\"0\"><table id=\"report-targets\">\n<caption id=\"report-targets-caption\">Targets, the latest value and whether the trend is on track</caption>\n<thead><tr><th scope=\"col\">Measure</th><th scope=\"col\" class=\"num\">Target</th><th scope=\"col\">By</th><th scope=\"col\" class=\"num\">Latest</th><th scope=\"col\">Status</th><th scope=\"col\">Visible to</th></tr></thead>\n<tbody>\n");
    let mut listed: Vec<&Target> = targets.iter().collect();
    listed.sort_by(|a, b| (attention(a.status), &a.by, &a.id).cmp(&(attention(b.status), &b.by, &b.id)));
    let more = listed.len().saturating_sub(REPORT_TARGETS);
    listed.truncate(REPORT_TARGETS);
    for t in listed {
        let metric = CATALOGUE.iter().find(|m| m.id == t.metric);
        let unit = metric.map_or("", |m| m.unit);
        let title = metric.map_or(t.metric.as_str(), |m| m.title);
        let parameters: Vec<(&str, &str)> = t.parameters.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let latest = match &t.latest {
            None => "no data".to_string(),
            Some(l) => {
                let value = l.value.map_or_else(|| "–".to_string(), |v| format_value(v, unit));
                format!("{value} ({})", l.period)
            }
        };
        let visibility = match t.visibility {
            TargetVisibility::Private => "this borough and data stewards",
            TargetVisibility::Shared => "everyone signed in",
        };
        let _ = writeln!(
            out,
            "<tr data-target=\"{}\"><th scope=\"row\">{}<br><span class=\"print-only\"> – </span><small>{}</small></th><td class=\"num\" data-column=\"target\">{}</td><td class=\"nowrap\" data-column=\"by\">{}</td><td class=\"num\" data-column=\"latest\">{}</td><td data-column=\"status\"><span class=\"badge {}\">{}</span></td><td data-column=\"visibility\">{}</td></tr>",
            esc(&t.id),
            esc(title),
            esc(&describe(&parameters)),
            esc(&format_value(t.target, unit)),
            esc(&t.by),
            esc(&latest),
            status_id(t.status),
            status_text(t.status),
            visibility,
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
    if more > 0 {
        let _ = writeln!(
            out,
            "<p id=\"report-more-targets\" data-more=\"{more}\">{more} more {} recorded: see Targets in the dashboard, or <code>GET /api/v1/organisations/{}/targets</code>. This report lists {REPORT_TARGETS}, those off track or without data first, then the soonest due.</p>",
            if more == 1 { "target is" } else { "targets are" },
            esc(organisation)
        );
    }
    out.push_str("<p class=\"note\">Latest: the borough's most recent figure you may see, up to this quarter; a figure withheld from you shows as – and its target as no data. On track: a straight line through the quarterly figures reaches the target by its quarter.</p>\n</section>\n");
}
