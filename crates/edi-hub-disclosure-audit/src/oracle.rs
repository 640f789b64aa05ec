//! An independent disclosure oracle (tests only).
//!
//! The LP audit ([`super::audit`], [`super::published`]) reads its
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
//! Known leak, kept as ignored tests until fixed: a recruitment file that
//! reports a later stage of a group without an earlier one (see
//! [`recruitment_without_a_shortlisting_row`]).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use bytes::Bytes;
use good_lp::{Expression, ResolutionError, Solution, SolverModel, Variable, constraint, microlp, variable, variables};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::counts::parameter_combinations;
use super::pattern::Pattern;
use super::{Policy, Viewer};
use crate::benchmark::{Figure, Row, Scope, assemble};
use crate::dataset::Dataset;
use crate::metrics::{CATALOGUE, Formula, Measure, MetricDef, Params, SumDef, Who};
use crate::table::to_record_batch;
use crate::validate::{Limits, UploadFormat, validate};
use crate::{Organisation, Period};

// ---------------------------------------------------------------------------
// The classification (spec section 3), written out independently.

const CLASSIFICATION: [(&str, &[&str]); 5] = [
    ("asian", &["asian_bangladeshi", "asian_chinese", "asian_indian", "asian_pakistani", "asian_other"]),
    ("black", &["black_african", "black_caribbean", "black_other"]),
    ("mixed", &["mixed_white_asian", "mixed_white_black_african", "mixed_white_black_caribbean", "mixed_other"]),
    ("white", &["white_british", "white_irish", "white_gypsy_irish_traveller", "white_roma", "white_other"]),
    ("other", &["other_arab", "other_any"]),
];

