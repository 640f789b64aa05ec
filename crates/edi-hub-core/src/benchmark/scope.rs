//! The comparison a row stands for: one organisation, or a summary over
//! London, inner or outer London or a sub-regional partnership.

use crate::organisation::{InnerOuter, Organisation, SubRegion};

/// The comparison a row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Organisation,
    London,
    InnerLondon,
    OuterLondon,
    SubRegion(SubRegion),
}

impl Scope {
    /// Every summary scope, in answer order.
    pub fn summaries() -> Vec<Scope> {
        let mut s = vec![Scope::London, Scope::InnerLondon, Scope::OuterLondon];
        s.extend(SubRegion::ALL.map(Scope::SubRegion));
        s
    }

    pub fn id(self) -> &'static str {
        match self {
            Scope::Organisation => "organisation",
            Scope::London => "london",
            Scope::InnerLondon => "inner_london",
            Scope::OuterLondon => "outer_london",
            Scope::SubRegion(r) => r.id(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scope::Organisation => "",
            Scope::London => "London",
            Scope::InnerLondon => "Inner London",
            Scope::OuterLondon => "Outer London",
            Scope::SubRegion(r) => r.name(),
        }
    }

    /// Whether an organisation belongs to this comparison group.
    pub fn includes(self, o: Organisation) -> bool {
        match self {
            Scope::Organisation => false,
            Scope::London => true,
            Scope::InnerLondon => o.inner_outer() == InnerOuter::Inner,
            Scope::OuterLondon => o.inner_outer() == InnerOuter::Outer,
            Scope::SubRegion(r) => o.sub_region() == Some(r),
        }
    }
}
