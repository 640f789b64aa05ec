//! A narrowing of a member's part re-checked by the member's own linear
//! system, and what each organisation's own figures pin already.

use std::collections::{HashMap, HashSet};

use edi_hub_core::disclosure::Policy;

use super::{EPS, Pool, Tables, narrowings};
use crate::equations::{AuditError, Interval};
use crate::releases::{Bound, Linked};

/// A narrowing re-checked: (attacker, low, high, the counts it pins).
type Narrowed = (Option<usize>, f64, f64, Vec<Interval>);

/// What a narrowing of member `m`'s part of `pool` to each interval
/// [`narrowings`] finds pins, by `m`'s own linear system: (attacker, low,
/// high, the counts pinned, with the part itself when it is a small count).
pub(super) fn recheck(
    member: &Linked,
    tables: &Tables,
    policy: Policy,
    protection: u32,
    pool: &Pool,
    m: usize,
    b: &[(f64, f64, f64)],
) -> Result<Vec<Narrowed>, AuditError> {
    let part = pool.parts[m];
    if b[m].1 - b[m].0 <= EPS {
        return Ok(Vec::new());
    }
    let terms = tables.terms(part);
    let mut found = Vec::new();
    for (attacker, low, high) in narrowings(pool, b, m) {
        let mut pinned = member.leaks(Some(Bound { terms: &terms, low, high }), protection)?;
        let value = b[m].2;
        let itself = Interval { what: "the part itself".into(), value: value as i64, low, high: Some(high) };
        if part.minus.is_none() && policy.is_small(value) && itself.pinned(protection) {
            pinned.push(itself);
        }
        found.push((attacker, low, high, pinned));
    }
    Ok(found)
}

/// What each organisation's own figures pin already (reported with it, not here).
pub(super) struct Own<'a> {
    linked: &'a [Linked],
    protection: u32,
    pinned: HashMap<usize, HashSet<String>>,
}

impl<'a> Own<'a> {
    pub(super) fn new(linked: &'a [Linked], protection: u32) -> Own<'a> {
        Own { linked, protection, pinned: HashMap::new() }
    }

    /// Of `pinned`, what organisation `org`'s own figures do not pin already.
    pub(super) fn new_ones(&mut self, org: usize, mut pinned: Vec<Interval>) -> Result<Vec<Interval>, AuditError> {
        if pinned.is_empty() {
            return Ok(pinned);
        }
        let already = match self.pinned.get(&org) {
            Some(already) => already,
            None => {
                let found = self.linked[org].leaks(None, self.protection)?;
                self.pinned.entry(org).or_insert(found.into_iter().map(|i| i.what).collect())
            }
        };
        pinned.retain(|i| !already.contains(&i.what));
        Ok(pinned)
    }
}
