//! What the pooled sums a release shows tell each possible attacker: an
//! analyst, who holds every published figure, and each member organisation,
//! who also knows its own table, so to whom a sum of its part and another
//! member's is the other's. Checking each new sum against the analyst's
//! span alone is not enough: sums that each involve three organisations
//! can together leave a sum of two, which one of the two can then tell
//! apart.
//!
//! The pooled sums are chosen greedily against the analyst's span; then the
//! chosen ones are replayed, in the same order, in each member's view (the
//! analyst's span with that member's unknowns taken out), one member at a
//! time, and any sum that determines a protected count there is dropped.
//! Dropping only takes information away, so what one member's replay found
//! safe stays safe after later members' drops: the sums left are safe in
//! every view, the analyst's included (what an analyst determines, every
//! member does too). One member's span is held at a time.

use std::borrow::Cow;

use super::span::{Effect, Span, Vector};

/// The analyst's span, and what each member's view is built from.
pub struct Views<'a> {
    /// Unknown -> organisation (history).
    owner: &'a [usize],
    analyst: Span,
    /// The organisations in some pool (any other knows nothing an analyst
    /// does not about pooled sums).
    members: Vec<usize>,
    /// Every count protected, and every sum earlier releases published.
    protected: Vec<Vector>,
    known: Vec<Vector>,
}

impl<'a> Views<'a> {
    /// Views for an analyst and each of `members` (organisations).
    pub fn new(owner: &'a [usize], members: impl IntoIterator<Item = usize>) -> Views<'a> {
        let members = members.into_iter().collect();
        Views { owner, analyst: Span::default(), members, protected: Vec::new(), known: Vec::new() }
    }

    /// `v` as member `h` sees it: its own unknowns taken out.
    fn without<'v>(&self, v: &'v Vector, h: usize) -> Cow<'v, Vector> {
        if v.iter().all(|&(u, _)| self.owner[u as usize] != h) {
            return Cow::Borrowed(v);
        }
        Cow::Owned(v.iter().filter(|&&(u, _)| self.owner[u as usize] != h).copied().collect())
    }

    /// A count no view may determine (what a member knows of it is its own).
    pub fn protect(&mut self, v: &Vector) {
        self.analyst.protect(v);
        self.protected.push(v.clone());
    }

    /// A sum an earlier release published: known to everyone.
    pub fn know(&mut self, v: &Vector) {
        self.analyst.publish(v);
        self.known.push(v.clone());
    }

    /// Publishes `v` in the analyst's view (after [`Views::effect`]).
    pub fn publish(&mut self, v: &Vector) {
        self.analyst.publish(v);
    }

    /// What publishing `v` would do in the analyst's view.
    pub fn effect(&self, v: &Vector) -> Effect {
        self.analyst.effect(v)
    }

    /// `v` less what the analyst's view determines.
    pub fn reduce(&self, v: &Vector) -> Vector {
        self.analyst.reduce(v)
    }

    /// Of the sums chosen (in the order chosen), which to keep: those left
    /// after replaying them in each member's view (see the module).
    pub fn settle(&self, chosen: &[Vector]) -> Vec<bool> {
        let mut kept = vec![true; chosen.len()];
        for &h in &self.members {
            let mut span = Span::default();
            for p in &self.protected {
                let p = self.without(p, h);
                if !p.is_empty() {
                    span.protect(&p);
                }
            }
            for k in &self.known {
                span.publish(&self.without(k, h));
            }
            for (v, keep) in chosen.iter().zip(kept.iter_mut()).filter(|(_, keep)| **keep) {
                let v = self.without(v, h);
                match span.effect(&v) {
                    Effect::Reveals => *keep = false,
                    Effect::Safe => span.publish(&v),
                    Effect::Redundant => {}
                }
            }
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_of_three_organisations_that_together_isolate_two_are_dropped() {
        // Four organisations, one withheld count each (unknowns 0 to 3).
        let owner = [0, 1, 2, 3];
        let mut views = Views::new(&owner, 0..4);
        for u in 0..4 {
            views.protect(&vec![(u, 1)]);
        }
        let (abc, bcd): (Vector, Vector) = (vec![(0, 1), (1, 1), (2, 1)], vec![(1, 1), (2, 1), (3, 1)]);
        // To an analyst, b + c + d beside a + b + c gives only a - d; but the
        // first organisation knows a, so has b + c, then d.
        for v in [&abc, &bcd] {
            assert_eq!(views.effect(v), Effect::Safe);
            views.publish(v);
        }
        assert_eq!(views.settle(&[abc.clone(), bcd.clone()]), vec![true, false]);
        // Over five organisations, b + c + d + e leaves the first member d + e: kept.
        let owner = [0, 1, 2, 3, 4];
        let mut views = Views::new(&owner, 0..5);
        for u in 0..5 {
            views.protect(&vec![(u, 1)]);
        }
        let bcde: Vector = vec![(1, 1), (2, 1), (3, 1), (4, 1)];
        assert_eq!(views.settle(&[abc.clone(), bcde]), vec![true, true]);
        // What an earlier release published is known in every view.
        let mut views = Views::new(&owner, 0..5);
        for u in 0..5 {
            views.protect(&vec![(u, 1)]);
        }
        views.know(&abc);
        assert_eq!(views.settle(std::slice::from_ref(&bcd)), vec![false]);
    }
}
