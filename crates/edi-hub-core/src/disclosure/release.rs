//! Disclosure control over a whole quarter, one release at a time: every
//! organisation's tables of a dataset and the pooled rows of every
//! comparison group in one elimination, aware of what earlier releases of
//! the quarter published.
//!
//! Unknowns: each organisation's atoms, per version of its table. A cell
//! that did not change between versions is the same unknown in both; a
//! changed one is a new unknown (DISCLOSURE brief, "Revisions"). What
//! earlier releases published is known to everyone: their counts (and
//! pooled sums) go into the span first, whatever they determine. Then every
//! sensitive count of every version (each table's, and each pool's) is
//! protected, and the counts of this release are chosen greedily, largest
//! first: first each table's own (as [`Pattern::of_atoms`] does for one
//! table), then the pooled sums of every group.
//!
//! A pooled sum adds something beyond the members' published counts only
//! when some member's count is withheld. It is shown when that determines
//! no protected count, neither for an analyst nor for any member knowing
//! its own table, together with every pooled sum shown before
//! ([`super::views`]), and when what it adds involves withheld counts of at
//! least three organisations.

use std::collections::HashMap;

use super::Policy;
use super::atoms::Atoms;
use super::bits::Bits;
use super::counts::Counts;
use super::pattern::Pattern;
use super::pooled::{Pooled, PooledScope};
use super::sensitive::{Class, classes, of_classes, sensitive};
use super::span::{Effect, Span, Vector, mapped};
use super::views::Views;
use crate::benchmark::Scope;
use crate::dataset::Dataset;
use crate::organisation::Organisation;

/// Organisations whose withheld counts a shown pooled sum must involve.
const MIN_POOLED_WITHHELD: usize = 3;

/// One organisation's tables of the dataset over the quarter's releases.
#[derive(Debug, Clone)]
pub struct History<'a> {
    pub organisation: Organisation,
    /// Its distinct versions, oldest first.
    pub versions: Vec<&'a Atoms>,
}

/// What an earlier release published of the dataset.
#[derive(Debug, Clone)]
pub struct Earlier<'a> {
    /// Per table in it: (history, version, the pattern it was shown with).
    pub tables: Vec<(usize, usize, &'a Pattern)>,
    pub pooled: &'a Pooled,
}

/// Everything a release of one dataset of a quarter is worked out from.
#[derive(Debug, Clone)]
pub struct Round<'a> {
    pub dataset: Dataset,
    pub histories: Vec<History<'a>>,
    pub earlier: Vec<Earlier<'a>>,
    /// Per history: the version this release shows (`None`: none now).
    pub current: Vec<Option<usize>>,
}

/// What the release shows of the dataset.
#[derive(Debug, Clone)]
pub struct RoundPattern {
    /// Per history: the pattern of the version shown now.
    pub tables: Vec<Option<Pattern>>,
    pub pooled: Pooled,
}

/// (history, version) -> its table.
type TableIndex = HashMap<(usize, usize), usize>;

/// What identifies an atom across versions: code, dimension values, part.
type AtomId<'a> = (&'a str, &'a [Option<String>], usize);

/// One version of one organisation's table, ready for the elimination.
struct Table {
    /// Atom -> unknown.
    map: Vec<u32>,
    classes: Vec<Class>,
    available: usize,
    /// Count index -> its class (`None`: the table cannot be counted so).
    class_of: Vec<Option<u32>>,
}

