//! The unknowns: one per raw row and measure (and per row and pay column,
//! the row's headcount x pay total).

use std::collections::{BTreeMap, HashMap};

use edi_hub_core::dataset::Dataset;
use edi_hub_core::metrics::{Measure, Params, SumDef};

use super::evaluate::rows_summed;
use super::raw::{Raw, counts_people};

/// One unknown: a measure of a raw row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Cell {
    pub(super) table: usize,
    pub(super) row: usize,
    pub(super) measure: &'static str,
    /// `Some(pay column)`: the row's headcount times that pay figure.
    pub(super) times: Option<&'static str>,
}

/// Every unknown of some raw tables, with its true value.
pub(super) struct Unknowns<'a> {
    pub(super) tables: &'a [Raw],
    pub(super) cells: Vec<Cell>,
    pub(super) index: HashMap<Cell, usize>,
    pub(super) truth: Vec<f64>,
}

impl<'a> Unknowns<'a> {
    pub(super) fn of(tables: &'a [Raw]) -> Self {
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

    pub(super) fn id(&self, cell: Cell) -> usize {
        *self.index.get(&cell).unwrap_or_else(|| panic!("no unknown {cell:?}"))
    }

    pub(super) fn table(&self, dataset: Dataset) -> usize {
        self.tables.iter().position(|t| t.dataset == dataset).expect("table")
    }

    /// The unknowns an input adds up (`None`: not a sum of unknowns, i.e.
    /// public population or a number of rows).
    pub(super) fn terms(&self, input: &SumDef, params: &Params) -> Option<Vec<usize>> {
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

    pub(super) fn value(&self, terms: &BTreeMap<usize, i64>) -> i64 {
        terms.iter().map(|(&u, &c)| c as f64 * self.truth[u]).sum::<f64>().round() as i64
    }

    pub(super) fn describe(&self, u: usize) -> String {
        let c = self.cells[u];
        let raw = &self.tables[c.table];
        let what = match c.times {
            Some(p) => format!("headcount x {p}"),
            None => c.measure.to_string(),
        };
        format!("{} {what} of row {} ({})", raw.dataset.name(), c.row + 1, raw.describe(c.row))
    }

    /// Whether the people of `outer` include those of `inner`.
    pub(super) fn covers(&self, outer: usize, inner: usize) -> bool {
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
