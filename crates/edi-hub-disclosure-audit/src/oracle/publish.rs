//! What is published, as linear constraints over the unknowns: every answer
//! row the real publish path shows a non-owner, and what the attacker
//! knows of any raw table.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use edi_hub_core::benchmark::{Figure, Row, Scope, Withheld, assemble};
use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::counts::parameter_combinations;
use edi_hub_core::disclosure::{Pattern, Policy, Viewer};
use edi_hub_core::metrics::{CATALOGUE, Formula, Measure, MetricDef, Params, SumDef, Who};

use super::evaluate::{has_figure, input_value};
use super::raw::{Raw, counts_people, key, real_pattern};
use super::unknowns::{Cell, Unknowns};

/// `low <= sum(coefficient * unknown) <= high`.
#[derive(Debug, Clone)]
pub(super) struct Linear {
    pub(super) terms: BTreeMap<usize, f64>,
    pub(super) low: f64,
    pub(super) high: f64,
    pub(super) what: String,
}

impl Linear {
    pub(super) fn new(parts: &[(&[usize], f64)], low: f64, high: f64, what: String) -> Linear {
        let mut terms = BTreeMap::new();
        for (unknowns, c) in parts {
            for &u in *unknowns {
                *terms.entry(u).or_insert(0.0) += c;
            }
        }
        terms.retain(|_, c| *c != 0.0);
        Linear { terms, low, high, what }
    }

    /// `sum(coefficient * unknown) = 0`, up to the rounding of a published decimal.
    pub(super) fn zero(parts: &[(&[usize], f64)], scale: f64, what: String) -> Linear {
        let tolerance = 1e-6 * (1.0 + scale.abs());
        Linear::new(parts, -tolerance, tolerance, what)
    }
}

/// Whether secondary suppression is applied (the real pattern's flags) or
/// not (the negative control: every `hidden` flag false).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Secondary {
    Pattern,
    Off,
}

#[derive(Debug, Default)]
pub(super) struct Publication {
    pub(super) constraints: Vec<Linear>,
    pub(super) seen: HashSet<String>,
    /// Sums of people the figures are built from (shown or not), each once.
    pub(super) sums: Vec<(BTreeSet<usize>, String)>,
    pub(super) seen_sums: HashSet<BTreeSet<usize>>,
    /// Counts from 1 to k-1 shown (should be none).
    pub(super) small_shown: Vec<String>,
    pub(super) figures: usize,
}

impl Publication {
    pub(super) fn add(&mut self, c: Linear) {
        let key = format!("{:?}", (c.terms.iter().map(|(u, x)| (u, x.to_bits())).collect::<Vec<_>>(), c.low.to_bits()));
        if self.seen.insert(key) {
            self.constraints.push(c);
        }
    }

    pub(super) fn count(&mut self, terms: &[usize], value: f64, what: String, policy: Policy) {
        if policy.is_small(value) {
            self.small_shown.push(format!("{what} = {value}"));
        }
        self.add(Linear::new(&[(terms, 1.0)], value, value, what));
    }

    pub(super) fn sum(&mut self, terms: &[usize], what: String) {
        let set: BTreeSet<usize> = terms.iter().copied().collect();
        if !set.is_empty() && self.seen_sums.insert(set.clone()) {
            self.sums.push((set, what));
        }
    }
}

pub(super) fn describe_params(params: &Params) -> String {
    params.to_map().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
}

/// A readable name of an input under some parameters.
pub(super) fn describe_input(input: &SumDef, params: &Params) -> String {
    let measure = match input.measure {
        Measure::Column(c) => c.to_string(),
        Measure::Product(a, b) => format!("{a} x {b}"),
        Measure::Rows => "rows".into(),
    };
    let who = match input.who {
        Who::Group => params.group.map_or("white", |g| g.id()),
        Who::Reference => "white",
        Who::Known => "known ethnicity",
        Who::Everyone => "everyone",
    };
    let mut filters: Vec<String> = params
        .filters
        .iter()
        .chain(input.only.iter())
        .filter(|(n, _)| input.dataset.column(n).is_some())
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    filters.sort();
    format!("{} {measure} of {who} [{}]", input.dataset.name(), filters.join(", "))
}

/// Which inputs a shown 95% interval is computed from.
pub(super) fn interval_inputs(formula: &Formula) -> &'static [usize] {
    match formula {
        Formula::Share { .. } | Formula::Representation { .. } => &[0, 1],
        Formula::RelativeLikelihood { .. } => &[0, 1, 2, 3],
        Formula::PayGap { .. } => &[],
    }
}

/// Everything the real publish path shows a non-owner about the
/// organisation's tables, read back from the answer rows.
pub(super) fn publish(unknowns: &Unknowns, tables: &[Raw], secondary: Secondary, policy: Policy) -> Publication {
    let patterns: Vec<(Dataset, Pattern)> = match secondary {
        Secondary::Pattern => tables.iter().map(|t| (t.dataset, real_pattern(t, policy))).collect(),
        Secondary::Off => Vec::new(),
    };
    let (organisation, period) = key();
    let mut out = Publication::default();
    let served =
        |m: &MetricDef| m.datasets.iter().all(|d| *d == Dataset::Population || tables.iter().any(|t| t.dataset == *d));
    for metric in CATALOGUE.iter().filter(|m| served(m)) {
        let inputs = metric.inputs();
        let by_group = inputs.iter().any(|i| i.who == Who::Group);
        for params in parameter_combinations(metric.params, by_group) {
            if !has_figure(metric, &params, tables) {
                continue;
            }
            let values: Vec<f64> = inputs.iter().map(|i| input_value(tables, i, &params)).collect();
            let hidden = Withheld::per_input(match secondary {
                Secondary::Pattern => inputs
                    .iter()
                    .map(|i| {
                        let pattern = patterns.iter().find(|(d, _)| *d == i.dataset).map(|(_, p)| p);
                        Pattern::withholds(pattern, i, &params)
                    })
                    .collect(),
                // The negative control: one explicit flag per input (a
                // missing flag would count as withheld).
                Secondary::Off => vec![false; inputs.len()],
            });
            let figure = Figure { organisation, period, inputs: values.clone(), hidden, release: None, revised: false };
            let rows = assemble(metric, &[figure], &[period], Viewer::Public, policy);
            let row = rows.iter().find(|r| r.scope == Scope::Organisation).expect("the organisation's row");
            out.figures += 1;
            let terms: Vec<Option<Vec<usize>>> = inputs.iter().map(|i| unknowns.terms(i, &params)).collect();
            for (i, input) in inputs.iter().enumerate() {
                if let (Some(t), Measure::Column(c)) = (&terms[i], input.measure)
                    && counts_people(c)
                {
                    out.sum(t, describe_input(input, &params));
                }
            }
            read_row(metric, &params, row, &inputs, &values, &terms, &mut out, policy);
        }
    }
    out
}

