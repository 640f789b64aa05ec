//! Linear algebra for secondary suppression: which sums of atoms are
//! determined by the counts already published. Exact arithmetic modulo the
//! prime 2^61 - 1: a vector outside the published span over the rationals
//! can only look inside it modulo p (never the other way round), so an
//! error could only suppress more, never reveal.

use rustc_hash::FxHashMap as HashMap;

const P: u64 = (1 << 61) - 1;

fn mul(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) % P as u128) as u64
}

fn sub(a: u64, b: u64) -> u64 {
    if a >= b { a - b } else { a + P - b }
}

fn inverse(a: u64) -> u64 {
    let (mut base, mut exp, mut acc) = (a, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul(acc, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    acc
}

/// A sparse vector over atoms: (atom, non-zero coefficient), by atom.
pub type Vector = Vec<(u32, u64)>;

/// The 0/1 vector of a set of atoms.
#[cfg(test)]
pub fn indicator(atoms: &[usize]) -> Vector {
    let mut v: Vector = atoms.iter().map(|&a| (a as u32, 1)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The 0/1 vector of a set of atoms, each renamed by `map` (atom -> unknown).
pub fn mapped(atoms: &[usize], map: &[u32]) -> Vector {
    let mut v: Vector = atoms.iter().map(|&a| (map[a], 1)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// `v - c * w`.
fn axpy(v: &Vector, c: u64, w: &Vector) -> Vector {
    let mut out = Vec::with_capacity(v.len() + w.len());
    let (mut i, mut j) = (0, 0);
    while i < v.len() || j < w.len() {
        let (a, b) = (v.get(i), w.get(j));
        match (a, b) {
            (Some(&(x, vx)), Some(&(y, wy))) if x == y => {
                let r = sub(vx, mul(c, wy));
                if r != 0 {
                    out.push((x, r));
                }
                i += 1;
                j += 1;
            }
            (Some(&(x, vx)), Some(&(y, _))) if x < y => {
                out.push((x, vx));
                i += 1;
            }
            (Some(&(x, vx)), None) => {
                out.push((x, vx));
                i += 1;
            }
            (_, Some(&(y, wy))) => {
                out.push((y, sub(0, mul(c, wy))));
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

fn coefficient(v: &Vector, atom: u32) -> u64 {
    v.binary_search_by_key(&atom, |e| e.0).map_or(0, |i| v[i].1)
}

/// The vector scaled so its first coefficient is 1.
fn normalised(v: &Vector) -> Vector {
    let Some(&(_, first)) = v.first() else { return Vec::new() };
    let inv = inverse(first);
    v.iter().map(|&(a, c)| (a, mul(c, inv))).collect()
}

/// The span of the published counts, in reduced row echelon form, and the
/// counts that must stay undetermined, kept reduced against it.
#[derive(Debug, Default)]
pub struct Span {
    /// Basis vectors, each with coefficient 1 at its pivot and 0 at the others'.
    basis: Vec<Vector>,
    pivots: HashMap<u32, usize>,
    /// Residuals of the protected vectors (never zero while protected).
    protected: Vec<Vector>,
    /// Protected residuals by the atoms they involve (a residual that a new
    /// count would determine has the same atoms, in proportion).
    /// (Keyed by a hash of the atoms: [`proportional`] compares them.)
    by_atoms: HashMap<u64, Vec<usize>>,
    /// Per atom: the basis vectors and protected residuals that may involve
    /// it (a superset: a publication updates only these).
    basis_with: HashMap<u32, Vec<usize>>,
    protected_with: HashMap<u32, Vec<usize>>,
}

/// Notes vector `i`'s atoms that `old` lacked in `index` (both sorted by atom).
fn note(index: &mut HashMap<u32, Vec<usize>>, i: usize, old: &Vector, new: &Vector) {
    let mut old = old.iter().map(|e| e.0).peekable();
    for &(a, _) in new {
        while old.next_if(|&o| o < a).is_some() {}
        if old.peek() != Some(&a) {
            index.entry(a).or_default().push(i);
        }
    }
}

/// A hash of the atoms `v` involves.
fn atoms_of(v: &Vector) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    for e in v {
        h.write_u32(e.0);
    }
    h.finish()
}

/// Whether two vectors over the same atoms are multiples of each other.
fn proportional(a: &Vector, b: &Vector) -> bool {
    let (Some(&(_, a0)), Some(&(_, b0))) = (a.first(), b.first()) else { return false };
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0 && mul(x.1, b0) == mul(y.1, a0))
}

/// What adding a published count to the span does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Already determined by what is published: publishing it adds nothing.
    Redundant,
    /// Publishing it would determine a protected count.
    Reveals,
    /// Adds information but determines no protected count.
    Safe,
}

impl Span {
    /// The part of `v` not determined by the span (zero at every pivot).
    pub fn reduce(&self, v: &Vector) -> Vector {
        let mut r = v.clone();
        for &(atom, _) in v {
            if let Some(&b) = self.pivots.get(&atom) {
                let coeff = coefficient(&r, atom);
                if coeff != 0 {
                    r = axpy(&r, coeff, &self.basis[b]);
                }
            }
        }
        r
    }

    /// The protected counts not yet determined, as residuals (zero at every pivot).
    pub fn protected(&self) -> impl Iterator<Item = &Vector> {
        self.protected.iter().filter(|p| !p.is_empty())
    }

    /// Adds a count that must never become determined. Returns `false`
    /// when it already is (publishing so far reveals it).
    pub fn protect(&mut self, v: &Vector) -> bool {
        let r = self.reduce(v);
        if r.is_empty() {
            return false;
        }
        let i = self.protected.len();
        self.by_atoms.entry(atoms_of(&r)).or_default().push(i);
        note(&mut self.protected_with, i, &Vec::new(), &r);
        self.protected.push(r);
        true
    }

    /// What publishing `v` would do.
    pub fn effect(&self, v: &Vector) -> Effect {
        let r = self.reduce(v);
        if r.is_empty() {
            Effect::Redundant
        } else if self
            .by_atoms
            .get(&atoms_of(&r))
            .is_some_and(|same| same.iter().any(|&i| proportional(&self.protected[i], &r)))
        {
            Effect::Reveals
        } else {
            Effect::Safe
        }
    }

    /// Publishes `v` (after [`Span::effect`] said `Safe` or `Redundant`).
    pub fn publish(&mut self, v: &Vector) {
        let r = normalised(&self.reduce(v));
        let Some(&(pivot, _)) = r.first() else { return };
        // No basis vector or protected residual involves the pivot afterwards.
        for b in self.basis_with.remove(&pivot).unwrap_or_default() {
            let c = coefficient(&self.basis[b], pivot);
            if c != 0 {
                let new = axpy(&self.basis[b], c, &r);
                note(&mut self.basis_with, b, &self.basis[b], &new);
                self.basis[b] = new;
            }
        }
        for i in self.protected_with.remove(&pivot).unwrap_or_default() {
            let p = &self.protected[i];
            let c = coefficient(p, pivot);
            if c != 0 {
                let old = atoms_of(p);
                if let Some(same) = self.by_atoms.get_mut(&old) {
                    same.retain(|&j| j != i);
                    if same.is_empty() {
                        self.by_atoms.remove(&old);
                    }
                }
                let new = axpy(p, c, &r);
                note(&mut self.protected_with, i, p, &new);
                self.by_atoms.entry(atoms_of(&new)).or_default().push(i);
                self.protected[i] = new;
            }
        }
        note(&mut self.basis_with, self.basis.len(), &Vec::new(), &r);
        self.pivots.insert(pivot, self.basis.len());
        self.basis.push(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        assert_eq!(mul(inverse(7), 7), 1);
        assert_eq!(sub(3, 5), P - 2);
    }

    #[test]
    fn totals_reveal_a_lone_hidden_cell() {
        // Cells a, b, c; total a+b+c published, a and b published: c is determined.
        let mut s = Span::default();
        assert!(s.protect(&indicator(&[2])));
        assert_eq!(s.effect(&indicator(&[0, 1, 2])), Effect::Safe);
        s.publish(&indicator(&[0, 1, 2]));
        assert_eq!(s.effect(&indicator(&[0])), Effect::Safe);
        s.publish(&indicator(&[0]));
        assert_eq!(s.effect(&indicator(&[1])), Effect::Reveals);
        // b+c (the total minus a) is determined.
        assert_eq!(s.effect(&indicator(&[0, 1, 2])), Effect::Redundant);
        assert!(!s.protect(&indicator(&[1, 2])));
    }
}
