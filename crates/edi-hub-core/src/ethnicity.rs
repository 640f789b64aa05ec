//! The ONS Census 2021 ethnicity classification for England (19 detailed
//! groups in 5 high-level groups, plus `not_stated`), and the groups a
//! benchmark can ask for: any code at either level, `ethnic_minority`
//! ("Black, Asian and Multi-ethnic": Asian + Black + Mixed + Other) and
//! `white_minority` (White minus White British).

use std::fmt;

/// The five high-level groups, in ONS order.
pub const HIGH_LEVEL: [&str; 5] = ["asian", "black", "mixed", "white", "other"];

/// Detailed codes with their high-level parent, in ONS order.
pub const DETAILED: [(&str, &str); 19] = [
    ("asian_bangladeshi", "asian"),
    ("asian_chinese", "asian"),
    ("asian_indian", "asian"),
    ("asian_pakistani", "asian"),
    ("asian_other", "asian"),
    ("black_african", "black"),
    ("black_caribbean", "black"),
    ("black_other", "black"),
    ("mixed_white_asian", "mixed"),
    ("mixed_white_black_african", "mixed"),
    ("mixed_white_black_caribbean", "mixed"),
    ("mixed_other", "mixed"),
    ("white_british", "white"),
    ("white_irish", "white"),
    ("white_gypsy_irish_traveller", "white"),
    ("white_roma", "white"),
    ("white_other", "white"),
    ("other_arab", "other"),
    ("other_any", "other"),
];

/// Ethnicity not known (not stated, prefer not to say).
pub const NOT_STATED: &str = "not_stated";
/// The reference group of pay gaps and relative likelihoods.
pub const REFERENCE_GROUP: &str = "white";
/// Derived group: Black, Asian and Multi-ethnic (Asian + Black + Mixed + Other).
pub const ETHNIC_MINORITY: &str = "ethnic_minority";
/// Derived group: White groups other than White British.
pub const WHITE_MINORITY: &str = "white_minority";

/// Human-readable labels (ONS wording).
pub fn label(code: &str) -> Option<&'static str> {
    Some(match code {
        "asian" => "Asian, Asian British or Asian Welsh",
        "black" => "Black, Black British, Black Welsh, Caribbean or African",
        "mixed" => "Mixed or Multiple ethnic groups",
        "white" => "White",
        "other" => "Other ethnic group",
        "asian_bangladeshi" => "Bangladeshi",
        "asian_chinese" => "Chinese",
        "asian_indian" => "Indian",
        "asian_pakistani" => "Pakistani",
        "asian_other" => "Other Asian",
        "black_african" => "African",
        "black_caribbean" => "Caribbean",
        "black_other" => "Other Black",
        "mixed_white_asian" => "White and Asian",
        "mixed_white_black_african" => "White and Black African",
        "mixed_white_black_caribbean" => "White and Black Caribbean",
        "mixed_other" => "Other Mixed or Multiple ethnic groups",
        "white_british" => "English, Welsh, Scottish, Northern Irish or British",
        "white_irish" => "Irish",
        "white_gypsy_irish_traveller" => "Gypsy or Irish Traveller",
        "white_roma" => "Roma",
        "white_other" => "Other White",
        "other_arab" => "Arab",
        "other_any" => "Any other ethnic group",
        "not_stated" => "Not stated",
        "ethnic_minority" => "Black, Asian and Multi-ethnic",
        "white_minority" => "White minority groups (White other than White British)",
        _ => return None,
    })
}

/// Every code an upload may use: high-level, detailed and `not_stated`.
pub fn upload_codes() -> Vec<&'static str> {
    HIGH_LEVEL.iter().copied().chain(DETAILED.iter().map(|(c, _)| *c)).chain([NOT_STATED]).collect()
}

/// True for a code an upload may use.
pub fn is_upload_code(code: &str) -> bool {
    code == NOT_STATED || HIGH_LEVEL.contains(&code) || parent(code).is_some()
}

/// The high-level parent of a detailed code.
pub fn parent(code: &str) -> Option<&'static str> {
    DETAILED.iter().find(|(c, _)| *c == code).map(|(_, p)| *p)
}

/// The detailed codes of a high-level group.
pub fn children(high_level: &str) -> impl Iterator<Item = &'static str> + '_ {
    DETAILED.iter().filter(move |(_, p)| *p == high_level).map(|(c, _)| *c)
}