/// Works out what a release shows of one dataset of a quarter.
pub fn protect_round(round: &Round, policy: Policy) -> RoundPattern {
    let counts = Counts::of(round.dataset);
    let (tables, index, owner) = unknowns(round);
    // Each organisation's own tables: what earlier releases published, then
    // what must stay hidden in every version, then this release's choice.
    let mut spans: Vec<Span> = Vec::with_capacity(round.histories.len());
    let mut patterns = Vec::with_capacity(round.histories.len());
    for (h, history) in round.histories.iter().enumerate() {
        let mut span = Span::default();
        for e in &round.earlier {
            for &(_, j, pattern) in e.tables.iter().filter(|t| t.0 == h) {
                let t = &tables[index[&(h, j)]];
                for c in t.classes.iter().filter(|c| pattern.publishes(c.keys[0])) {
                    span.publish(&mapped(&c.support, &t.map));
                }
            }
        }
        for (j, atoms) in history.versions.iter().enumerate() {
            let t = &tables[index[&(h, j)]];
            for s in sensitive(atoms, &t.classes, policy) {
                span.protect(&mapped(&s.support, &t.map));
            }
        }
        patterns.push(round.current[h].map(|j| {
            let t = &tables[index[&(h, j)]];
            Pattern::choose(round.dataset, &t.classes, t.available, &t.map, &mut span, policy)
        }));
        spans.push(span);
    }
    // The pooled sums, over the span of everything the tables show.
    let mut pools = Pools {
        tables: &tables,
        spans: &spans,
        owner: &owner,
        global: Views::new(&owner, pooled_members(round)),
        residuals: HashMap::new(),
    };
    for span in &spans {
        for p in span.protected() {
            pools.global.protect(p);
        }
    }
    for e in &round.earlier {
        for s in &e.pooled.scopes {
            let members: Vec<usize> = e
                .tables
                .iter()
                .filter(|(h, _, _)| s.members.contains(&round.histories[*h].organisation))
                .map(|&(h, j, _)| index[&(h, j)])
                .collect();
            let classes = pool_classes(&tables, &members, counts.keys.len());
            pools.protect_sensitive(round.dataset, &classes, policy);
            for c in classes.iter().filter(|c| c.keys.iter().any(|&k| s.published.get(k))) {
                let v = pools.residual(c);
                pools.global.know(&v);
            }
        }
    }
    let pooled = pools.choose(round, &index, policy);
    RoundPattern { tables: patterns, pooled }
}

/// The organisations (histories) in some comparison group's pool.
fn pooled_members(round: &Round) -> Vec<usize> {
    let pooled = |o: Organisation| Scope::summaries().into_iter().any(|s| s.includes(o));
    (0..round.histories.len()).filter(|&h| pooled(round.histories[h].organisation)).collect()
}

/// Gives every version's atoms its unknowns: the same as the previous
/// version's for a cell with the same value, a new one otherwise.
fn unknowns(round: &Round) -> (Vec<Table>, TableIndex, Vec<usize>) {
    let counts = Counts::of(round.dataset);
    let mut tables = Vec::new();
    let mut index = HashMap::new();
    let mut owner: Vec<usize> = Vec::new();
    for (h, history) in round.histories.iter().enumerate() {
        let mut previous: HashMap<AtomId, (i64, u32)> = HashMap::new();
        for (j, atoms) in history.versions.iter().enumerate() {
            let mut this = HashMap::new();
            let map: Vec<u32> = atoms
                .atoms
                .iter()
                .map(|a| {
                    let id = (a.ethnicity.as_str(), a.dims.as_slice(), a.part);
                    let var = match previous.get(&id) {
                        Some(&(value, var)) if value == a.value => var,
                        _ => {
                            owner.push(h);
                            (owner.len() - 1) as u32
                        }
                    };
                    this.insert(id, (a.value, var));
                    var
                })
                .collect();
            previous = this;
            let (classes, available) = classes(atoms);
            let mut class_of = vec![None; counts.keys.len()];
            for (c, class) in classes.iter().enumerate() {
                for &k in &class.keys {
                    class_of[k] = Some(c as u32);
                }
            }
            index.insert((h, j), tables.len());
            tables.push(Table { map, classes, available, class_of });
        }
    }
    (tables, index, owner)
}

/// A pooled count: the classes it sums in each member table (zero ones left
/// out), its value, and the counts it stands for.
fn pool_classes(tables: &[Table], members: &[usize], keys: usize) -> Vec<Class> {
    let mut by_parts: HashMap<Vec<(usize, u32)>, usize> = HashMap::new();
    let mut out: Vec<Class> = Vec::new();
    'keys: for k in 0..keys {
        let mut parts = Vec::with_capacity(members.len());
        for &m in members {
            let Some(c) = tables[m].class_of[k] else { continue 'keys };
            if !tables[m].classes[c as usize].support.is_empty() {
                parts.push((m, c));
            }
        }
        let i = *by_parts.entry(parts.clone()).or_insert_with(|| {
            let mut support: Vec<usize> = Vec::new();
            let mut value = 0;
            for &(m, c) in &parts {
                let class = &tables[m].classes[c as usize];
                support.extend(class.support.iter().map(|&a| tables[m].map[a] as usize));
                value += class.value;
            }
            support.sort_unstable();
            out.push(Class { support, value, keys: Vec::new() });
            out.len() - 1
        });
        out[i].keys.push(k);
    }
    out
}

