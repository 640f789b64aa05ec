//! Member parts' bounds under their own organisation's published figures,
//! worked out only as far as the pooled check needs them. The exact bounds
//! take two linear programs per part, most of a pooled check's time when
//! done for every part; but most parts cannot be narrowed by anyone, and
//! that can be shown more cheaply:
//!
//! - **inner bounds** of every part, from a few feasible points of each
//!   block (and the true data): the exact interval holds them;
//! - **outer bounds** of the part being checked, from each unknown's
//!   propagated bounds ([`crate::outer`]): they hold the exact interval.
//!
//! Someone narrows member `m`'s part from below only if the other parts'
//! room above their true values (all but the attacker's own, who knows
//! it) is less than `m`'s room below; with the others' inner bounds that
//! room can only be smaller than with their exact ones, and with `m`'s
//! outer bounds its own room only larger. So when even then the others'
//! room covers `m`'s, no-one narrows `m` ([`PartBounds::rules_out`]), and
//! only the remaining (pool, member) pairs get exact bounds: first the
//! member's own, then every other member's. The findings are those the
//! exact bounds of every part would give. Batches of linear programs run
//! on every core, with progress logged every ten seconds.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{EPS, Part, Pool, Tables};
use crate::equations::AuditError;
use crate::releases::Linked;

/// Feasible points per block (half minimising, half maximising a weighting).
const WITNESSES: usize = 6;

/// What is known so far of each member part's bounds.
pub(super) struct PartBounds<'a> {
    linked: &'a [Linked],
    tables: &'a Tables,
    inner: HashMap<Part, (f64, f64)>,
    exact: HashMap<Part, (f64, f64)>,
    /// Blocks whose feasible points were sought, and parts whose exact
    /// bounds took linear programs.
    pub blocks: usize,
    pub solved: usize,
}

impl<'a> PartBounds<'a> {
    /// Inner bounds of every one of `parts` (distinct).
    pub fn new(linked: &'a [Linked], tables: &'a Tables, parts: &[Part]) -> Result<PartBounds<'a>, AuditError> {
        let blocks: Vec<(usize, usize)> = parts
            .iter()
            .flat_map(|p| linked[p.org].split().by_block(&tables.terms(*p)).into_iter().map(|b| (p.org, b.0)))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let points =
            on_every_core("feasible points of blocks", &blocks, |&(o, root)| linked[o].witnesses(root, WITNESSES))?;
        let points: HashMap<(usize, usize), Vec<Vec<f64>>> = blocks.iter().copied().zip(points).collect();
        let inner: HashMap<Part, (f64, f64)> = parts
            .iter()
            .map(|&p| {
                let value = tables.value(p);
                let (mut low, mut high) = (0.0, 0.0);
                let mut complete = true;
                for (root, local) in linked[p.org].split().by_block(&tables.terms(p)) {
                    let at = points[&(p.org, root)].iter().map(|x| local.iter().map(|&(u, c)| c * x[u]).sum::<f64>());
                    let (l, h) = at.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
                    complete &= l.is_finite();
                    (low, high) = (low + l, high + h);
                }
                // Without a point in some block, the true data is the only one known.
                let (low, high) = if complete { (low, high) } else { (value, value) };
                (p, (low.min(value), high.max(value)))
            })
            .collect();
        // Where the outer bounds meet the inner ones, both are exact.
        let exact = inner
            .iter()
            .filter_map(|(&p, &(low, high))| {
                let (l, h) = linked[p.org].outer_bounds(&tables.terms(p));
                (l >= low - EPS && h <= high + EPS).then_some((p, (l.max(low), h.min(high))))
            })
            .collect();
        Ok(PartBounds { linked, tables, inner, exact, blocks: blocks.len(), solved: 0 })
    }

    /// Each member's (low, high, true value) of `pool`'s parts, as a
    /// narrowing uses them: exact where known, else the inner bounds (an
    /// attacker knowing at least as much as anyone can).
    pub fn stated(&self, pool: &Pool) -> Vec<(f64, f64, f64)> {
        let of = |p: &Part| {
            let value = self.tables.value(*p);
            let (low, high) = self.exact.get(p).or_else(|| self.inner.get(p)).copied().unwrap_or((value, value));
            (low, high, value)
        };
        pool.parts.iter().map(of).collect()
    }

    /// Works out the exact bounds of `parts` not yet known.
    pub fn make_exact(&mut self, parts: impl IntoIterator<Item = Part>) -> Result<(), AuditError> {
        let todo: Vec<Part> =
            parts.into_iter().filter(|p| !self.exact.contains_key(p)).collect::<BTreeSet<_>>().into_iter().collect();
        let (linked, tables) = (self.linked, self.tables);
        let found = on_every_core("member parts bounded", &todo, |p| linked[p.org].bounds(&tables.terms(*p)))?;
        self.solved += todo.len();
        for (p, (low, high)) in todo.into_iter().zip(found) {
            let value = tables.value(p);
            if value < low - EPS || value > high + EPS {
                return Err(AuditError(format!(
                    "{}'s figures contradict its own data ({value} outside [{low}, {high}])",
                    linked[p.org].organisation
                )));
            }
            self.exact.insert(p, (low, high));
        }
        Ok(())
    }

    /// Whether no analyst or other member can narrow member `m`'s part of
    /// `pool` below what `m`'s own figures allow, judged on what is known.
    pub fn rules_out(&self, pool: &Pool, m: usize) -> bool {
        let part = pool.parts[m];
        let (low_m, high_m) = match self.exact.get(&part) {
            Some(&b) => b,
            None => self.linked[part.org].outer_bounds(&self.tables.terms(part)),
        };
        if high_m - low_m <= EPS {
            return true;
        }
        let (mut up, mut down) = (Vec::new(), Vec::new());
        for (o, (low, high, value)) in self.stated(pool).into_iter().enumerate() {
            if o != m {
                up.push(high - value);
                down.push(value - low);
            }
        }
        let value = self.tables.value(part);
        // The attacker knowing the most is the member with the most room.
        value - all_but_largest(&up) <= low_m + EPS && value + all_but_largest(&down) >= high_m - EPS
    }
}

