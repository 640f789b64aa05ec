//! An independent disclosure oracle (tests only).
//!
//! The LP audit ([`crate::equations`], [`crate::published`]) reads its
//! sensitive counts from the same atoms and count keys that choose the
//! protected pattern, so a kind of count one of them misses, both miss.
//! This oracle shares none of that: its unknowns are the raw uploaded rows
//! (one per row of the file and measure column), it works out from each
//! metric input's definition ([`SumDef`]: who, measure, filters, request
//! parameters) which raw rows the input adds up, straight from the row
//! values and the classification of the spec (section 3, written out again
//! here), and it enumerates the sensitive counts from the raw rows alone.
//!
//! What it checks is what the real publish path shows a viewer who is
//! neither the owner nor a steward: for every metric the tables serve and
//! every parameter combination, the organisation's [`Figure`] with the
//! flags of the real protected pattern ([`Pattern::protect`],
//! [`Pattern::withholds`], as the query engine builds them), through
//! [`assemble`]. Every number shown becomes a linear constraint over the raw
//! rows; each sensitive count gets its smallest and largest value by linear
//! programming, and is pinned when fewer than two whole numbers fit.
//!
//! Modelling choices (each errs on the attacker's side):
//! - a shown 95% interval is a function of the counts it is built from (for
//!   a relative likelihood, `sqrt(1/a - 1/b + 1/c - 1/d)` with the two rates
//!   shown gives the counts back), so the attacker is credited with them;
//! - a shown pay figure says its headcount is at least k;
//! - what a raw table implies is known: `positive <= respondents` per row,
//!   `appointed <= shortlisted <= applied` per group of rows, counts >= 0;
//! - pay means are linear in the unknown headcounts and headcount x pay
//!   totals of each row (`sum(h * pay) = mean * sum(h)`).
//!
//! The oracle found one leak, now closed: a recruitment file that reported
//! a later stage of a group without an earlier one (see
//! `cases::recruitment_without_a_shortlisting_row`); validation now counts a
//! missing stage as 0, so such a file does not nest and is refused.
//!
//! - [`raw`]: raw tables and the classification, written out again;
//! - [`evaluate`]: which raw rows each metric input adds up;
//! - [`unknowns`]: one unknown per raw row and measure;
//! - [`publish`]: what is shown, as linear constraints, and what is known;
//! - [`sensitive`]: the counts from 1 to k-1, from the raw rows alone;
//! - [`lp`]: the interval of each by linear programming;
//! - [`tables`]: random tables per dataset; [`properties`]: the property
//!   tests over them; [`cases`]: fixed cases and negative controls.

mod cases;
mod evaluate;
mod lp;
mod properties;
mod publish;
mod raw;
mod sensitive;
mod tables;
mod unknowns;

use edi_hub_core::disclosure::Policy;

use lp::{Finding, explain, pinned_checks};
use publish::{Linear, knowledge, publish};
use raw::Raw;
use sensitive::sensitive;
use unknowns::Unknowns;

use publish::Secondary;

#[derive(Debug)]
struct Outcome {
    figures: usize,
    /// Distinct published constraints.
    numbers: usize,
    checked: usize,
    pinned: Vec<Finding>,
    small_shown: Vec<String>,
    /// The unknowns' descriptions, for reports.
    names: Vec<String>,
    published: Vec<Linear>,
    known: Vec<Linear>,
}

impl Outcome {
    fn report(&self) -> String {
        let mut s = String::new();
        for f in &self.pinned {
            s.push_str(&format!(
                "PINNED {} (true value {}, possible {:.3}..{})\n",
                f.check.what,
                f.check.value,
                f.low,
                f.high.map_or("inf".into(), |h| format!("{h:.3}"))
            ));
            let terms: Vec<String> = f.check.terms.iter().map(|(&u, &c)| format!("{c:+} {}", self.names[u])).collect();
            s.push_str(&format!("  = {}\n  pinned by:\n", terms.join(" ")));
            for w in explain(self.names.len(), &self.published, &self.known, &f.check) {
                s.push_str(&format!("    {w}\n"));
            }
        }
        s
    }
}

fn oracle(tables: &[Raw], secondary: Secondary) -> Outcome {
    let policy = Policy::default();
    let unknowns = Unknowns::of(tables);
    let publication = publish(&unknowns, tables, secondary, policy);
    let known = knowledge(&unknowns);
    let checks = sensitive(&unknowns, &publication.sums, policy);
    let n = unknowns.cells.len();
    let all: Vec<Linear> = publication.constraints.iter().chain(&known).cloned().collect();
    let pinned = pinned_checks(n, &all, &checks, &unknowns.truth);
    Outcome {
        figures: publication.figures,
        numbers: publication.constraints.len(),
        checked: checks.len(),
        pinned,
        small_shown: publication.small_shown,
        names: (0..n).map(|u| unknowns.describe(u)).collect(),
        published: publication.constraints,
        known,
    }
}