/// The pooled stage of the elimination.
struct Pools<'a> {
    tables: &'a [Table],
    /// Each history's span of its own tables.
    spans: &'a [Span],
    /// Unknown -> history.
    owner: &'a [usize],
    /// Pooled sums published, over the residuals the tables leave, as an
    /// analyst and each member organisation see them.
    global: Views<'a>,
    residuals: HashMap<Vec<usize>, Vector>,
}

impl Pools<'_> {
    /// A sum of unknowns less what each organisation's own tables determine.
    fn residual(&mut self, class: &Class) -> Vector {
        if let Some(r) = self.residuals.get(&class.support) {
            return r.clone();
        }
        let mut by_owner: HashMap<usize, Vec<usize>> = HashMap::new();
        for &u in &class.support {
            by_owner.entry(self.owner[u]).or_default().push(u);
        }
        let mut r: Vector = Vec::new();
        for (h, unknowns) in by_owner {
            let v: Vector = unknowns.into_iter().map(|u| (u as u32, 1)).collect();
            r.extend(self.spans[h].reduce(&v));
        }
        r.sort_unstable();
        self.residuals.insert(class.support.clone(), r.clone());
        r
    }

    fn protect_sensitive(&mut self, dataset: Dataset, classes: &[Class], policy: Policy) {
        for s in of_classes(dataset, classes, policy) {
            let r = self.residual(&Class { support: s.support, value: s.value, keys: Vec::new() });
            if !r.is_empty() {
                self.global.protect(&r);
            }
        }
    }

    /// How many organisations' unknowns a residual involves.
    fn organisations(&self, r: &Vector) -> usize {
        let mut seen: Vec<usize> = r.iter().map(|&(u, _)| self.owner[u as usize]).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }

    /// This release's pooled sums of every comparison group, largest first.
    fn choose(&mut self, round: &Round, index: &TableIndex, policy: Policy) -> Pooled {
        let counts = Counts::of(round.dataset);
        let mut scopes = Vec::new();
        let mut candidates: Vec<(usize, Class)> = Vec::new();
        for scope in Scope::summaries() {
            let mut members: Vec<(Organisation, usize)> = round
                .histories
                .iter()
                .enumerate()
                .filter(|(_, h)| scope.includes(h.organisation))
                .filter_map(|(h, history)| round.current[h].map(|j| (history.organisation, index[&(h, j)])))
                .collect();
            members.sort_unstable();
            let tables: Vec<usize> = members.iter().map(|m| m.1).collect();
            let classes = pool_classes(self.tables, &tables, counts.keys.len());
            self.protect_sensitive(round.dataset, &classes, policy);
            candidates.extend(classes.into_iter().map(|c| (scopes.len(), c)));
            scopes.push(PooledScope {
                scope: scope.id().to_string(),
                members: members.iter().map(|m| m.0).collect(),
                published: Bits::new(counts.keys.len()),
            });
        }
        candidates.sort_by(|a, b| (b.1.value, &a.1.support).cmp(&(a.1.value, &b.1.support)));
        let total = candidates.iter().map(|c| c.1.keys.len()).sum();
        // Chosen against the analyst's view, then settled in every member's.
        let mut chosen: Vec<(usize, Vec<usize>, Vector)> = Vec::new();
        for (s, class) in candidates {
            if policy.is_small(class.value as f64) {
                continue;
            }
            let v = self.residual(&class);
            let shown = match self.global.effect(&v) {
                Effect::Redundant => true,
                Effect::Reveals => false,
                Effect::Safe => {
                    let safe = self.organisations(&self.global.reduce(&v)) >= MIN_POOLED_WITHHELD;
                    if safe {
                        self.global.publish(&v);
                    }
                    safe
                }
            };
            if shown {
                chosen.push((s, class.keys, v));
            }
        }
        let vectors: Vec<Vector> = chosen.iter().map(|c| c.2.clone()).collect();
        let mut shown = 0;
        for ((s, keys, _), keep) in chosen.into_iter().zip(self.global.settle(&vectors)) {
            if keep {
                shown += keys.len();
                keys.into_iter().for_each(|k| scopes[s].published.set(k));
            }
        }
        Pooled { dataset: round.dataset, scopes, candidates: total, withheld: total - shown }
    }
}

#[cfg(test)]
#[path = "release_tests.rs"]
mod tests;
