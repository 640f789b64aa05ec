//! Pooled rows across organisations. Each pooled count a release shows
//! exactly (a [`Pooled`] flag: the count summed over exactly the group's
//! members) is an equation `sum over members of (the member's count in the
//! version the release shows) = value`. Two such equations of the same
//! count whose difference cancels some member's part entirely (a group
//! nested in another; the same group in two releases with only some
//! members revised) give a further equation over the members left.
//!
//! Each equation is checked by interval propagation, as an analyst and as
//! each member (who knows its own table exactly): each member's part has
//! the bounds its own published figures allow (its own linear program,
//! [`Linked::bounds`]), so member `m`'s part lies within
//! `[P - sum of the others' upper bounds, P - sum of the others' lower
//! bounds]`, with an attacking member's part at its true value. Where that
//! narrows `m`'s part below what `m`'s own figures allow, `m`'s linear
//! program is solved again with the narrower bound, and any sensitive count
//! it then pins (or the part itself, a count from 1 to k-1, pinned) is a
//! finding. A pooled count from 1 to k-1 shown is a finding too.
//!
//! Most parts cannot be narrowed by anyone, which cheap bounds show without
//! linear programs; an over-stated narrowing (other members' inner bounds)
//! that pins nothing needs no exact one ([`bounds`] module). The findings
//! are those the exact bounds of every part give.
//!
//! Limits: this is a necessary condition, not the joint linear program of
//! every organisation and every pooled row at once. It does not combine
//! several pooled equations for one organisation (say, two bands' pools
//! that each narrow a member a little), differences of more than two
//! pooled equations or of different counts (a pooled total minus a pooled
//! group), nor coalitions of members. Every flag is taken as shown, even
//! where an answer shows it only beside another flagged input (a safe
//! over-statement).

use std::collections::{HashMap, HashSet};

use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::counts::Counts;
use edi_hub_core::disclosure::{Policy, Pooled};
use edi_hub_core::organisation::Organisation;

use crate::equations::AuditError;
use crate::releases::{Linked, Terms};

pub(crate) const EPS: f64 = 1e-6;

/// One organisation's part of a pooled equation: one of its counts
/// (`plus`), or the difference of two (`plus - minus`), each named by its
/// class (the unknowns it adds up) in [`Tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Part {
    /// Index into the linked organisations.
    org: usize,
    plus: Option<u32>,
    minus: Option<u32>,
}

/// A sum over organisations that is published (or follows from two that are).
#[derive(Debug, Clone)]
struct Pool {
    what: String,
    /// Sorted by organisation.
    parts: Vec<Part>,
    value: f64,
}

/// Every organisation's counts, each version's grouped by the unknowns
/// they add up (one class per set of unknowns, across versions).
struct Tables {
    /// Per organisation: its classes' unknowns (sorted) and true values.
    classes: Vec<Vec<(Terms, f64)>>,
    /// Per (organisation, version): count index -> class (`None`: not countable so).
    of_key: HashMap<(usize, usize), Vec<Option<u32>>>,
}

impl Tables {
    fn new(linked: &[Linked]) -> Tables {
        let mut classes = Vec::with_capacity(linked.len());
        let mut of_key = HashMap::new();
        for (o, l) in linked.iter().enumerate() {
            let mut list: Vec<(Terms, f64)> = Vec::new();
            let mut index: HashMap<Vec<usize>, u32> = HashMap::new();
            for (v, version) in l.versions.iter().enumerate() {
                let atoms = &version.atoms;
                let keys = Counts::of(atoms.dataset).keys.iter();
                let of = atoms.supports(keys).into_iter().map(|support| {
                    let support = support?;
                    let mut unknowns: Vec<usize> = support.iter().map(|&a| l.maps[v][a]).collect();
                    unknowns.sort_unstable();
                    Some(*index.entry(unknowns).or_insert_with_key(|u| {
                        list.push((u.iter().map(|&x| (x, 1.0)).collect(), atoms.total(&support) as f64));
                        (list.len() - 1) as u32
                    }))
                });
                of_key.insert((o, v), of.collect());
            }
            classes.push(list);
        }
        Tables { classes, of_key }
    }