/// The sum of `xs` (each >= 0, maybe infinite) without its largest.
fn all_but_largest(xs: &[f64]) -> f64 {
    let infinite = xs.iter().filter(|x| x.is_infinite()).count();
    let finite = xs.iter().filter(|x| x.is_finite());
    match infinite {
        0 => finite.clone().sum::<f64>() - finite.fold(0.0, |m: f64, &x| m.max(x)),
        1 => finite.sum(),
        _ => f64::INFINITY,
    }
}

/// `work` on each of `items`, on every core, in order; the first error stops all.
pub(super) fn on_every_core<T: Sync, R: Send>(
    what: &str,
    items: &[T],
    work: impl Fn(&T) -> Result<R, AuditError> + Sync,
) -> Result<Vec<R>, AuditError> {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let found: Mutex<Vec<(usize, Result<R, AuditError>)>> = Mutex::new(Vec::with_capacity(items.len()));
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len().max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        let result = work(item);
                        let failed = result.is_err();
                        mine.push((i, result));
                        done.fetch_add(1, Ordering::Relaxed);
                        if failed {
                            next.store(items.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                    found.lock().unwrap_or_else(|e| e.into_inner()).extend(mine);
                })
            })
            .collect();
        let mut reported = Instant::now();
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(50));
            if reported.elapsed() >= Duration::from_secs(10) {
                reported = Instant::now();
                let done = done.load(Ordering::Relaxed);
                tracing::info!(done, of = items.len(), seconds = started.elapsed().as_secs(), "pooled counts: {what}");
            }
        }
    });
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    found.sort_by_key(|f| f.0);
    let results: Vec<R> = found.into_iter().map(|f| f.1).collect::<Result<_, _>>()?;
    tracing::info!(items = results.len(), seconds = started.elapsed().as_secs_f64(), "pooled counts: {what}");
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::all_but_largest;

    #[test]
    fn the_largest_is_left_out_and_infinities_count() {
        assert_eq!(all_but_largest(&[]), 0.0);
        assert_eq!(all_but_largest(&[3.0, 1.0, 2.0]), 3.0);
        assert_eq!(all_but_largest(&[3.0, f64::INFINITY, 2.0]), 5.0);
        assert_eq!(all_but_largest(&[f64::INFINITY, f64::INFINITY]), f64::INFINITY);
    }
}
