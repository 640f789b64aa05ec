//! London local authorities: ONS GSS codes, names, inner/outer London and
//! sub-regional partnership, from the reference list shipped in
//! `reference/london_authorities.csv`.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const REFERENCE_CSV: &str = include_str!("../../../reference/london_authorities.csv");

/// Inner or outer London (ONS statistical definition used by the reference list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InnerOuter {
    Inner,
    Outer,
}

/// Sub-regional partnership of London boroughs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubRegion {
    CentralLondonForward,
    LocalLondon,
    SouthLondonPartnership,
    WestLondonAlliance,
}

impl SubRegion {
    pub const ALL: [SubRegion; 4] = [
        SubRegion::CentralLondonForward,
        SubRegion::LocalLondon,
        SubRegion::SouthLondonPartnership,
        SubRegion::WestLondonAlliance,
    ];

    pub fn id(self) -> &'static str {
        match self {
            SubRegion::CentralLondonForward => "central_london_forward",
            SubRegion::LocalLondon => "local_london",
            SubRegion::SouthLondonPartnership => "south_london_partnership",
            SubRegion::WestLondonAlliance => "west_london_alliance",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SubRegion::CentralLondonForward => "Central London Forward",
            SubRegion::LocalLondon => "Local London",
            SubRegion::SouthLondonPartnership => "South London Partnership",
            SubRegion::WestLondonAlliance => "West London Alliance",
        }
    }

    fn from_id(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.id() == s)
    }
}

/// One London local authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    pub code: Organisation,
    /// The GSS code as text.
    pub gss: String,
    pub name: String,
    pub inner_outer: InnerOuter,
    pub sub_region: Option<SubRegion>,
}

/// A London local authority identified by its GSS code (`E09000001`..`E09000033`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Organisation(u8);

/// The code is not one of the 33 London local authorities.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not the GSS code of a London local authority (E09000001 to E09000033)")]
pub struct UnknownOrganisation(pub String);

impl Organisation {
    /// Number of London local authorities.
    pub const COUNT: usize = 33;
    /// The first in GSS code order (City of London).
    pub const FIRST: Organisation = Organisation(1);

    /// Every authority, in GSS code order.
    pub fn all() -> impl Iterator<Item = Organisation> {
        (1..=Self::COUNT as u8).map(Organisation)
    }

    /// The GSS code, e.g. `E09000015`.
    pub fn code(self) -> &'static str {
        &self.authority().gss
    }

    /// Index 0..33, stable, in GSS code order.
    pub fn index(self) -> usize {
        usize::from(self.0) - 1
    }

    pub fn authority(self) -> &'static Authority {
        &authorities()[self.index()]
    }

    pub fn name(self) -> &'static str {
        &self.authority().name
    }

    pub fn inner_outer(self) -> InnerOuter {
        self.authority().inner_outer
    }

    pub fn sub_region(self) -> Option<SubRegion> {
        self.authority().sub_region
    }
}

impl FromStr for Organisation {
    type Err = UnknownOrganisation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s
            .strip_prefix("E090000")
            .filter(|d| d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<u8>().ok())
            .filter(|n| (1..=Self::COUNT as u8).contains(n));
        n.map(Organisation).ok_or_else(|| UnknownOrganisation(s.chars().take(40).collect()))
    }
}

impl fmt::Display for Organisation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E090000{:02}", self.0)
    }
}

serde_as_text!(Organisation);

/// All 33 authorities, parsed once from the embedded reference list.
pub fn authorities() -> &'static [Authority] {
    static LIST: OnceLock<Vec<Authority>> = OnceLock::new();
    LIST.get_or_init(|| parse_reference(REFERENCE_CSV))
}

fn parse_reference(text: &str) -> Vec<Authority> {
    let list: Vec<Authority> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.trim_end_matches('\r').split(',').collect();
            // The reference list is part of the build: a malformed line is a
            // programming error caught by the unit tests below.
            let code: Organisation = f[0].parse().expect("reference list: valid GSS code");
            Authority {
                code,
                gss: f[0].to_string(),
                name: f[1].to_string(),
                inner_outer: if f[2] == "inner" { InnerOuter::Inner } else { InnerOuter::Outer },
                sub_region: f.get(3).and_then(|s| SubRegion::from_id(s)),
            }
        })
        .collect();
    assert_eq!(list.len(), Organisation::COUNT, "reference list: 33 authorities");
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_list_is_complete_and_ordered() {
        let all = authorities();
        assert_eq!(all.len(), 33);
        for (i, a) in all.iter().enumerate() {
            assert_eq!(a.code.index(), i);
        }
        let city: Organisation = "E09000001".parse().unwrap();
        assert_eq!(city.name(), "City of London");
        assert_eq!(city.inner_outer(), InnerOuter::Inner);
        let bromley: Organisation = "E09000006".parse().unwrap();
        assert_eq!(bromley.sub_region(), None);
        let harrow: Organisation = "E09000015".parse().unwrap();
        assert_eq!(harrow.sub_region(), Some(SubRegion::WestLondonAlliance));
    }

    #[test]
    fn rejects_unknown_codes() {
        for bad in ["E09000000", "E09000034", "E0900001", "e09000001", "E09000001 ", "", "E0900000x"] {
            assert!(bad.parse::<Organisation>().is_err(), "{bad}");
        }
    }
}