    fn class(&self, org: usize, version: usize, k: usize) -> Option<u32> {
        *self.of_key.get(&(org, version))?.get(k)?
    }

    /// A part's expression over its organisation's unknowns (`plus - minus`).
    fn terms(&self, p: Part) -> Terms {
        let of = |c: Option<u32>| c.map_or(&[][..], |c| self.classes[p.org][c as usize].0.as_slice());
        let mut by: HashMap<usize, f64> = of(p.plus).iter().copied().collect();
        for &(u, c) in of(p.minus) {
            *by.entry(u).or_default() -= c;
        }
        let mut terms: Terms = by.into_iter().filter(|t| t.1.abs() > EPS).collect();
        terms.sort_by_key(|x| x.0);
        terms
    }

    fn value(&self, p: Part) -> f64 {
        let of = |c: Option<u32>| c.map_or(0.0, |c| self.classes[p.org][c as usize].1);
        of(p.plus) - of(p.minus)
    }
}

/// Per (dataset, count index): the pooled equations showing that count.
type ByCount = HashMap<(Dataset, usize), Vec<usize>>;

/// What the pooled check found.
#[derive(Debug, Clone, Default)]
pub struct PooledAudit {
    /// Pooled counts shown exactly, over every release and group.
    pub shown: usize,
    /// Further equations from two of them where a member's part cancels.
    pub derived: usize,
    /// Narrowings of member parts re-checked by the member's own system
    /// (by an attacker knowing at least as much as an analyst or member can).
    pub narrowed: usize,
    /// Distinct member parts, the blocks of the members' systems they
    /// touch, and the parts whose exact bounds took linear programs.
    pub parts: usize,
    pub blocks: usize,
    pub bounded: usize,
    pub findings: Vec<String>,
}

/// Checks the pooled counts every release of the quarter shows: `releases`
/// (number and pooled sums, per dataset) in the order of [`Linked::releases`].
/// Only parts of `only` are checked when given.
pub fn audit_pools(
    linked: &[Linked],
    releases: &[(u32, Vec<Pooled>)],
    policy: Policy,
    protection: u32,
    only: Option<Organisation>,
) -> Result<PooledAudit, AuditError> {
    let tables = Tables::new(linked);
    let mut audit = PooledAudit::default();
    let (mut pools, by_count) = shown(linked, &tables, releases, policy, &mut audit);
    let mut seen: HashSet<Vec<Part>> = pools.iter().map(|p| p.parts.clone()).collect();
    let mut pairs = HashSet::new();
    let base = pools.len();
    for list in by_count.values() {
        for (x, &i) in list.iter().enumerate() {
            for &j in list[x + 1..].iter().filter(|&&j| i != j && pairs.insert((i.min(j), i.max(j)))) {
                if let Some(d) = difference(&pools[i], &pools[j]).filter(|d| seen.insert(d.parts.clone())) {
                    pools.push(d);
                }
            }
        }
    }
    audit.derived = pools.len() - base;
    // In an audit of one organisation, only the pools it is part of.
    let involved = |pool: &&Pool| only.is_none_or(|o| pool.parts.iter().any(|p| linked[p.org].organisation == o));
    let mut parts: Vec<Part> = Vec::new();
    let mut listed: HashSet<Part> = HashSet::new();
    for pool in pools.iter().filter(involved) {
        parts.extend(pool.parts.iter().filter(|&&p| listed.insert(p)));
    }
    tracing::info!(shown = base, derived = audit.derived, parts = parts.len(), "pooled counts: bounding member parts");
    let mut bounds = PartBounds::new(linked, &tables, &parts)?;
    // Every member part checked, unless the cheap bounds show no-one narrows it,
    // or its own exact bounds do.
    let checked = |pool: &Pool, m: usize| only.is_none_or(|o| o == linked[pool.parts[m].org].organisation);
    let mut open: Vec<(usize, usize)> = (0..pools.len())
        .filter(|&i| involved(&&pools[i]))
        .flat_map(|i| (0..pools[i].parts.len()).map(move |m| (i, m)))
        .filter(|&(i, m)| checked(&pools[i], m) && !bounds.rules_out(&pools[i], m))
        .collect();
    bounds.make_exact(open.iter().map(|&(i, m)| pools[i].parts[m]))?;
    open.retain(|&(i, m)| !bounds.rules_out(&pools[i], m));
    // The rest are narrowed, first by an attacker knowing at least as much as
    // anyone can (the other members' inner bounds): what pins nothing then
    // pins nothing. Only what does is worked out again with exact bounds.
    // Each open member part's own exact bounds are known by now.
    let check = |&(i, m): &(usize, usize), bounds: &PartBounds| {
        recheck(&linked[pools[i].parts[m].org], &tables, policy, protection, &pools[i], m, &bounds.stated(&pools[i]))
    };
    let mut own = Own::new(linked, protection);
    let mut again = Vec::new();
    for (pair, found) in open.iter().zip(on_every_core("narrowings re-checked", &open, |p| check(p, &bounds))?) {
        audit.narrowed += found.len();
        for (_, _, _, pinned) in found {
            if !own.new_ones(pools[pair.0].parts[pair.1].org, pinned)?.is_empty() {
                again.push(*pair);
                break;
            }
        }
    }
    bounds.make_exact(again.iter().flat_map(|&(i, _)| pools[i].parts.iter().copied()))?;
    (audit.parts, audit.blocks, audit.bounded) = (parts.len(), bounds.blocks, bounds.solved);
    for (&(i, m), found) in
        again.iter().zip(on_every_core("narrowings re-checked exactly", &again, |p| check(p, &bounds))?)
    {
        let (pool, part) = (&pools[i], pools[i].parts[m]);
        for (attacker, low, high, pinned) in found {
            let pinned = own.new_ones(part.org, pinned)?;
            if pinned.is_empty() {
                continue;
            }
            let who = attacker.map_or("an analyst".to_string(), |a| format!("member {}", linked[a].organisation));
            let list: Vec<String> = pinned.iter().map(|i| format!("{} (value {})", i.what, i.value)).collect();
            audit.findings.push(format!(
                "{}: {who} narrows {}'s part to [{low:.2}, {high:.2}], which pins {}",
                pool.what,
                linked[part.org].organisation,
                list.join("; ")
            ));
        }
    }
    Ok(audit)
}