/// The finest codes (detailed codes, or `not_stated`) a reported code or a
/// requested group stands for.
fn finest(id: &str) -> BTreeSet<&'static str> {
    let of_parents = |parents: &[&str]| -> BTreeSet<&'static str> {
        CLASSIFICATION.iter().filter(|(p, _)| parents.contains(p)).flat_map(|(_, c)| c.iter().copied()).collect()
    };
    match id {
        "not_stated" => BTreeSet::from(["not_stated"]),
        "ethnic_minority" => of_parents(&["asian", "black", "mixed", "other"]),
        "white_minority" => {
            let mut s = of_parents(&["white"]);
            s.remove("white_british");
            s
        }
        _ => {
            if let Some((_, children)) = CLASSIFICATION.iter().find(|(p, _)| *p == id) {
                return children.iter().copied().collect();
            }
            let code = CLASSIFICATION.iter().flat_map(|(_, c)| c.iter().copied()).find(|c| *c == id);
            BTreeSet::from([code.unwrap_or_else(|| panic!("unknown ethnicity code or group {id}"))])
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    Inside,
    Outside,
    /// Partly inside: the group cannot be counted from this code.
    Straddles,
}

/// How the people of a reported code relate to a requested group.
fn relation(code: &str, group: &str) -> Relation {
    let (c, g) = (finest(code), finest(group));
    if c.is_subset(&g) {
        Relation::Inside
    } else if c.is_disjoint(&g) {
        Relation::Outside
    } else {
        Relation::Straddles
    }
}

// ---------------------------------------------------------------------------
// Raw tables: the rows of an uploaded CSV file.

#[derive(Debug, Clone)]
struct RawRow {
    code: &'static str,
    /// Values of the table's dimension columns, in order.
    dims: Vec<String>,
    /// Values of the table's measure columns, in order, as written.
    values: Vec<f64>,
}

#[derive(Debug, Clone)]
struct Raw {
    dataset: Dataset,
    /// Dimension columns besides `ethnicity`, as in the file.
    dims: Vec<&'static str>,
    measures: Vec<&'static str>,
    rows: Vec<RawRow>,
}

/// Measure columns that count people.
fn counts_people(measure: &str) -> bool {
    matches!(measure, "headcount" | "count" | "respondents" | "positive")
}

impl Raw {
    fn new(dataset: Dataset, dims: &[&'static str], measures: &[&'static str]) -> Raw {
        Raw { dataset, dims: dims.to_vec(), measures: measures.to_vec(), rows: Vec::new() }
    }

    fn push(&mut self, code: &'static str, dims: &[&str], values: &[f64]) {
        assert_eq!(dims.len(), self.dims.len());
        assert_eq!(values.len(), self.measures.len());
        let values = values
            .iter()
            .zip(&self.measures)
            .map(|(v, m)| if counts_people(m) { *v } else { format!("{v:.2}").parse().unwrap() })
            .collect();
        self.rows.push(RawRow { code, dims: dims.iter().map(|d| d.to_string()).collect(), values });
    }

    fn csv(&self) -> String {
        let mut header = vec!["ethnicity"];
        header.extend(&self.dims);
        header.extend(&self.measures);
        let mut out = header.join(",") + "\n";
        for r in &self.rows {
            let mut cells = vec![r.code.to_string()];
            cells.extend(r.dims.iter().cloned());
            for (v, m) in r.values.iter().zip(&self.measures) {
                cells.push(if counts_people(m) { format!("{}", *v as i64) } else { format!("{v:.2}") });
            }
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// A dimension value of a row (`None`: the file has no such column).
    fn dim(&self, row: usize, name: &str) -> Option<&str> {
        self.dims.iter().position(|d| *d == name).map(|i| self.rows[row].dims[i].as_str())
    }

    fn value(&self, row: usize, measure: &str) -> f64 {
        let i = self.measures.iter().position(|m| *m == measure).unwrap_or_else(|| panic!("no measure {measure}"));
        self.rows[row].values[i]
    }

    fn describe(&self, row: usize) -> String {
        let r = &self.rows[row];
        let mut s = r.code.to_string();
        for (name, v) in self.dims.iter().zip(&r.dims) {
            s.push_str(&format!(", {name}={v}"));
        }
        s
    }
}

fn key() -> (Organisation, Period) {
    ("E09000015".parse().unwrap(), "2025-Q1".parse().unwrap())
}

/// The real protected pattern of a raw table, through the real validator
/// and stored layout.
fn real_pattern(raw: &Raw, policy: Policy) -> Pattern {
    let csv = raw.csv();
    let valid = validate(raw.dataset, UploadFormat::Csv, Bytes::from(csv.clone()), &Limits::default())
        .unwrap_or_else(|p| panic!("invalid test table: {p:?}\n{csv}"));
    assert_eq!(valid.rows, raw.rows.len());
    let batch = to_record_batch(&valid, Some(key())).unwrap();
    Pattern::protect(raw.dataset, &batch, policy).unwrap()
}

// ---------------------------------------------------------------------------
// The evaluator: from an input's definition to the raw rows it adds up.

/// Whether a row passes equality filters on the columns its dataset has (a
/// column the file left out matches no value).
fn passes(raw: &Raw, row: usize, filters: &[(&str, &str)]) -> bool {
    filters
        .iter()
        .filter(|(name, _)| raw.dataset.column(name).is_some())
        .all(|(name, v)| raw.dim(row, name) == Some(*v))
}

/// Whether an input counts the people of a row's code.
fn counts_code(who: Who, params: &Params, code: &str) -> bool {
    match who {
        Who::Group => relation(code, params.group.map_or("white", |g| g.id())) == Relation::Inside,
        Who::Reference => relation(code, "white") == Relation::Inside,
        Who::Known => code != "not_stated",
        Who::Everyone => true,
    }
}

/// The rows of `raw` an input adds up under `params`.
fn rows_summed(raw: &Raw, input: &SumDef, params: &Params) -> Vec<usize> {
    (0..raw.rows.len())
        .filter(|&r| counts_code(input.who, params, raw.rows[r].code))
        .filter(|&r| passes(raw, r, &params.filters))
        .filter(|&r| input.only.is_none_or(|f| passes(raw, r, &[f])))
        .collect()
}

/// Whether the organisation has a figure at all: every table the metric
/// reads has rows matching the request's filters, and none reports a code
/// the requested group cannot be counted from.
fn has_figure(metric: &MetricDef, params: &Params, tables: &[Raw]) -> bool {
    let inputs = metric.inputs();
    let datasets: BTreeSet<Dataset> = inputs.iter().map(|i| i.dataset).filter(|d| *d != Dataset::Population).collect();
    datasets.into_iter().all(|d| {
        let Some(raw) = tables.iter().find(|t| t.dataset == d) else { return false };
        let matched = (0..raw.rows.len()).any(|r| passes(raw, r, &params.filters));
        let by_group = inputs.iter().any(|i| i.dataset == d && i.who == Who::Group);
        let straddles = by_group
            && params.group.is_some_and(|g| raw.rows.iter().any(|r| relation(r.code, g.id()) == Relation::Straddles));
        matched && !straddles
    })
}

/// A synthetic Census: the i-th detailed code has 1000 + 150 i residents
/// (public, so any constants will do).
fn residents(who: Who, params: &Params) -> f64 {
    let people = match who {
        Who::Group => finest(params.group.map_or("white", |g| g.id())),
        Who::Reference => finest("white"),
        Who::Known | Who::Everyone => finest("ethnic_minority").union(&finest("white")).copied().collect(),
    };
    CLASSIFICATION
        .iter()
        .flat_map(|(_, c)| c.iter())
        .enumerate()
        .filter(|(_, c)| people.contains(*c))
        .map(|(i, _)| 1000.0 + 150.0 * i as f64)
        .sum()
}

/// The true value of an input (what the query engine sums).
fn input_value(tables: &[Raw], input: &SumDef, params: &Params) -> f64 {
    if input.dataset == Dataset::Population {
        return residents(input.who, params);
    }
    let raw = tables.iter().find(|t| t.dataset == input.dataset).expect("table of the input");
    let rows = rows_summed(raw, input, params);
    let total: f64 = match input.measure {
        Measure::Column(c) => rows.iter().map(|&r| raw.value(r, c)).sum(),
        Measure::Product(a, b) => rows.iter().map(|&r| raw.value(r, a) * raw.value(r, b)).sum(),
        Measure::Rows => rows.len() as f64,
    };
    // An empty float sum is -0.
    total + 0.0
}

// ---------------------------------------------------------------------------
// Unknowns: one per raw row and measure (and per row and pay column, the
// row's headcount x pay total).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Cell {
    table: usize,
    row: usize,
    measure: &'static str,
    /// `Some(pay column)`: the row's headcount times that pay figure.
    times: Option<&'static str>,
}

struct Unknowns<'a> {
    tables: &'a [Raw],
    cells: Vec<Cell>,
    index: HashMap<Cell, usize>,
    truth: Vec<f64>,
}

impl<'a> Unknowns<'a> {
    fn of(tables: &'a [Raw]) -> Self {
        let mut cells = Vec::new();
        for (t, raw) in tables.iter().enumerate() {
            for row in 0..raw.rows.len() {
                for &m in raw.measures.iter().filter(|m| counts_people(m)) {
                    cells.push(Cell { table: t, row, measure: m, times: None });
                }
                for &p in raw.measures.iter().filter(|m| m.ends_with("_hourly_pay")) {
                    cells.push(Cell { table: t, row, measure: "headcount", times: Some(p) });
                }
            }
        }
        let index = cells.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        let truth = cells
            .iter()
            .map(|c| {
                let raw = &tables[c.table];
                raw.value(c.row, c.measure) * c.times.map_or(1.0, |p| raw.value(c.row, p))
            })
            .collect();
        Unknowns { tables, cells, index, truth }
    }

    fn id(&self, cell: Cell) -> usize {
        *self.index.get(&cell).unwrap_or_else(|| panic!("no unknown {cell:?}"))
    }

    fn table(&self, dataset: Dataset) -> usize {
        self.tables.iter().position(|t| t.dataset == dataset).expect("table")
    }

    /// The unknowns an input adds up (`None`: not a sum of unknowns, i.e.
    /// public population or a number of rows).
    fn terms(&self, input: &SumDef, params: &Params) -> Option<Vec<usize>> {
        if input.dataset == Dataset::Population {
            return None;
        }
        let table = self.table(input.dataset);
        let rows = rows_summed(&self.tables[table], input, params);
        let cell = |row: usize, measure: &'static str, times| self.id(Cell { table, row, measure, times });
        match input.measure {
            Measure::Column(c) => Some(rows.into_iter().map(|r| cell(r, c, None)).collect()),
            Measure::Product(a, b) => Some(rows.into_iter().map(|r| cell(r, a, Some(b))).collect()),
            Measure::Rows => None,
        }
    }

    fn value(&self, terms: &BTreeMap<usize, i64>) -> i64 {
        terms.iter().map(|(&u, &c)| c as f64 * self.truth[u]).sum::<f64>().round() as i64
    }

    fn describe(&self, u: usize) -> String {
        let c = self.cells[u];
        let raw = &self.tables[c.table];
        let what = match c.times {
            Some(p) => format!("headcount x {p}"),
            None => c.measure.to_string(),
        };
        format!("{} {what} of row {} ({})", raw.dataset.name(), c.row + 1, raw.describe(c.row))
    }

    /// Whether the people of `outer` include those of `inner`.
    fn covers(&self, outer: usize, inner: usize) -> bool {
        if outer == inner {
            return true;
        }
        let (a, b) = (self.cells[outer], self.cells[inner]);
        if a.table != b.table || a.times.is_some() || b.times.is_some() {
            return false;
        }
        let raw = &self.tables[a.table];
        match raw.dataset {
            Dataset::Survey => a.row == b.row && a.measure == "respondents" && b.measure == "positive",
            Dataset::Recruitment => {
                let (ra, rb) = (&raw.rows[a.row], &raw.rows[b.row]);
                let stage = |row: usize| {
                    let s = raw.dim(row, "stage").expect("stage");
                    ["applied", "shortlisted", "appointed"].iter().position(|x| *x == s).expect("stage")
                };
                let others_equal =
                    raw.dims.iter().zip(ra.dims.iter().zip(&rb.dims)).all(|(d, (x, y))| *d == "stage" || x == y);
                ra.code == rb.code && others_equal && stage(a.row) < stage(b.row)
            }
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------
// What is published, as linear constraints over the unknowns.

/// `low <= sum(coefficient * unknown) <= high`.
#[derive(Debug, Clone)]
struct Linear {
    terms: BTreeMap<usize, f64>,
    low: f64,
    high: f64,
    what: String,
}

impl Linear {
    fn new(parts: &[(&[usize], f64)], low: f64, high: f64, what: String) -> Linear {
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
    fn zero(parts: &[(&[usize], f64)], scale: f64, what: String) -> Linear {
        let tolerance = 1e-6 * (1.0 + scale.abs());
        Linear::new(parts, -tolerance, tolerance, what)
    }
}

/// Whether secondary suppression is applied (the real pattern's flags) or
/// not (the negative control: every `hidden` flag false).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Secondary {
    Pattern,
    Off,
}

#[derive(Debug, Default)]
struct Publication {
    constraints: Vec<Linear>,
    seen: HashSet<String>,
    /// Sums of people the figures are built from (shown or not), each once.
    sums: Vec<(BTreeSet<usize>, String)>,
    seen_sums: HashSet<BTreeSet<usize>>,
    /// Counts from 1 to k-1 shown (should be none).
    small_shown: Vec<String>,
    figures: usize,
}

impl Publication {
    fn add(&mut self, c: Linear) {
        let key = format!("{:?}", (c.terms.iter().map(|(u, x)| (u, x.to_bits())).collect::<Vec<_>>(), c.low.to_bits()));
        if self.seen.insert(key) {
            self.constraints.push(c);
        }
    }

    fn count(&mut self, terms: &[usize], value: f64, what: String, policy: Policy) {
        if policy.is_small(value) {
            self.small_shown.push(format!("{what} = {value}"));
        }
        self.add(Linear::new(&[(terms, 1.0)], value, value, what));
    }

    fn sum(&mut self, terms: &[usize], what: String) {
        let set: BTreeSet<usize> = terms.iter().copied().collect();
        if !set.is_empty() && self.seen_sums.insert(set.clone()) {
            self.sums.push((set, what));
        }
    }
}

fn describe_params(params: &Params) -> String {
    params.to_map().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
}

/// A readable name of an input under some parameters.
fn describe_input(input: &SumDef, params: &Params) -> String {
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
fn interval_inputs(formula: &Formula) -> &'static [usize] {
    match formula {
        Formula::Share { .. } | Formula::Representation { .. } => &[0, 1],
        Formula::RelativeLikelihood { .. } => &[0, 1, 2, 3],
        Formula::PayGap { .. } => &[],
    }
}

/// Everything the real publish path shows a non-owner about the
/// organisation's tables, read back from the answer rows.
fn publish(unknowns: &Unknowns, tables: &[Raw], secondary: Secondary, policy: Policy) -> Publication {
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
            let hidden: Vec<bool> = match secondary {
                Secondary::Pattern => inputs
                    .iter()
                    .map(|i| {
                        let pattern = patterns.iter().find(|(d, _)| *d == i.dataset).map(|(_, p)| p);
                        Pattern::withholds(pattern, i, &params)
                    })
                    .collect(),
                Secondary::Off => vec![false; inputs.len()],
            };
            let figure = Figure { organisation, period, inputs: values.clone(), hidden };
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
fn read_row(
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
fn knowledge(unknowns: &Unknowns) -> Vec<Linear> {
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

// ---------------------------------------------------------------------------
// Sensitive counts, from the raw rows.

#[derive(Debug, Clone, PartialEq)]
struct Check {
    what: String,
    terms: BTreeMap<usize, i64>,
    value: i64,
}

/// Every count from 1 to k-1 the tables express: raw cells, the sums the
/// figures are built from, and the difference of two of these where one's
/// people include the other's.
fn sensitive(unknowns: &Unknowns, sums: &[(BTreeSet<usize>, String)], policy: Policy) -> Vec<Check> {
    let small = |v: i64| v > 0 && v < policy.min_count;
    let mut pool: Vec<(BTreeSet<usize>, String)> = Vec::new();
    let mut in_pool: HashSet<BTreeSet<usize>> = HashSet::new();
    let people = (0..unknowns.cells.len()).filter(|&u| unknowns.cells[u].times.is_none());
    for (set, what) in
        people.map(|u| (BTreeSet::from([u]), format!("cell: {}", unknowns.describe(u)))).chain(sums.iter().cloned())
    {
        if in_pool.insert(set.clone()) {
            pool.push((set, what));
        }
    }
    let ones = |set: &BTreeSet<usize>| -> BTreeMap<usize, i64> { set.iter().map(|&u| (u, 1)).collect() };
    let values: Vec<i64> = pool.iter().map(|(s, _)| unknowns.value(&ones(s))).collect();
    let mut out = Vec::new();
    let mut seen: HashSet<Vec<(usize, i64)>> = HashSet::new();
    let mut add = |terms: BTreeMap<usize, i64>, value: i64, what: String| {
        if seen.insert(terms.iter().map(|(u, c)| (*u, *c)).collect()) {
            out.push(Check { what, terms, value });
        }
    };
    for (i, (set, what)) in pool.iter().enumerate() {
        if small(values[i]) {
            add(ones(set), values[i], what.clone());
        }
    }
    for (a, (outer, outer_what)) in pool.iter().enumerate() {
        for (b, (inner, inner_what)) in pool.iter().enumerate() {
            let diff = values[a] - values[b];
            if a == b || !small(diff) || !contains(unknowns, outer, inner) {
                continue;
            }
            let mut terms = ones(outer);
            for u in inner {
                *terms.entry(*u).or_insert(0) -= 1;
            }
            terms.retain(|_, c| *c != 0);
            add(terms, diff, format!("{outer_what} minus {inner_what}"));
        }
    }
    out
}

/// Whether the people of `outer` include those of `inner`: each unknown of
/// `inner` is covered by its own unknown of `outer`.
fn contains(unknowns: &Unknowns, outer: &BTreeSet<usize>, inner: &BTreeSet<usize>) -> bool {
    let mut used = HashSet::new();
    inner.iter().all(|&b| match outer.iter().find(|&&a| !used.contains(&a) && unknowns.covers(a, b)) {
        Some(&a) => used.insert(a),
        None => false,
    })
}

// ---------------------------------------------------------------------------
// Linear programming.

fn model<M: SolverModel>(mut model: M, x: &[Variable], constraints: &[Linear]) -> M {
    for c in constraints {
        let lhs: Expression = c.terms.iter().map(|(&u, &k)| k * x[u]).sum();
        if c.low == c.high {
            model = model.with(constraint!(lhs == c.low));
            continue;
        }
        if c.low.is_finite() {
            model = model.with(constraint!(lhs.clone() >= c.low));
        }
        if c.high.is_finite() {
            model = model.with(constraint!(lhs <= c.high));
        }
    }
    model
}

/// The smallest (or largest) value of `objective` (`None`: unbounded).
fn optimum(n: usize, constraints: &[Linear], objective: &BTreeMap<usize, f64>, maximise: bool) -> Option<f64> {
    let mut vars = variables!();
    let x: Vec<Variable> = (0..n).map(|_| vars.add(variable().min(0))).collect();
    let goal: Expression = objective.iter().map(|(&u, &k)| k * x[u]).sum();
    let problem = if maximise { vars.maximise(goal.clone()) } else { vars.minimise(goal.clone()) };
    match model(problem.using(microlp), &x, constraints).solve() {
        Ok(s) => Some(s.eval(&goal)),
        Err(ResolutionError::Unbounded) => None,
        Err(e) => panic!("the published figures and the raw table disagree: {e}"),
    }
}

/// A feasible point minimising a positive weighting.
fn vertex(n: usize, constraints: &[Linear], weights: &[f64]) -> Vec<f64> {
    let mut vars = variables!();
    let x: Vec<Variable> = (0..n).map(|_| vars.add(variable().min(0))).collect();
    let goal: Expression = x.iter().zip(weights).map(|(v, w)| *w * *v).sum();
    match model(vars.minimise(goal).using(microlp), &x, constraints).solve() {
        Ok(s) => x.iter().map(|v| s.value(*v)).collect(),
        Err(e) => panic!("the published figures and the raw table disagree: {e}"),
    }
}

/// Fewer than two whole numbers in `[low, high]`.
fn pinned(low: f64, high: Option<f64>) -> bool {
    let Some(high) = high else { return false };
    (high + 1e-6).floor() - (low - 1e-6).ceil() < 1.0
}

#[derive(Debug, Clone)]
struct Finding {
    check: Check,
    low: f64,
    high: Option<f64>,
}

fn interval(n: usize, constraints: &[Linear], check: &Check) -> (f64, Option<f64>) {
    let objective: BTreeMap<usize, f64> = check.terms.iter().map(|(&u, &c)| (u, c as f64)).collect();
    let low = optimum(n, constraints, &objective, false).expect("bounded below");
    (low, optimum(n, constraints, &objective, true))
}

/// The checks pinned by the constraints. Shortcut (sound): a check whose
/// values at the true table and at a few feasible vertices already span two
/// whole numbers is open; only the rest get their own two programs.
fn pinned_checks(n: usize, constraints: &[Linear], checks: &[Check], truth: &[f64]) -> Vec<Finding> {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut points = vec![truth.to_vec()];
    for _ in 0..8 {
        let weights: Vec<f64> = (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                0.5 + (seed >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect();
        points.push(vertex(n, constraints, &weights));
    }
    checks
        .iter()
        .filter(|c| {
            let at = |p: &Vec<f64>| c.terms.iter().map(|(&u, &k)| k as f64 * p[u]).sum::<f64>();
            let (lo, hi) =
                points.iter().map(at).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
            pinned(lo, Some(hi))
        })
        .filter_map(|c| {
            let (low, high) = interval(n, constraints, c);
            pinned(low, high).then(|| Finding { check: c.clone(), low, high })
        })
        .collect()
}

/// A smallest-found set of published constraints that still pins `check`
/// (the attacker's knowledge of raw tables always kept): greedy deletion.
fn explain(n: usize, published: &[Linear], known: &[Linear], check: &Check) -> Vec<String> {
    // Rates and inequalities are tried first, so counts explain when they can.
    let mut keep: Vec<Linear> = published.to_vec();
    keep.sort_by_key(|c| c.low == c.high);
    let mut i = 0;
    while i < keep.len() {
        let mut without = keep.clone();
        without.remove(i);
        let all: Vec<Linear> = without.iter().chain(known).cloned().collect();
        let (low, high) = interval(n, &all, check);
        if pinned(low, high) {
            keep = without;
        } else {
            i += 1;
        }
    }
    keep.into_iter().map(|c| c.what).collect()
}

// ---------------------------------------------------------------------------
// The oracle.

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

// ---------------------------------------------------------------------------
// Random tables.

/// Counts mostly small, sometimes zero, sometimes large.
fn count() -> impl Strategy<Value = i64> {
    prop_oneof![3 => Just(0i64), 4 => 1i64..10, 3 => 10i64..60, 1 => 60i64..400]
}

/// `n` counts for one table: most tables mostly small counts (as
/// [`count`]); some mostly large, so that figures with several inputs
/// (relative likelihoods) are shown often enough to be tested.
fn counts(n: usize) -> impl Strategy<Value = Vec<i64>> {
    let large = prop_oneof![1 => Just(0i64), 2 => 1i64..10, 4 => 10i64..60, 3 => 60i64..400];
    (proptest::bool::weighted(0.35), proptest::collection::vec((count(), large), n))
        .prop_map(|(large, v)| v.into_iter().map(|(small, big)| if large { big } else { small }).collect())
}

/// Per high-level group: left out, high-level, or one or two detailed codes.
const DETAIL: [(&str, [&str; 2]); 5] = [
    ("white", ["white_british", "white_other"]),
    ("black", ["black_african", "black_caribbean"]),
    ("asian", ["asian_indian", "asian_bangladeshi"]),
    ("mixed", ["mixed_other", "mixed_white_asian"]),
    ("other", ["other_any", "other_arab"]),
];

/// A set of codes mixing levels across groups, with or without not_stated.
fn codes() -> impl Strategy<Value = Vec<&'static str>> {
    let level = prop_oneof![1 => Just(0u8), 3 => Just(1u8), 2 => Just(2u8), 2 => Just(3u8)];
    (proptest::collection::vec(level, 5), any::<bool>()).prop_map(|(levels, not_stated)| {
        let mut out = Vec::new();
        for ((high, detailed), level) in DETAIL.iter().zip(levels) {
            match level {
                1 => out.push(*high),
                2 => out.push(detailed[0]),
                3 => out.extend(detailed),
                _ => {}
            }
        }
        if out.is_empty() {
            out.push("white");
        }
        if not_stated {
            out.push("not_stated");
        }
        out
    })
}

fn bands(n: usize) -> Vec<&'static str> {
    ["1", "2", "3"][..n].to_vec()
}

/// Every combination of one value per column.
fn combinations(columns: &[Vec<&'static str>]) -> Vec<Vec<&'static str>> {
    columns.iter().fold(vec![vec![]], |done, values| {
        done.iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(*v);
                    next
                })
            })
            .collect()
    })
}

/// A table of `dataset`: one row per code and combination of dimension
/// values, counts taken in turn from `counts`.
fn table_of(
    dataset: Dataset,
    codes: &[&'static str],
    columns: &[(&'static str, Vec<&'static str>)],
    measure: &'static str,
    counts: &[i64],
) -> Raw {
    let dims: Vec<&'static str> = columns.iter().filter(|(_, v)| !v.is_empty()).map(|(d, _)| *d).collect();
    let values: Vec<Vec<&'static str>> =
        columns.iter().filter(|(_, v)| !v.is_empty()).map(|(_, v)| v.clone()).collect();
    let mut raw = Raw::new(dataset, &dims, &[measure]);
    let mut n = counts.iter().cycle();
    for &code in codes {
        for d in combinations(&values) {
            raw.push(code, &d, &[*n.next().unwrap() as f64]);
        }
    }
    raw
}

/// Workforce dimensions besides the pay band, with the values tables use.
const EXTRA: [(&str, &[&str]); 4] = [
    ("senior_leadership", &["true", "false"]),
    ("top_5_percent", &["true", "false"]),
    ("sex", &["female", "male"]),
    ("age_band", &["25_34", "55_64"]),
];

fn workforce_table(codes: &[&'static str], n_bands: usize, extras: &[&'static str], counts: &[i64]) -> Raw {
    let mut columns = vec![("pay_band", bands(n_bands))];
    for (name, values) in EXTRA.iter().filter(|(name, _)| extras.contains(name)) {
        columns.push((*name, values.to_vec()));
    }
    table_of(Dataset::Workforce, codes, &columns, "headcount", counts)
}

/// Leaves out the rows that count nobody, as many files do (keeping one).
fn without_zero_rows(mut raw: Raw, drop: bool) -> Raw {
    if drop {
        let measures = raw.measures.clone();
        let counted = |r: &RawRow| r.values.iter().zip(&measures).any(|(v, m)| counts_people(m) && *v != 0.0);
        let keep: Vec<RawRow> = raw.rows.iter().filter(|r| counted(r)).cloned().collect();
        if !keep.is_empty() {
            raw.rows = keep;
        }
    }
    raw
}

fn drop_zeros() -> impl Strategy<Value = bool> {
    proptest::bool::weighted(0.3)
}

fn extras() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(EXTRA.map(|(name, _)| name).to_vec(), 0..=2)
}

/// A workforce table: codes at mixed levels, up to three bands, up to two
/// further dimensions (flags, or dimensions no count separates).
fn workforce() -> impl Strategy<Value = Vec<Raw>> {
    (codes(), 0usize..=3, extras(), counts(64), drop_zeros()).prop_map(|(codes, b, extras, counts, drop)| {
        let b = if extras.len() > 1 { b.min(1) } else { b };
        vec![without_zero_rows(workforce_table(&codes, b, &extras, &counts), drop)]
    })
}

fn pay() -> impl Strategy<Value = Vec<Raw>> {
    (codes(), counts(11), proptest::collection::vec((900u32..6000, 900u32..6000), 11), drop_zeros()).prop_map(
        |(codes, heads, pay, drop)| {
            let mut raw = Raw::new(Dataset::Pay, &[], &["headcount", "mean_hourly_pay", "median_hourly_pay"]);
            for (code, (h, (mean, median))) in codes.iter().zip(heads.into_iter().zip(pay)) {
                raw.push(code, &[], &[h as f64, f64::from(mean) / 100.0, f64::from(median) / 100.0]);
            }
            vec![without_zero_rows(raw, drop)]
        },
    )
}

/// Recruitment: the three stages per code (and band), nested.
fn recruitment() -> impl Strategy<Value = Vec<Raw>> {
    (codes(), 0usize..=2, counts(33), proptest::collection::vec((0.0f64..=1.0, 0.0f64..=1.0), 33), drop_zeros())
        .prop_map(|(codes, b, applied, ratios, drop)| {
            let dims: &[&'static str] = if b > 0 { &["stage", "pay_band"] } else { &["stage"] };
            let mut raw = Raw::new(Dataset::Recruitment, dims, &["count"]);
            let mut n = applied.into_iter().zip(ratios).cycle();
            for &code in &codes {
                for band in if b > 0 { combinations(&[bands(b)]) } else { vec![vec![]] } {
                    let (applied, (s, a)) = n.next().unwrap();
                    let shortlisted = (applied as f64 * s).round() as i64;
                    let appointed = (shortlisted as f64 * a).round() as i64;
                    for (stage, v) in [("applied", applied), ("shortlisted", shortlisted), ("appointed", appointed)] {
                        let mut d = vec![stage];
                        d.extend(&band);
                        raw.push(code, &d, &[v as f64]);
                    }
                }
            }
            vec![without_zero_rows(raw, drop)]
        })
}

/// A table of events by code (and band), beside the organisation's
/// workforce (the bases of the relative likelihoods), which reports the
/// same codes or, sometimes, others, and its own bands.
fn events_and_workforce(
    dataset: Dataset,
    dimension: &'static str,
    values: &'static [&'static str],
    with_bands: bool,
) -> impl Strategy<Value = Vec<Raw>> {
    (
        (codes(), proptest::option::weighted(0.3, codes())),
        (if with_bands { 0usize..=2 } else { 0usize..=0 }, 0usize..=2),
        proptest::sample::subsequence(values, 1..=3),
        (counts(66), counts(33)),
        (drop_zeros(), drop_zeros()),
    )
        .prop_map(move |((codes, other), (b, wb), kinds, (counts, heads), (drop, wdrop))| {
            let columns = [(dimension, kinds), ("pay_band", bands(b))];
            let events = table_of(dataset, &codes, &columns, "count", &counts);
            let staff = workforce_table(other.as_deref().unwrap_or(&codes), wb, &[], &heads);
            vec![without_zero_rows(events, drop), without_zero_rows(staff, wdrop)]
        })
}

fn survey() -> impl Strategy<Value = Vec<Raw>> {
    (
        codes(),
        proptest::sample::subsequence(crate::dataset::QUESTIONS, 1..=3),
        counts(33),
        proptest::collection::vec(0.0f64..=1.0, 33),
        drop_zeros(),
    )
        .prop_map(|(codes, questions, respondents, shares, drop)| {
            let mut raw = Raw::new(Dataset::Survey, &["question"], &["respondents", "positive"]);
            let mut n = respondents.into_iter().zip(shares).cycle();
            for &code in &codes {
                for q in &questions {
                    let (r, share) = n.next().unwrap();
                    raw.push(code, &[*q], &[r as f64, (r as f64 * share).round()]);
                }
            }
            vec![without_zero_rows(raw, drop)]
        })
}

/// Runs the oracle on random tables of one dataset (with the tables its
/// metrics also read), asserting nothing is pinned and no count from 1 to
/// k-1 is shown; prints what it checked.
fn run(name: &str, cases: u32, tables: impl Strategy<Value = Vec<Raw>>) {
    let totals = RefCell::new((0usize, 0usize, 0usize, 0usize, 0usize));
    // PROPTEST_CASES asks for a deeper run.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let started = std::time::Instant::now();
    let result = runner.run(&tables, |tables| {
        let out = oracle(&tables, Secondary::Pattern);
        {
            let mut t = totals.borrow_mut();
            t.0 += 1;
            t.1 += out.figures;
            t.2 += out.numbers;
            t.3 += out.checked;
            t.4 += out.pinned.len();
        }
        let csv: Vec<String> = tables.iter().map(Raw::csv).collect();
        prop_assert!(
            out.small_shown.is_empty(),
            "counts from 1 to k-1 shown: {:#?}\n{}",
            out.small_shown,
            csv.join("\n")
        );
        prop_assert!(out.pinned.is_empty(), "{}\n{}", out.report(), csv.join("\n"));
        Ok(())
    });
    let t = totals.borrow();
    eprintln!(
        "oracle {name}: {} tables checked, {} figures, {} published constraints, {} sensitive counts checked, {} pinned ({:.1?})",
        t.0,
        t.1,
        t.2,
        t.3,
        t.4,
        started.elapsed()
    );
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

const CASES: u32 = 48;

#[test]
fn workforce_tables_pin_nothing() {
    run("workforce", CASES, workforce());
}

#[test]
fn pay_tables_pin_nothing() {
    run("pay", CASES, pay());
}

#[test]
fn recruitment_tables_pin_nothing() {
    run("recruitment", CASES, recruitment());
}

#[test]
fn casework_tables_pin_nothing() {
    run("casework", CASES, events_and_workforce(Dataset::Casework, "case_type", crate::dataset::CASE_TYPES, false));
}

#[test]
fn progression_tables_pin_nothing() {
    run("progression", CASES, events_and_workforce(Dataset::Progression, "event", crate::dataset::EVENTS, true));
}

#[test]
fn survey_tables_pin_nothing() {
    run("survey", CASES, survey());
}

/// The DISCLOSURE brief's worked example: band 6 has white 12, black 2,
/// not stated 1 and zeros; band 5 holds larger counts.
fn worked_example() -> Raw {
    let mut raw = Raw::new(Dataset::Workforce, &["pay_band"], &["headcount"]);
    for (code, b6, b5) in [
        ("white", 12, 40),
        ("black", 2, 25),
        ("asian", 0, 30),
        ("mixed", 0, 11),
        ("other", 0, 12),
        ("not_stated", 1, 3),
    ] {
        raw.push(code, &["6"], &[f64::from(b6)]);
        raw.push(code, &["5"], &[f64::from(b5)]);
    }
    raw
}

#[test]
fn the_oracle_pins_the_worked_example_without_secondary_suppression() {
    let tables = [worked_example()];
    let off = oracle(&tables, Secondary::Off);
    eprintln!(
        "oracle negative control (no secondary suppression): {} sensitive counts, {} pinned:\n{}",
        off.checked,
        off.pinned.len(),
        off.report()
    );
    let unknowns = Unknowns::of(&tables);
    let cell =
        |row: usize| BTreeMap::from([(unknowns.id(Cell { table: 0, row, measure: "headcount", times: None }), 1)]);
    // Rows: white 6, white 5, black 6, black 5, ..., not_stated 6 (row 10).
    let pinned: Vec<&BTreeMap<usize, i64>> = off.pinned.iter().map(|f| &f.check.terms).collect();
    assert!(pinned.contains(&&cell(2)), "black in band 6 (2) is not pinned:\n{}", off.report());
    assert!(pinned.contains(&&cell(10)), "not stated in band 6 (1) is not pinned:\n{}", off.report());
    let safe = oracle(&tables, Secondary::Pattern);
    eprintln!(
        "oracle worked example with the real pattern: {} sensitive counts, {} pinned",
        safe.checked,
        safe.pinned.len()
    );
    assert!(safe.pinned.is_empty(), "{}", safe.report());
    assert!(safe.small_shown.is_empty(), "{:?}", safe.small_shown);
}

#[test]
fn the_evaluator_follows_the_classification() {
    assert_eq!(relation("black_african", "black"), Relation::Inside);
    assert_eq!(relation("black", "black_african"), Relation::Straddles);
    assert_eq!(relation("white", "white_minority"), Relation::Straddles);
    assert_eq!(relation("white_british", "white_minority"), Relation::Outside);
    assert_eq!(relation("mixed", "ethnic_minority"), Relation::Inside);
    assert_eq!(relation("not_stated", "ethnic_minority"), Relation::Outside);
    // Every group a request can name is known to the oracle.
    for g in crate::ethnicity::Group::all() {
        assert!(!finest(g.id()).is_empty());
    }
}

#[test]
fn the_oracle_pins_a_survey_complement_without_secondary_suppression() {
    // Black: 12 respondents, 11 positive: the one negative answer is
    // respondents minus positive, both shown when nothing else is withheld.
    let mut raw = Raw::new(Dataset::Survey, &["question"], &["respondents", "positive"]);
    for (code, r, p) in [("white", 40, 30), ("black", 12, 11), ("asian", 25, 20)] {
        raw.push(code, &["race_equality_approach"], &[r as f64, p as f64]);
    }
    let tables = [raw];
    let off = oracle(&tables, Secondary::Off);
    eprintln!(
        "oracle survey negative control: {} sensitive counts, {} pinned:\n{}",
        off.checked,
        off.pinned.len(),
        off.report()
    );
    let unknowns = Unknowns::of(&tables);
    let id = |measure| unknowns.id(Cell { table: 0, row: 1, measure, times: None });
    let negative = BTreeMap::from([(id("respondents"), 1), (id("positive"), -1)]);
    assert!(off.pinned.iter().any(|f| f.check.terms == negative), "{}", off.report());
    let safe = oracle(&tables, Secondary::Pattern);
    assert!(safe.pinned.is_empty(), "{}", safe.report());
}

#[test]
fn the_evaluator_sums_the_right_rows() {
    let mut w = Raw::new(Dataset::Workforce, &["pay_band", "senior_leadership"], &["headcount"]);
    for (code, band, senior, n) in [
        ("white_british", "1", "false", 30),
        ("white_other", "1", "true", 4),
        ("black_african", "2", "true", 7),
        ("asian", "2", "false", 11),
        ("not_stated", "1", "false", 3),
    ] {
        w.push(code, &[band, senior], &[f64::from(n)]);
    }
    let share = MetricDef::find("workforce_share").unwrap();
    let group = |g: &str, filters: Vec<(&'static str, &'static str)>| Params {
        group: crate::ethnicity::Group::parse(g),
        filters,
    };
    let [numerator, denominator] = [share.inputs()[0], share.inputs()[1]];
    let tables = [w];
    let value = |input: &SumDef, p: &Params| input_value(&tables, input, p);
    assert_eq!(value(&numerator, &group("ethnic_minority", vec![])), 18.0);
    assert_eq!(value(&numerator, &group("white_minority", vec![])), 4.0);
    assert_eq!(value(&numerator, &group("white", vec![("pay_band", "1")])), 34.0);
    assert_eq!(value(&numerator, &group("ethnic_minority", vec![("senior_leadership", "true")])), 7.0);
    assert_eq!(value(&denominator, &group("black", vec![("pay_band", "1")])), 34.0);
    // The table reported asian at the high level only: no figure for a detailed asian code.
    assert!(!has_figure(share, &group("asian_indian", vec![]), &tables));
    assert!(has_figure(share, &group("black_african", vec![]), &tables));
    // A filter on a column the file has but no row matches: no figure.
    assert!(!has_figure(share, &group("black", vec![("pay_band", "6")]), &tables));
}

/// The counts behind a relative likelihood as the answer row shows them
/// (rates and 95% interval, viewer not the owner): every set of counts up
/// to `limit` that gives the same row.
fn counts_behind(metric: &MetricDef, truth: [f64; 4], limit: u32) -> Vec<[f64; 4]> {
    let (organisation, period) = key();
    let shown = |x: [f64; 4]| {
        let figure = Figure { organisation, period, inputs: x.to_vec(), hidden: vec![] };
        let rows = assemble(metric, &[figure], &[period], Viewer::Public, Policy::default());
        let r = &rows[0];
        [r.numerator, r.denominator, r.value, r.lower_ci, r.upper_ci]
    };
    let target = shown(truth);
    let (Some(group), Some(reference)) = (target[0], target[1]) else { return Vec::new() };
    // Each rate fixes the part once the base is chosen.
    let part = |rate: f64, base: u32| {
        let x = (rate * f64::from(base) / 100.0).round();
        ((x - rate * f64::from(base) / 100.0).abs() < 1e-6).then_some(x)
    };
    let mut found = Vec::new();
    for b in 1..=limit {
        let Some(a) = part(group, b) else { continue };
        for d in 1..=limit {
            let Some(c) = part(reference, d) else { continue };
            let x = [a, c, f64::from(b), f64::from(d)];
            if shown(x) == target {
                found.push(x);
            }
        }
    }
    found
}

#[test]
fn a_shown_interval_gives_its_counts_back() {
    // Why the oracle credits the attacker with the counts behind a shown
    // interval: for moderate counts, one answer row admits one set of
    // counts. Inputs: [outcome group, outcome white, base group, base white].
    let metric = MetricDef::find("shortlisting_rl").unwrap();
    for truth in [[30.0, 35.0, 50.0, 60.0], [39.0, 35.0, 110.0, 60.0]] {
        assert_eq!(counts_behind(metric, truth, 400), vec![truth]);
    }
}

/// Recruitment where one code reports applications and appointments but no
/// shortlisting row. The validator accepts it (stages are compared only
/// where both are reported); the query engine counts mixed's shortlisted
/// as 0, while the protected pattern's atoms take it as at least the
/// appointed (1).
fn recruitment_without_a_shortlisting_row() -> Raw {
    let mut raw = Raw::new(Dataset::Recruitment, &["stage"], &["count"]);
    for (code, stage, n) in [
        ("white", "applied", 60),
        ("white", "shortlisted", 35),
        ("white", "appointed", 15),
        ("black", "applied", 50),
        ("black", "shortlisted", 30),
        ("black", "appointed", 15),
        ("asian", "applied", 40),
        ("asian", "shortlisted", 9),
        ("asian", "appointed", 0),
        ("mixed", "applied", 20),
        ("mixed", "appointed", 1),
    ] {
        raw.push(code, &[stage], &[f64::from(n)]);
    }
    raw
}

#[test]
#[ignore = "known leak: a recruitment file with a stage row missing (here mixed: applied 20, appointed 1, no \
            shortlisted row) passes validation; the pattern's atoms count mixed as 1 shortlisted where the \
            published figures count 0, so it believes ethnic_minority shortlisted (39 shown, 40 believed) minus \
            black shortlisted (30) is 10 and publishes both (via the relative likelihoods' rates and intervals), \
            which gives away the 9 asian shortlisted"]
fn a_recruitment_file_without_a_shortlisting_row_pins_nothing() {
    let tables = [recruitment_without_a_shortlisting_row()];
    let out = oracle(&tables, Secondary::Pattern);
    assert!(out.small_shown.is_empty(), "{:?}", out.small_shown);
    assert!(out.pinned.is_empty(), "{}", out.report());
}

#[test]
fn the_missing_shortlisting_row_leak_needs_no_credited_counts() {
    // The two counts the leak above subtracts are given back by their rows
    // alone: ethnic_minority's shortlisting (39 of 110 applicants, white 35
    // of 60) and black's (30 of 50).
    let metric = MetricDef::find("shortlisting_rl").unwrap();
    assert_eq!(counts_behind(metric, [39.0, 35.0, 110.0, 60.0], 400), vec![[39.0, 35.0, 110.0, 60.0]]);
    assert_eq!(counts_behind(metric, [30.0, 35.0, 50.0, 60.0], 400), vec![[30.0, 35.0, 50.0, 60.0]]);
}

/// Recruitment tables with some stage rows left out (at random, whatever
/// their count), as the validator accepts.
fn recruitment_with_missing_stages() -> impl Strategy<Value = Vec<Raw>> {
    (recruitment(), proptest::collection::vec(proptest::bool::weighted(0.25), 99)).prop_map(|(mut tables, gaps)| {
        let raw = &mut tables[0];
        // Keep every applied row (the first of each group), drop some later stages.
        raw.rows =
            raw.rows.iter().enumerate().filter(|(i, _)| i % 3 == 0 || !gaps[i % 99]).map(|(_, r)| r.clone()).collect();
        tables
    })
}

#[test]
#[ignore = "known leak (see a_recruitment_file_without_a_shortlisting_row_pins_nothing): a recruitment file \
            with a later stage reported without an earlier one is protected as if the earlier stage held the \
            later one's people"]
fn recruitment_tables_with_missing_stages_pin_nothing() {
    run("recruitment with stage rows missing", CASES, recruitment_with_missing_stages());
}
