//! The finest cells of one submission that matter for what the API
//! publishes ("atoms"): the rows collapsed over the dimensions no count can
//! separate (sex, age band, disability), and split where one published
//! measure contains another (survey respondents contain the positive ones;
//! recruitment stages nest), so that every publishable count is a plain
//! sum of atoms and every difference of two nested counts is one too.

use std::collections::{BTreeMap, HashMap};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type};

use super::counts::{CountKey, Counts, People};
use crate::dataset::{Dataset, STAGES};
use crate::ethnicity::{self, Membership};

/// A submission's table could not be read as its stored layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the stored table does not have the expected layout: {0}")]
pub struct LayoutError(pub String);

/// How a dataset's published measures nest: level 0 within level 1 within ...
#[derive(Debug, Clone, Copy)]
enum Levels {
    /// One measure column.
    Single(&'static str),
    /// Measure columns, each contained in the next (`positive` within `respondents`).
    Columns(&'static [&'static str]),
    /// Values of a dimension, each contained in the next (`appointed` within
    /// `shortlisted` within `applied`), of one measure column.
    Stages { dimension: &'static str, stages: &'static [&'static str], measure: &'static str },
}

const RECRUITMENT_STAGES: [&str; 3] = [STAGES[2], STAGES[1], STAGES[0]];

fn levels(dataset: Dataset) -> Levels {
    match dataset {
        Dataset::Workforce | Dataset::Pay => Levels::Single("headcount"),
        Dataset::Survey => Levels::Columns(&["positive", "respondents"]),
        Dataset::Recruitment => Levels::Stages { dimension: "stage", stages: &RECRUITMENT_STAGES, measure: "count" },
        Dataset::Casework | Dataset::Progression | Dataset::Population => Levels::Single("count"),
    }
}

impl Levels {
    fn count(self) -> usize {
        match self {
            Levels::Single(_) => 1,
            Levels::Columns(c) => c.len(),
            Levels::Stages { stages, .. } => stages.len(),
        }
    }

    /// The level a count reads: by its measure, or its stage filter.
    fn of(self, key: &CountKey) -> Option<usize> {
        match self {
            Levels::Single(m) => (key.measure == m).then_some(0),
            Levels::Columns(c) => c.iter().position(|m| *m == key.measure),
            Levels::Stages { dimension, stages, .. } => {
                let stage = key.filters.iter().find(|(n, _)| *n == dimension)?.1;
                stages.iter().position(|s| *s == stage)
            }
        }
    }
}

/// One atom: an ethnicity code, the values of the dimensions counts filter
/// on, and a level part (e.g. respondents who did not answer positively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atom {
    pub ethnicity: String,
    pub dims: Vec<Option<String>>,
    pub part: usize,
    pub value: i64,
}

/// A submission as atoms, with the dimension columns they are keyed by.
#[derive(Debug, Clone)]
pub struct Atoms {
    pub dataset: Dataset,
    pub dimensions: Vec<&'static str>,
    pub atoms: Vec<Atom>,
}

/// The dimension columns the publishable counts of `dataset` filter on
/// (apart from a stage dimension, which becomes parts).
fn dimensions(dataset: Dataset) -> Vec<&'static str> {
    let stage = match levels(dataset) {
        Levels::Stages { dimension, .. } => Some(dimension),
        _ => None,
    };
    let mut dims: Vec<&'static str> = Counts::of(dataset)
        .keys
        .iter()
        .flat_map(|k| k.filters.iter().map(|(n, _)| *n))
        .filter(|n| Some(*n) != stage)
        .collect();
    dims.sort_unstable();
    dims.dedup();
    dims
}

fn text_column(batch: &RecordBatch, name: &str) -> Result<Option<Vec<Option<String>>>, LayoutError> {
    let Some(c) = batch.column_by_name(name) else { return Ok(None) };
    let c = cast(c, &DataType::Utf8).map_err(|e| LayoutError(e.to_string()))?;
    let a = c.as_string::<i32>();
    Ok(Some((0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i).to_string())).collect()))
}

fn count_column(batch: &RecordBatch, name: &str) -> Result<Vec<i64>, LayoutError> {
    let c = batch.column_by_name(name).ok_or_else(|| LayoutError(format!("no column {name}")))?;
    let c = cast(c, &DataType::Int64).map_err(|e| LayoutError(e.to_string()))?;
    let a = c.as_primitive::<Int64Type>();
    Ok((0..a.len()).map(|i| if a.is_null(i) { 0 } else { a.value(i) }).collect())
}

