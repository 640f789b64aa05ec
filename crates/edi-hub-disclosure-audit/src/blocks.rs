//! Independent blocks of a published system. Unknowns tied together by
//! some equation form one block; since every unknown is only otherwise
//! bound to be `>= 0`, blocks are independent, and the interval of anything
//! over one block's unknowns follows from that block's equations alone. An
//! organisation's six tables (and each table's pay bands, where nothing
//! published adds across them) are separate blocks, so each linear program
//! is solved over a fraction of the organisation's unknowns: the same
//! answer, much faster.

use std::collections::{BTreeMap, HashMap};

use crate::equations::Equation;

/// Union-find over unknowns.
pub struct Blocks {
    parent: Vec<usize>,
}

impl Blocks {
    /// Every unknown of `equations` tied to the others of its equation.
    pub fn new(unknowns: usize, equations: &[Equation]) -> Blocks {
        let mut blocks = Blocks { parent: (0..unknowns).collect() };
        for e in equations {
            blocks.join(e.terms.iter().map(|t| t.0));
        }
        blocks
    }

    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Puts all of `unknowns` in one block.
    pub fn join(&mut self, unknowns: impl IntoIterator<Item = usize>) {
        let mut unknowns = unknowns.into_iter();
        let Some(first) = unknowns.next() else { return };
        let mut root = self.find(first);
        for u in unknowns {
            let r = self.find(u);
            if r != root {
                // Smaller index as the root keeps roots stable for one pass.
                let (keep, merge) = if r < root { (r, root) } else { (root, r) };
                self.parent[merge] = keep;
                root = keep;
            }
        }
    }
}

/// One block's system with its unknowns numbered from 0.
#[derive(Debug, Clone, Default)]
pub struct Sub {
    pub unknowns: usize,
    pub equations: Vec<Equation>,
    local: HashMap<usize, usize>,
}

impl Sub {
    /// `terms` over the block's own numbering (terms outside it are dropped:
    /// callers ask only about unknowns of the block).
    pub fn map(&self, terms: &[(usize, f64)]) -> Vec<(usize, f64)> {
        terms.iter().filter_map(|&(u, c)| Some((*self.local.get(&u)?, c))).collect()
    }

    pub fn map_atoms(&self, atoms: &[usize]) -> Vec<usize> {
        atoms.iter().filter_map(|u| self.local.get(u).copied()).collect()
    }
}

/// Splits the system: per root, its sub-system (only roots in `wanted`,
/// all when `None`), in one pass over unknowns and equations.
pub fn split(
    blocks: &mut Blocks,
    unknowns: usize,
    equations: &[Equation],
    wanted: Option<&[usize]>,
) -> HashMap<usize, Sub> {
    let mut subs: HashMap<usize, Sub> = HashMap::new();
    let keep = |root: usize| wanted.is_none_or(|w| w.contains(&root));
    for u in 0..unknowns {
        let root = blocks.find(u);
        if keep(root) {
            let sub = subs.entry(root).or_default();
            sub.local.insert(u, sub.unknowns);
            sub.unknowns += 1;
        }
    }
    for e in equations {
        let Some(&(first, _)) = e.terms.first() else { continue };
        let root = blocks.find(first);
        if let Some(sub) = subs.get_mut(&root) {
            let terms = sub.map(&e.terms);
            sub.equations.push(Equation { terms, ..e.clone() });
        }
    }
    subs
}

/// A system split once into its blocks, for many questions about it.
#[derive(Debug, Clone)]
pub struct Split {
    /// Per unknown: its block's root.
    root: Vec<usize>,
    subs: HashMap<usize, Sub>,
}

impl Split {
    pub fn new(unknowns: usize, equations: &[Equation]) -> Split {
        let mut blocks = Blocks::new(unknowns, equations);
        let root = (0..unknowns).map(|u| blocks.find(u)).collect();
        let subs = split(&mut blocks, unknowns, equations, None);
        Split { root, subs }
    }

    /// `terms` block by block: (root, the terms in the block's numbering).
    pub fn by_block(&self, terms: &[(usize, f64)]) -> Vec<(usize, Vec<(usize, f64)>)> {
        let mut by: BTreeMap<usize, Vec<(usize, f64)>> = BTreeMap::new();
        for &(u, c) in terms {
            let root = self.root[u];
            by.entry(root).or_default().push((self.subs[&root].local[&u], c));
        }
        by.into_iter().collect()
    }

    pub fn sub(&self, root: usize) -> &Sub {
        &self.subs[&root]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknowns_tied_by_equations_share_a_block_and_others_do_not() {
        let eqs = vec![Equation::count(&[0, 1], 5.0), Equation::count(&[1, 2], 4.0), Equation::count(&[3], 2.0)];
        let mut b = Blocks::new(5, &eqs);
        assert_eq!(b.find(0), b.find(2));
        assert_ne!(b.find(0), b.find(3));
        let subs = split(&mut b, 5, &eqs, None);
        assert_eq!(subs.len(), 3, "{{0,1,2}}, {{3}} and the free unknown 4");
        let first = &subs[&0];
        assert_eq!((first.unknowns, first.equations.len()), (3, 2));
        assert_eq!(first.map(&[(2, 1.0), (3, 1.0)]), vec![(2, 1.0)]);
        let whole = Split::new(5, &eqs);
        let by = whole.by_block(&[(2, 1.0), (3, 2.0), (0, 1.0)]);
        assert_eq!(by, vec![(0, vec![(2, 1.0), (0, 1.0)]), (3, vec![(0, 2.0)])]);
        assert_eq!(whole.sub(3).equations, vec![Equation::count(&[0], 2.0)]);
        let only = split(&mut b, 5, &eqs, Some(&[3]));
        assert_eq!(only.len(), 1);
        assert_eq!(only[&3].equations, vec![Equation::count(&[0], 2.0)]);
    }
}
