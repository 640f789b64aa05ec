//! What is published about one organisation in one period, as the audit's
//! equations: every benchmark answer (every metric, every parameter value)
//! redacted for a viewer who is neither the owner nor a steward, read back
//! number by number.

use edi_hub_core::benchmark::{Figure, Row, Withheld, assemble};
use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::atoms::Atoms;
use edi_hub_core::disclosure::counts::{CountKey, parameter_combinations};
use edi_hub_core::disclosure::pattern::Pattern;
use edi_hub_core::disclosure::sensitive::{classes, sensitive};
use edi_hub_core::disclosure::{Policy, Viewer};
use edi_hub_core::metrics::{CATALOGUE, Formula, MetricDef, Params, Who};
use edi_hub_core::organisation::Organisation;
use edi_hub_core::period::Period;

use crate::equations::{AuditError, Check, Equation, Equations, Interval, leaks};

/// The equations one answer row gives about the atoms, given the atoms each
/// input of the metric adds up (`None`: the input is not a count of these
/// tables, e.g. population).
pub fn equations_of_row(metric: &MetricDef, supports: &[Option<Vec<usize>>], row: &Row) -> Vec<Equation> {
    let s = |i: usize| supports.get(i).and_then(|s| s.as_deref());
    let mut out = Vec::new();
    match metric.formula {
        Formula::Share { .. } => {
            if let (Some(n), Some(v)) = (s(0), row.numerator) {
                out.push(Equation::count(n, v));
            }
            if let (Some(d), Some(v)) = (s(1), row.denominator) {
                out.push(Equation::count(d, v));
            }
            if let (Some(n), Some(d), Some(v)) = (s(0), s(1), row.value) {
                out.push(Equation::rate(n, d, v));
            }
        }
        // Numerator and denominator as the workforce share; the value is
        // the share over a public constant, so it says what the share says.
        Formula::Representation { .. } => {
            if let (Some(n), Some(v)) = (s(0), row.numerator) {
                out.push(Equation::count(n, v));
            }
            if let (Some(d), Some(v)) = (s(1), row.denominator) {
                out.push(Equation::count(d, v));
            }
        }
        Formula::RelativeLikelihood { .. } => {
            if let (Some(a), Some(b), Some(v)) = (s(0), s(2), row.numerator) {
                out.push(Equation::rate(a, b, v));
            }
            if let (Some(a), Some(b), Some(v)) = (s(1), s(3), row.denominator) {
                out.push(Equation::rate(a, b, v));
            }
        }
        // Pay figures are means, not counts of people.
        Formula::PayGap { .. } => {}
    }
    out
}

/// One submission of the organisation for the period, as atoms, with its pattern.
#[derive(Debug, Clone)]
pub struct ProtectedSubmission {
    pub atoms: Atoms,
    pub pattern: Pattern,
}

/// The audit of one organisation and period.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Numbers published (distinct equations).
    pub published: usize,
    /// Sensitive counts checked.
    pub checked: usize,
    /// Sensitive counts pinned down by what is published.
    pub leaks: Vec<Interval>,
    /// Published counts from 1 to k-1.
    pub small_published: Vec<String>,
}

/// The tables side by side: each table's first atom in one numbering.
fn offsets(tables: &[ProtectedSubmission]) -> Vec<usize> {
    let mut at = 0;
    tables
        .iter()
        .map(|t| {
            let o = at;
            at += t.atoms.atoms.len();
            o
        })
        .collect()
}

/// The atoms (in the joint numbering) of each input of `metric`, or `None`
/// when the organisation has no value for these parameters.
pub fn supports(
    metric: &MetricDef,
    params: &Params,
    tables: &[ProtectedSubmission],
) -> Option<Vec<Option<Vec<usize>>>> {
    let offsets = offsets(tables);
    metric
        .inputs()
        .iter()
        .map(|input| {
            if input.dataset == Dataset::Population {
                return Some(None);
            }
            let key = CountKey::of(input, params)?;
            let t = tables.iter().position(|t| t.atoms.dataset == input.dataset)?;
            let support = tables[t].atoms.support(&key)?;
            Some(Some(support.into_iter().map(|a| a + offsets[t]).collect()))
        })
        .collect()
}

/// Everything a non-owner is shown about the organisation, as equations
/// (summaries left out: with one organisation they show no numbers).
pub fn published(
    organisation: Organisation,
    period: Period,
    tables: &[ProtectedSubmission],
    policy: Policy,
) -> Vec<Equation> {
    let offsets = offsets(tables);
    let value = |support: &[usize]| -> f64 {
        support
            .iter()
            .map(|&a| {
                let t = offsets.iter().rposition(|&o| o <= a).unwrap_or(0);
                tables[t].atoms.atoms[a - offsets[t]].value as f64
            })
            .sum()
    };
    let mut out = Equations::default();
    for metric in CATALOGUE {
        let by_group = metric.inputs().iter().any(|i| i.who == Who::Group);
        for params in parameter_combinations(metric.params, by_group) {
            let Some(supports) = supports(metric, &params, tables) else { continue };
            let mut inputs = Vec::new();
            let mut hidden = Vec::new();
            for (input, support) in metric.inputs().iter().zip(&supports) {
                // Population inputs: any public constant will do.
                inputs.push(support.as_deref().map_or(1000.0, value));
                let pattern = tables.iter().find(|t| t.atoms.dataset == input.dataset).map(|t| &t.pattern);
                hidden.push(Pattern::withholds(pattern, input, &params));
            }
            let figure = Figure {
                organisation,
                period,
                inputs,
                hidden: Withheld::per_input(hidden),
                release: None,
                revised: false,
            };
            let rows = assemble(metric, &[figure], &[period], Viewer::Public, policy);
            for e in rows.first().map(|r| equations_of_row(metric, &supports, r)).unwrap_or_default() {
                out.add(e);
            }
        }
    }
    out.list
}

/// The sensitive counts of the tables, in the joint numbering.
pub fn checks(tables: &[ProtectedSubmission], policy: Policy) -> Vec<Check> {
    let offsets = offsets(tables);
    let mut out = Vec::new();
    for (t, o) in tables.iter().zip(offsets) {
        out.extend(sensitive_checks(&t.atoms, policy).into_iter().map(|mut c| {
            c.atoms.iter_mut().for_each(|a| *a += o);
            c
        }));
    }
    out
}

/// The sensitive counts of one table, over its own atoms.
pub fn sensitive_checks(atoms: &Atoms, policy: Policy) -> Vec<Check> {
    let (classes, _) = classes(atoms);
    sensitive(atoms, &classes, policy)
        .into_iter()
        .map(|s| Check { what: format!("{}: {}", atoms.dataset.name(), s.what), atoms: s.support, value: s.value })
        .collect()
}

/// Audits what is published about one organisation and period.
pub fn audit(
    organisation: Organisation,
    period: Period,
    tables: &[ProtectedSubmission],
    policy: Policy,
    protection: u32,
) -> Result<Report, AuditError> {
    let equations = published(organisation, period, tables, policy);
    let checks = checks(tables, policy);
    let atoms = tables.iter().map(|t| t.atoms.atoms.len()).sum();
    let small_published = equations
        .iter()
        .filter(|e| e.tolerance == 0.0 && policy.is_small(e.value))
        .map(|e| format!("a published count of {}", e.value))
        .collect();
    Ok(Report {
        published: equations.len(),
        checked: checks.len(),
        leaks: leaks(atoms, &equations, &checks, protection)?,
        small_published,
    })
}