impl Atoms {
    /// The atoms of a submission's table (stored layout).
    pub fn of(dataset: Dataset, batch: &RecordBatch) -> Result<Atoms, LayoutError> {
        let dimensions = dimensions(dataset);
        let levels = levels(dataset);
        let rows = batch.num_rows();
        let ethnicity = text_column(batch, "ethnicity")?.ok_or_else(|| LayoutError("no ethnicity column".into()))?;
        let dims: Vec<Vec<Option<String>>> = dimensions
            .iter()
            .map(|d| text_column(batch, d).map(|c| c.unwrap_or_else(|| vec![None; rows])))
            .collect::<Result<_, _>>()?;
        // Per collapsed cell: the value of each level.
        let mut cells: BTreeMap<(String, Vec<Option<String>>), Vec<i64>> = BTreeMap::new();
        let mut add = |row: usize, level: usize, value: i64| {
            let code = ethnicity[row].clone().unwrap_or_default();
            let key = (code, dims.iter().map(|c| c[row].clone()).collect());
            cells.entry(key).or_insert_with(|| vec![0; levels.count()])[level] += value;
        };
        match levels {
            Levels::Single(m) => {
                for (row, v) in count_column(batch, m)?.into_iter().enumerate() {
                    add(row, 0, v);
                }
            }
            Levels::Columns(columns) => {
                for (level, m) in columns.iter().enumerate() {
                    for (row, v) in count_column(batch, m)?.into_iter().enumerate() {
                        add(row, level, v);
                    }
                }
            }
            Levels::Stages { dimension, stages, measure } => {
                let stage = text_column(batch, dimension)?.ok_or_else(|| LayoutError(format!("no {dimension}")))?;
                for (row, v) in count_column(batch, measure)?.into_iter().enumerate() {
                    if let Some(level) = stages.iter().position(|s| stage[row].as_deref() == Some(*s)) {
                        add(row, level, v);
                    }
                }
            }
        }
        let mut atoms = Vec::new();
        for ((code, dims), values) in cells {
            let mut below = 0;
            for (part, v) in values.iter().enumerate() {
                // Validation keeps levels nested; a negative difference is read as none.
                atoms.push(Atom { ethnicity: code.clone(), dims: dims.clone(), part, value: (v - below).max(0) });
                below = below.max(*v);
            }
        }
        Ok(Atoms { dataset, dimensions, atoms })
    }

    /// The atoms a count adds up, or `None` when the submission cannot be
    /// counted that way (a code straddles the group: no value is published).
    pub fn support(&self, key: &CountKey) -> Option<Vec<usize>> {
        Matcher::new(self).support(key)
    }

    /// [`Atoms::support`] of many counts, sharing the work between them.
    pub fn supports<'k>(&self, keys: impl Iterator<Item = &'k CountKey>) -> Vec<Option<Vec<usize>>> {
        let mut m = Matcher::new(self);
        keys.map(|k| m.support(k)).collect()
    }

    /// The value of a set of atoms.
    pub fn total(&self, support: &[usize]) -> i64 {
        support.iter().map(|&i| self.atoms[i].value).sum()
    }

    /// A readable name of an atom.
    pub fn describe(&self, i: usize) -> String {
        let a = &self.atoms[i];
        let mut s = a.ethnicity.clone();
        for (name, v) in self.dimensions.iter().zip(&a.dims) {
            if let Some(v) = v {
                s.push_str(&format!(", {name}={v}"));
            }
        }
        match levels(self.dataset) {
            Levels::Columns(c) if a.part > 0 => s.push_str(&format!(", {} but not {}", c[a.part], c[a.part - 1])),
            Levels::Stages { stages, .. } => s.push_str(&format!(", {}", part_name(stages, a.part))),
            _ => {}
        }
        s
    }
}

fn part_name(stages: &[&str], part: usize) -> String {
    match part {
        0 => stages[0].to_string(),
        p => format!("{} but not {}", stages[p], stages[p - 1]),
    }
}

/// Which atoms each group, filter and level selects, worked out once.
struct Matcher<'a> {
    atoms: &'a Atoms,
    levels: Levels,
    /// Per `who`: the atoms inside it, or `None` when a code straddles it.
    who: HashMap<People, Option<Vec<bool>>>,
    /// Per (dimension index, value): the atoms with that value.
    filters: HashMap<(usize, &'static str), Vec<bool>>,
}

impl<'a> Matcher<'a> {
    fn new(atoms: &'a Atoms) -> Self {
        Matcher { atoms, levels: levels(atoms.dataset), who: HashMap::new(), filters: HashMap::new() }
    }

    fn who(&mut self, who: People) -> Option<&Vec<bool>> {
        let atoms = self.atoms;
        self.who
            .entry(who)
            .or_insert_with(|| {
                let codes: Vec<&str> = atoms.atoms.iter().map(|a| a.ethnicity.as_str()).collect();
                match who {
                    People::Everyone => Some(vec![true; codes.len()]),
                    People::Known => Some(codes.iter().map(|c| *c != ethnicity::NOT_STATED).collect()),
                    People::Group(g) => {
                        // Each distinct code once (a table repeats its codes over every cell).
                        let mut of: HashMap<&str, Membership> = HashMap::new();
                        let memberships: Vec<Membership> =
                            codes.iter().map(|c| *of.entry(c).or_insert_with(|| g.membership(c))).collect();
                        if memberships.contains(&Membership::Straddles) {
                            return None;
                        }
                        Some(memberships.iter().map(|m| *m == Membership::Inside).collect())
                    }
                }
            })
            .as_ref()
    }

    fn support(&mut self, key: &CountKey) -> Option<Vec<usize>> {
        let level = self.levels.of(key)?;
        let atoms = self.atoms;
        let mut selected: Vec<bool> = self.who(key.who)?.clone();
        for (name, value) in &key.filters {
            let Some(d) = atoms.dimensions.iter().position(|x| x == name) else { continue };
            let mask = self
                .filters
                .entry((d, value))
                .or_insert_with(|| atoms.atoms.iter().map(|a| a.dims[d].as_deref() == Some(*value)).collect());
            for (s, m) in selected.iter_mut().zip(mask.iter()) {
                *s &= *m;
            }
        }
        Some(
            atoms
                .atoms
                .iter()
                .zip(selected)
                .enumerate()
                .filter(|(_, (a, s))| *s && a.part <= level)
                .map(|(i, _)| i)
                .collect(),
        )
    }
}