/// A group a benchmark can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Group(&'static str);

/// How a reported code relates to a [`Group`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// Every person counted under the code is in the group.
    Inside,
    /// Nobody counted under the code is in the group.
    Outside,
    /// Some are, some are not: the group cannot be counted from this code
    /// (e.g. `black` reported, `black_african` asked for).
    Straddles,
}

impl Group {
    /// Every group, in display order: derived groups, then high-level
    /// groups each followed by their detailed codes, then `not_stated`.
    pub fn all() -> Vec<Group> {
        let mut out = vec![Group(ETHNIC_MINORITY), Group(WHITE_MINORITY)];
        for h in HIGH_LEVEL {
            out.push(Group(h));
            out.extend(children(h).map(Group));
        }
        out.push(Group(NOT_STATED));
        out
    }

    pub fn parse(s: &str) -> Option<Group> {
        Self::all().into_iter().find(|g| g.0 == s)
    }

    pub fn id(self) -> &'static str {
        self.0
    }

    pub fn is_not_stated(self) -> bool {
        self.0 == NOT_STATED
    }

    /// The detailed codes (or `not_stated`) that make up the group.
    pub fn detailed_members(self) -> Vec<&'static str> {
        match self.0 {
            ETHNIC_MINORITY => DETAILED.iter().filter(|(_, p)| *p != "white").map(|(c, _)| *c).collect(),
            WHITE_MINORITY => children("white").filter(|c| *c != "white_british").collect(),
            NOT_STATED => vec![NOT_STATED],
            code if HIGH_LEVEL.contains(&code) => children(code).collect(),
            code => vec![code],
        }
    }

    /// How an uploaded code relates to this group.
    pub fn membership(self, code: &str) -> Membership {
        let members = self.detailed_members();
        let expanded: Vec<&str> = if HIGH_LEVEL.contains(&code) { children(code).collect() } else { vec![code] };
        let inside = expanded.iter().filter(|c| members.contains(c)).count();
        if inside == 0 {
            Membership::Outside
        } else if inside == expanded.len() {
            Membership::Inside
        } else {
            Membership::Straddles
        }
    }

    /// Upload codes counted in the group.
    pub fn inside_codes(self) -> Vec<&'static str> {
        self.codes_with(Membership::Inside)
    }

    /// Upload codes that make the group uncountable for an organisation that used them.
    pub fn straddling_codes(self) -> Vec<&'static str> {
        self.codes_with(Membership::Straddles)
    }

    fn codes_with(self, m: Membership) -> Vec<&'static str> {
        upload_codes().into_iter().filter(|c| self.membership(c) == m).collect()
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_sizes() {
        assert_eq!(upload_codes().len(), 25);
        assert_eq!(Group::all().len(), 27);
        for h in HIGH_LEVEL {
            assert!(children(h).count() >= 2);
        }
    }

    #[test]
    fn memberships() {
        let black = Group::parse("black").unwrap();
        assert_eq!(black.inside_codes(), vec!["black", "black_african", "black_caribbean", "black_other"]);
        assert!(black.straddling_codes().is_empty());

        let african = Group::parse("black_african").unwrap();
        assert_eq!(african.inside_codes(), vec!["black_african"]);
        assert_eq!(african.straddling_codes(), vec!["black"]);

        let em = Group::parse("ethnic_minority").unwrap();
        assert!(em.inside_codes().contains(&"asian"));
        assert!(!em.inside_codes().contains(&"white"));
        assert!(!em.inside_codes().contains(&"not_stated"));
        assert!(em.straddling_codes().is_empty());

        let wm = Group::parse("white_minority").unwrap();
        assert_eq!(wm.straddling_codes(), vec!["white"]);
        assert!(!wm.inside_codes().contains(&"white_british"));
        assert!(wm.inside_codes().contains(&"white_roma"));
    }

    #[test]
    fn upload_code_checks() {
        assert!(is_upload_code("white_roma"));
        assert!(is_upload_code("not_stated"));
        assert!(!is_upload_code("ethnic_minority"));
        assert!(!is_upload_code("bame"));
        assert_eq!(parent("mixed_other"), Some("mixed"));
        assert_eq!(label("ethnic_minority"), Some("Black, Asian and Multi-ethnic"));
    }
}