/// The constraints one answer row gives.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_row(
    metric: &MetricDef,
    params: &Params,
    row: &Row,
    inputs: &[SumDef],
    values: &[f64],
    terms: &[Option<Vec<usize>>],
    out: &mut Publication,
    policy: Policy,
) {
    let at = format!("{} {}", metric.id, describe_params(params));
    let t = |i: usize| terms.get(i).and_then(|t| t.as_deref());
    let name = |i: usize| describe_input(&inputs[i], params);
    match metric.formula {
        Formula::Share { .. } | Formula::Representation { .. } => {
            if let (Some(n), Some(v)) = (t(0), row.numerator) {
                out.count(n, v, format!("{at}: numerator {v} = {}", name(0)), policy);
            }
            if let (Some(d), Some(v)) = (t(1), row.denominator) {
                out.count(d, v, format!("{at}: denominator {v} = {}", name(1)), policy);
            }
            if let (Some(n), Some(d), Some(v)) = (t(0), t(1), row.value) {
                // Share: 100 n - v d = 0. Representation: v = (n / d) / (g / k),
                // so n - v (g / k) d = 0 (residents g, k public).
                let (cn, cd) = match metric.formula {
                    Formula::Share { .. } => (100.0, v),
                    _ => (1.0, v * values[2] / values[3]),
                };
                out.add(Linear::zero(&[(n, cn), (d, -cd)], cd, format!("{at}: value {v}")));
            }
        }
        Formula::RelativeLikelihood { .. } => {
            // Numerator: the group's rate 100 a / b; denominator: the reference's 100 c / d.
            for (rate, part, base, label) in
                [(row.numerator, 0, 2, "numerator"), (row.denominator, 1, 3, "denominator")]
            {
                if let (Some(r), Some(a), Some(b)) = (rate, t(part), t(base)) {
                    out.add(Linear::zero(
                        &[(a, 100.0), (b, -r)],
                        r,
                        format!("{at}: {label} rate {r} = 100 x {} / {}", name(part), name(base)),
                    ));
                }
            }
        }
        Formula::PayGap { .. } => {
            // Numerator: the group's pay W / H; denominator: the reference's.
            for (pay, total, heads, label) in
                [(row.numerator, 0, 1, "numerator"), (row.denominator, 3, 4, "denominator")]
            {
                if let (Some(p), Some(w), Some(h)) = (pay, t(total), t(heads)) {
                    out.add(Linear::zero(&[(w, 1.0), (h, -p)], p, format!("{at}: {label} pay {p}")));
                    let k = policy.min_count as f64;
                    out.add(Linear::new(
                        &[(h, 1.0)],
                        k,
                        f64::INFINITY,
                        format!("{at}: {label} shown, so {} >= k", name(heads)),
                    ));
                    if policy.is_small(values[heads]) {
                        out.small_shown.push(format!("{at}: pay of {} people shown", values[heads]));
                    }
                }
            }
        }
    }
    if row.lower_ci.is_some() || row.upper_ci.is_some() {
        for &i in interval_inputs(&metric.formula) {
            if let Some(x) = t(i) {
                out.count(
                    x,
                    values[i],
                    format!("{at}: interval shown, built from {} = {}", name(i), values[i]),
                    policy,
                );
            }
        }
    }
}

/// What the attacker knows of any raw table of these datasets.
pub(super) fn knowledge(unknowns: &Unknowns) -> Vec<Linear> {
    let mut out = Vec::new();
    for (t, raw) in unknowns.tables.iter().enumerate() {
        let cell = |row, measure| unknowns.id(Cell { table: t, row, measure, times: None });
        match raw.dataset {
            Dataset::Survey => {
                for row in 0..raw.rows.len() {
                    let (p, r) = (cell(row, "positive"), cell(row, "respondents"));
                    out.push(Linear::new(
                        &[(&[p], 1.0), (&[r], -1.0)],
                        f64::NEG_INFINITY,
                        0.0,
                        format!("positive <= respondents in row {}", row + 1),
                    ));
                }
            }
            Dataset::Recruitment => {
                for inner in 0..unknowns.cells.len() {
                    for outer in 0..unknowns.cells.len() {
                        let (a, b) = (unknowns.cells[outer], unknowns.cells[inner]);
                        if a.table == t && b.table == t && outer != inner && unknowns.covers(outer, inner) {
                            out.push(Linear::new(
                                &[(&[inner], 1.0), (&[outer], -1.0)],
                                f64::NEG_INFINITY,
                                0.0,
                                format!("stages nest: row {} <= row {}", b.row + 1, a.row + 1),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}
