//! What the pooled sums a release shows tell each possible attacker: an
//! analyst, who holds every published figure, and each member organisation,
//! who also knows its own table. One span per view: the analyst's over the
//! residuals every pooled sum leaves beyond the members' published counts,
//! and each member's the same with its own unknowns taken out (it knows
//! them, so a sum of its part and another member's is, to it, the other's).
//!
//! A pooled sum is safe only when it determines no protected count in any
//! view: checking each new sum on its own is not enough, as sums that each
//! involve three organisations can together isolate two of them, which one
//! of the two can then tell apart.

use std::borrow::Cow;

use super::span::{Effect, Span, Vector};

/// The analyst's span and each member organisation's.
pub struct Views<'a> {
    /// Unknown -> organisation (history).
    owner: &'a [usize],
    analyst: Span,
    members: Vec<Span>,
}

impl<'a> Views<'a> {
    pub fn new(owner: &'a [usize], organisations: usize) -> Views<'a> {
        Views { owner, analyst: Span::default(), members: (0..organisations).map(|_| Span::default()).collect() }
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
        for h in 0..self.members.len() {
            let p = self.without(v, h);
            if !p.is_empty() {
                self.members[h].protect(&p);
            }
        }
    }

    /// Publishes `v` in every view.
    pub fn publish(&mut self, v: &Vector) {
        self.analyst.publish(v);
        for h in 0..self.members.len() {
            let p = self.without(v, h);
            if !p.is_empty() {
                self.members[h].publish(&p);
            }
        }
    }

    /// What publishing `v` would do: `Reveals` when it determines a
    /// protected count in any view (what the analyst already knows, every
    /// member knows too: `Redundant` stays so in every view).
    pub fn effect(&self, v: &Vector) -> Effect {
        match self.analyst.effect(v) {
            Effect::Safe => {
                let reveals = self.members.iter().enumerate().any(|(h, span)| {
                    let p = self.without(v, h);
                    !p.is_empty() && span.effect(&p) == Effect::Reveals
                });
                if reveals { Effect::Reveals } else { Effect::Safe }
            }
            other => other,
        }
    }

    /// `v` less what the analyst's view determines.
    pub fn reduce(&self, v: &Vector) -> Vector {
        self.analyst.reduce(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_of_three_organisations_that_together_isolate_two_are_refused() {
        // Four organisations, one withheld count each (unknowns 0 to 3).
        let owner = [0, 1, 2, 3];
        let mut views = Views::new(&owner, 4);
        for u in 0..4 {
            views.protect(&vec![(u, 1)]);
        }
        let (abc, bcd): (Vector, Vector) = (vec![(0, 1), (1, 1), (2, 1)], vec![(1, 1), (2, 1), (3, 1)]);
        assert_eq!(views.effect(&abc), Effect::Safe);
        views.publish(&abc);
        // To an analyst, b + c + d beside a + b + c gives only a - d; but the
        // first organisation knows a, so has b + c, then d.
        assert_eq!(views.analyst.effect(&bcd), Effect::Safe);
        assert_eq!(views.effect(&bcd), Effect::Reveals);
        // A sum over a fourth and fifth organisation's counts stays safe.
        let owner = [0, 1, 2, 3, 4];
        let mut views = Views::new(&owner, 5);
        for u in 0..5 {
            views.protect(&vec![(u, 1)]);
        }
        views.publish(&abc);
        assert_eq!(views.effect(&vec![(1, 1), (2, 1), (3, 1), (4, 1)]), Effect::Safe);
        assert_eq!(views.effect(&abc), Effect::Redundant);
    }
}