/// The pooled counts the releases show, and per (dataset, count) the
/// indices of their equations (one equation however many counts it
/// stands for).
fn shown(
    linked: &[Linked],
    tables: &Tables,
    releases: &[(u32, Vec<Pooled>)],
    policy: Policy,
    audit: &mut PooledAudit,
) -> (Vec<Pool>, ByCount) {
    let index: HashMap<Organisation, usize> = linked.iter().enumerate().map(|(i, l)| (l.organisation, i)).collect();
    let mut pools: Vec<Pool> = Vec::new();
    let mut seen: HashMap<Vec<Part>, usize> = HashMap::new();
    let mut by_count: ByCount = HashMap::new();
    for (r, (release, pooled)) in releases.iter().enumerate() {
        for p in pooled {
            let keys = &Counts::of(p.dataset).keys;
            for s in &p.scopes {
                let mut shown = (0..keys.len()).filter(|&k| s.published.get(k)).peekable();
                let what =
                    |k: usize| format!("release {release}, {} {}: {}", s.scope, p.dataset.name(), keys[k].describe());
                // Each member's table in this release.
                let members: Result<Vec<(usize, usize)>, Organisation> = s
                    .members
                    .iter()
                    .map(|o| {
                        let i = *index.get(o).ok_or(*o)?;
                        Ok((i, linked[i].shown(r, p.dataset).ok_or(*o)?))
                    })
                    .collect();
                let members = match (members, shown.peek()) {
                    (Ok(members), _) => members,
                    (Err(_), None) => continue,
                    (Err(o), Some(&k)) => {
                        audit.findings.push(format!("{}: shown summed over {o}, which has no table in it", what(k)));
                        continue;
                    }
                };
                for k in shown {
                    let parts: Option<Vec<Part>> = members
                        .iter()
                        .map(|&(i, v)| Some(Part { org: i, plus: Some(tables.class(i, v, k)?), minus: None }))
                        .collect();
                    let Some(mut parts) = parts else {
                        audit.findings.push(format!("{}: shown summed over a member that cannot count it", what(k)));
                        continue;
                    };
                    audit.shown += 1;
                    parts.sort_unstable();
                    let i = match seen.get(&parts) {
                        Some(&i) => i,
                        None => {
                            let value = parts.iter().map(|&p| tables.value(p)).sum();
                            if policy.is_small(value) {
                                audit.findings.push(format!("{}: a pooled count of {value} is shown", what(k)));
                            }
                            seen.insert(parts.clone(), pools.len());
                            pools.push(Pool { what: what(k), parts, value });
                            pools.len() - 1
                        }
                    };
                    by_count.entry((p.dataset, k)).or_default().push(i);
                }
            }
        }
    }
    (pools, by_count)
}

