//! The national-scale volume: how many organisations' worth of rows a
//! generated workforce file carries, and how one borough's row is split by
//! sex and age band to reach it.

use edi_hub_core::Organisation;

/// How many rows the generated files carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// One borough's workforce per file: London as it is.
    London,
    /// The row volume of a national collection (350 organisations) on the
    /// hub's 33 London codes: every workforce row is split further by sex
    /// and age band, into 11 cells for the first 20 boroughs and 10 for the
    /// other 13, so each quarter's workforce table holds 350 organisations'
    /// worth of rows (20 x 11 + 13 x 10 = 350). The other datasets have no
    /// such dimensions and keep one borough's rows per file.
    National,
}

impl Scale {
    /// Organisations' worth of workforce rows in a borough's file.
    pub fn workforce_split(self, o: Organisation) -> usize {
        match self {
            Scale::London => 1,
            Scale::National if o.index() < 20 => 11,
            Scale::National => 10,
        }
    }
}

/// Sex and age band cells a national-scale workforce row is split into,
/// with their weights (the 11th, not stated, only for some boroughs).
pub(crate) const SPLIT_CELLS: [(&str, &str, f64); 11] = [
    ("female", "16_24", 0.048),
    ("female", "25_34", 0.132),
    ("female", "35_44", 0.15),
    ("female", "45_54", 0.15),
    ("female", "55_64", 0.12),
    ("male", "16_24", 0.032),
    ("male", "25_34", 0.088),
    ("male", "35_44", 0.1),
    ("male", "45_54", 0.1),
    ("male", "55_64", 0.08),
    ("not_stated", "not_stated", 0.03),
];

/// `count` shared over the first `k` split cells by their weights
/// (largest remainders), so the cells add up to it exactly.
pub(crate) fn split(count: i64, k: usize) -> Vec<i64> {
    let cells = &SPLIT_CELLS[..k];
    let total: f64 = cells.iter().map(|c| c.2).sum();
    let exact: Vec<f64> = cells.iter().map(|c| count as f64 * c.2 / total).collect();
    let mut out: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let short = count - out.iter().sum::<i64>();
    for &i in order.iter().take(short.max(0) as usize) {
        out[i] += 1;
    }
    out
}
