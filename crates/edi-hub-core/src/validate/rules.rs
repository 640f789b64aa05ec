//! Checks across rows: duplicate dimension combinations, an ethnicity code
//! together with its own parent or child, and the dataset's own rules
//! (`positive <= respondents`, recruitment stages that nest).

use std::collections::HashMap;

use super::column::{ColumnBuilder, Values};
use super::problem::{Problem, Problems};
use crate::dataset::{Dataset, Role, Rule};
use crate::ethnicity;

/// One dimension value, as a hashable key part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Code(&'static str),
    Int(i64),
    Bool(bool),
    Absent,
}

/// The key part of row `i` (`Absent` for a missing value, or a column the
/// file does not have: its value list is empty).
fn key_at(values: &Values, i: usize) -> Key {
    match values {
        Values::Code(v) => v.get(i).copied().flatten().map_or(Key::Absent, Key::Code),
        Values::Int(v) => v.get(i).copied().flatten().map_or(Key::Absent, Key::Int),
        Values::Bool(v) => v.get(i).copied().flatten().map_or(Key::Absent, Key::Bool),
        Values::Float(_) => Key::Absent,
    }
}

fn describe(builders: &[ColumnBuilder], present: &[usize], i: usize, skip: Option<&str>) -> String {
    present
        .iter()
        .map(|&c| &builders[c])
        .filter(|b| b.def.role == Role::Dimension && Some(b.def.name) != skip)
        .map(|b| match key_at(&b.values, i) {
            Key::Code(c) => format!("{}={c}", b.def.name),
            Key::Int(n) => format!("{}={n}", b.def.name),
            Key::Bool(x) => format!("{}={x}", b.def.name),
            Key::Absent => format!("{}=?", b.def.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs every cross-row rule over rows whose own values were all valid.
pub fn check(dataset: Dataset, builders: &[ColumnBuilder], present: &[usize], good: &[bool], problems: &mut Problems) {
    let dims: Vec<usize> = present.iter().copied().filter(|&c| builders[c].def.role == Role::Dimension).collect();
    duplicates(builders, present, &dims, good, problems);
    parent_and_child(dataset, builders, present, good, problems);
    for rule in dataset.rules() {
        match *rule {
            Rule::NotAbove { column, limit } => not_above(builders, column, limit, good, problems),
            Rule::Nested { dimension, stages, measure } => {
                nested(builders, present, &dims, (dimension, stages, measure), good, problems)
            }
        }
    }
}

fn column<'a>(builders: &'a [ColumnBuilder], name: &str) -> Option<&'a ColumnBuilder> {
    builders.iter().find(|b| b.def.name == name)
}

fn duplicates(builders: &[ColumnBuilder], present: &[usize], dims: &[usize], good: &[bool], problems: &mut Problems) {
    let mut first: HashMap<Vec<Key>, usize> = HashMap::new();
    for (i, ok) in good.iter().enumerate() {
        if !ok {
            continue;
        }
        let key: Vec<Key> = dims.iter().map(|&c| key_at(&builders[c].values, i)).collect();
        if let Some(&earlier) = first.get(&key) {
            let earlier = problems.shown_row(earlier);
            problems.push(Problem::row(
                i as u64 + 1,
                format!(
                    "the combination {} appears more than once (first in row {earlier}); each combination must appear once",
                    describe(builders, present, i, None),
                ),
            ));
        } else {
            first.insert(key, i);
        }
    }
}

fn parent_and_child(
    dataset: Dataset,
    builders: &[ColumnBuilder],
    present: &[usize],
    good: &[bool],
    problems: &mut Problems,
) {
    let Some(eth) = column(builders, "ethnicity") else {
        return;
    };
    let partition = match dataset.partition() {
        None => None,
        // Without its partition column (already a problem: it is required)
        // the file's codes cannot be grouped, so they are not compared.
        Some(p) => match builders.iter().position(|b| b.def.name == p) {
            Some(i) if present.contains(&i) => Some(&builders[i]),
            _ => return,
        },
    };
    // First row of each (partition, code).
    let mut first: HashMap<(Key, &'static str), usize> = HashMap::new();
    for (i, ok) in good.iter().enumerate() {
        if let (true, Some(code)) = (*ok, eth.values.code(i)) {
            let part = partition.map_or(Key::Absent, |p| key_at(&p.values, i));
            first.entry((part, code)).or_insert(i);
        }
    }
    let mut conflicts: Vec<(usize, String)> = first
        .iter()
        .filter_map(|(&(part, code), &row)| {
            let parent = ethnicity::parent(code)?;
            let parent_row = *first.get(&(part, parent))?;
            let scope = match part {
                Key::Code(org) => format!(" for {org}"),
                _ => String::new(),
            };
            Some((
                row,
                format!(
                    "'{code}' is reported together with its high-level group '{parent}' (row {}){scope}; report each group at one level only, detailed or high-level",
                    problems.shown_row(parent_row)
                ),
            ))
        })
        .collect();
    conflicts.sort();
    for (row, message) in conflicts {
        problems.push(Problem::cell(row as u64 + 1, "ethnicity", message));
    }
}

fn not_above(builders: &[ColumnBuilder], name: &str, limit: &str, good: &[bool], problems: &mut Problems) {
    let (Some(a), Some(b)) = (column(builders, name), column(builders, limit)) else {
        return;
    };
    for (i, ok) in good.iter().enumerate() {
        if let (true, Some(x), Some(y)) = (*ok, a.values.int(i), b.values.int(i))
            && x > y
        {
            problems.push(Problem::cell(
                i as u64 + 1,
                name,
                format!("{name} ({x}) is more than {limit} ({y}); it cannot be"),
            ));
        }
    }
}

fn nested(
    builders: &[ColumnBuilder],
    present: &[usize],
    dims: &[usize],
    (dimension, stages, measure): (&str, &[&str], &str),
    good: &[bool],
    problems: &mut Problems,
) {
    let (Some(stage_col), Some(measure_col)) = (column(builders, dimension), column(builders, measure)) else {
        return;
    };
    let others: Vec<usize> = dims.iter().copied().filter(|&c| builders[c].def.name != dimension).collect();
    // For each combination of the other dimensions: per stage, (count, row).
    let mut groups: HashMap<Vec<Key>, Vec<Option<(i64, usize)>>> = HashMap::new();
    for (i, ok) in good.iter().enumerate() {
        let (true, Some(stage), Some(n)) = (*ok, stage_col.values.code(i), measure_col.values.int(i)) else {
            continue;
        };
        let Some(s) = stages.iter().position(|x| *x == stage) else {
            continue;
        };
        let key: Vec<Key> = others.iter().map(|&c| key_at(&builders[c].values, i)).collect();
        groups.entry(key).or_insert_with(|| vec![None; stages.len()])[s] = Some((n, i));
    }
    // A stage with no row counts no one: a later stage reported without it
    // does not nest (counting it as absent would let published totals
    // disagree with the file's cells).
    let mut found = Vec::new();
    for per_stage in groups.values() {
        for s1 in 1..stages.len() {
            let Some((n1, row1)) = per_stage[s1] else { continue };
            let (s0, previous) = (s1 - 1, per_stage[s1 - 1]);
            let n0 = previous.map_or(0, |(n, _)| n);
            if n1 > n0 {
                let before = match previous {
                    Some(_) => format!("{} ({n0})", stages[s0]),
                    None => format!("{} (no row, so 0)", stages[s0]),
                };
                found.push((
                    row1,
                    format!(
                        "{} {} ({n1}) is more than {before} for {}; each stage must not exceed the one before ({})",
                        stages[s1],
                        measure,
                        describe(builders, present, row1, Some(dimension)),
                        stages.join(" >= ")
                    ),
                ));
            }
        }
    }
    found.sort();
    for (row, message) in found {
        problems.push(Problem::cell(row as u64 + 1, measure, message));
    }
}
