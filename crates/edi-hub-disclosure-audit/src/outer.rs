//! Outer bounds without linear programming: every unknown's interval by
//! bound propagation over the published equations (as a solver's presolve
//! does). Each unknown starts at `[0, infinity)`; an equation
//! `sum(c_i x_i) = b` (within its tolerance) bounds each `c_i x_i` by `b`
//! minus the most and least the other terms can add up to, and the passes
//! repeat until nothing narrows. Every interval holds every value the
//! unknown can take under the equations (it may hold more): a cheap
//! certificate that something can *not* be narrowed further.

use crate::equations::Equation;

/// Passes over the equations at most (each narrows or the loop stops).
const PASSES: usize = 50;

/// Per unknown: `(low, high)` holding every value it can take.
pub fn outer_boxes(unknowns: usize, equations: &[Equation]) -> Vec<(f64, f64)> {
    let mut boxes = vec![(0.0, f64::INFINITY); unknowns];
    for _ in 0..PASSES {
        let mut narrowed = false;
        for e in equations {
            narrowed |= propagate(e, &mut boxes);
        }
        if !narrowed {
            break;
        }
    }
    boxes
}

/// Narrows the boxes of `e`'s unknowns by `e`; whether any narrowed.
fn propagate(e: &Equation, boxes: &mut [(f64, f64)]) -> bool {
    // The least and most each term can be, summed (infinite ends counted apart).
    let range = |&(u, c): &(usize, f64), b: &[(f64, f64)]| {
        let (l, h) = (c * b[u].0, c * b[u].1);
        if c >= 0.0 { (l, h) } else { (h, l) }
    };
    let (mut least, mut most, mut least_inf, mut most_inf) = (0.0, 0.0, 0, 0);
    for t in &e.terms {
        let (l, h) = range(t, boxes);
        if l.is_finite() {
            least += l
        } else {
            least_inf += 1
        }
        if h.is_finite() { most += h } else { most_inf += 1 }
    }
    let mut narrowed = false;
    for t in &e.terms {
        let (l, h) = range(t, boxes);
        // What the other terms add up to, at least and at most.
        let others_least = match (least_inf, l.is_finite()) {
            (0, _) => least - l,
            (1, false) => least,
            _ => f64::NEG_INFINITY,
        };
        let others_most = match (most_inf, h.is_finite()) {
            (0, _) => most - h,
            (1, false) => most,
            _ => f64::INFINITY,
        };
        // c * x lies within [b - tol - others_most, b + tol - others_least].
        let (low_cx, high_cx) = (e.value - e.tolerance - others_most, e.value + e.tolerance - others_least);
        let (u, c) = *t;
        if c == 0.0 {
            continue;
        }
        let (a, b) = (low_cx / c, high_cx / c);
        let (low, high) = if c > 0.0 { (a, b) } else { (b, a) };
        let (old_low, old_high) = boxes[u];
        let tight = |x: f64| 1e-9 * (1.0 + x.abs());
        if low.is_finite() && low > old_low + tight(low) {
            boxes[u].0 = low;
            narrowed = true;
        }
        if high.is_finite() && high < old_high - tight(high) {
            boxes[u].1 = high;
            narrowed = true;
        }
    }
    narrowed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::equations::intervals;

    #[test]
    fn a_published_row_bounds_its_withheld_cells_by_what_is_left() {
        // Total 20 = white 12 + black 5 + mixed 3; white and the total published.
        let eqs = vec![Equation::count(&[0], 12.0), Equation::count(&[0, 1, 2], 20.0)];
        let b = outer_boxes(3, &eqs);
        assert_eq!(b[0], (12.0, 12.0));
        assert_eq!((b[1], b[2]), ((0.0, 8.0), (0.0, 8.0)));
    }

    #[test]
    fn an_unknown_in_no_equation_is_unbounded_above() {
        assert_eq!(outer_boxes(2, &[Equation::count(&[0], 4.0)])[1], (0.0, f64::INFINITY));
    }

    #[test]
    fn every_box_holds_the_exact_interval() {
        // Rows and columns of a 2 x 3 table, one cell and a rate published.
        let eqs = vec![
            Equation::count(&[0, 1, 2], 15.0),
            Equation::count(&[3, 4, 5], 9.0),
            Equation::count(&[0, 3], 7.0),
            Equation::count(&[1], 6.0),
            Equation::rate(&[2], &[2, 5], 40.0),
        ];
        let boxes = outer_boxes(6, &eqs);
        for (u, &(low, high)) in boxes.iter().enumerate() {
            let check = crate::equations::Check { what: format!("{u}"), atoms: vec![u], value: 0 };
            let exact = &intervals(6, &eqs, &[check]).unwrap()[0];
            assert!(low <= exact.low + 1e-6, "{u}: {low} > {}", exact.low);
            assert!(high >= exact.high.unwrap_or(f64::INFINITY) - 1e-6, "{u}: {high} < {:?}", exact.high);
        }
    }
}