/// `b - a` (or `a - b`, whichever adds counts up) when some organisation's
/// part cancels entirely.
fn difference(a: &Pool, b: &Pool) -> Option<Pool> {
    let class = |pool: &Pool, org: usize| pool.parts.iter().find(|p| p.org == org).and_then(|p| p.plus);
    let mut orgs: Vec<usize> = a.parts.iter().chain(&b.parts).map(|p| p.org).collect();
    orgs.sort_unstable();
    orgs.dedup();
    let mut parts: Vec<Part> = Vec::new();
    for org in orgs.iter().copied() {
        let (plus, minus) = (class(b, org), class(a, org));
        if plus != minus {
            parts.push(Part { org, plus, minus });
        }
    }
    if parts.is_empty() || parts.len() == orgs.len() {
        return None;
    }
    if parts.iter().all(|p| p.plus.is_none()) {
        parts.iter_mut().for_each(|p| std::mem::swap(&mut p.plus, &mut p.minus));
        return Some(Pool { what: format!("({}) minus ({})", a.what, b.what), parts, value: a.value - b.value });
    }
    Some(Pool { what: format!("({}) minus ({})", b.what, a.what), parts, value: b.value - a.value })
}

/// What an analyst, and each other member knowing its own part, can tell of
/// part `m` from the equation and everyone's (low, high, true value), where
/// it narrows what `m`'s own figures allow: (attacker, low, high), the
/// narrowest ones.
fn narrowings(pool: &Pool, b: &[(f64, f64, f64)], m: usize) -> Vec<(Option<usize>, f64, f64)> {
    let (lo_m, hi_m, _) = b[m];
    let open = |o: usize| b[o].1 - b[o].0 > EPS;
    let attackers = std::iter::once(None).chain((0..pool.parts.len()).filter(|&a| a != m && open(a)).map(Some));
    let mut found: Vec<(Option<usize>, f64, f64)> = Vec::new();
    for a in attackers {
        let (mut low, mut high) = (pool.value, pool.value);
        for (o, &(lo, hi, value)) in b.iter().enumerate().filter(|(o, _)| *o != m) {
            if Some(o) == a {
                low -= value;
                high -= value;
            } else {
                low -= hi;
                high -= lo;
            }
        }
        let (low, high) = (low.max(lo_m), high.min(hi_m));
        if low > lo_m + EPS || high < hi_m - EPS {
            found.push((a.map(|a| pool.parts[a].org), low, high));
        }
    }
    // An interval holding a narrower one tells no more than it.
    found.sort_by(|x, y| (x.2 - x.1).total_cmp(&(y.2 - y.1)));
    let mut kept: Vec<(Option<usize>, f64, f64)> = Vec::new();
    for c in found {
        if !kept.iter().any(|k| c.1 <= k.1 + EPS && c.2 >= k.2 - EPS) {
            kept.push(c);
        }
    }
    kept
}

#[path = "pooled_bounds.rs"]
mod bounds;
use bounds::{PartBounds, on_every_core};

#[path = "pooled_recheck.rs"]
mod recheck;
use recheck::{Own, recheck};

#[cfg(test)]
#[path = "pooled_tests.rs"]
mod tests;
