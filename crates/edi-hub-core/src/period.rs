//! Calendar quarters `YYYY-Qn` (`2025-Q1` = January to March, a snapshot at
//! the quarter's last day).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// A calendar quarter from 2000-Q1 onwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    year: u16,
    quarter: u8,
}

/// Why a period was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("'{0}' is not a quarter in the form YYYY-Qn (for example 2025-Q1)")]
    Format(String),
    #[error("{0} is before 2000-Q1, the earliest quarter the hub holds")]
    TooEarly(Period),
    #[error("{0} is in the future (the latest quarter is {1})")]
    Future(Period, Period),
}

impl Period {
    pub const EARLIEST: Period = Period { year: 2000, quarter: 1 };

    pub fn new(year: u16, quarter: u8) -> Option<Self> {
        (1..=4).contains(&quarter).then_some(Period { year, quarter })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn quarter(self) -> u8 {
        self.quarter
    }

    /// The quarter containing `date`.
    pub fn containing(date: NaiveDate) -> Self {
        Period { year: u16::try_from(date.year()).unwrap_or(u16::MAX), quarter: (date.month0() / 3 + 1) as u8 }
    }

    /// Parses and checks the period lies between 2000-Q1 and `latest`.
    pub fn parse_until(s: &str, latest: Period) -> Result<Self, PeriodError> {
        let p: Period = s.parse()?;
        if p < Self::EARLIEST {
            return Err(PeriodError::TooEarly(p));
        }
        if p > latest {
            return Err(PeriodError::Future(p, latest));
        }
        Ok(p)
    }

    pub fn next(self) -> Self {
        if self.quarter == 4 {
            Period { year: self.year + 1, quarter: 1 }
        } else {
            Period { year: self.year, quarter: self.quarter + 1 }
        }
    }

    pub fn previous(self) -> Self {
        if self.quarter == 1 {
            Period { year: self.year.saturating_sub(1), quarter: 4 }
        } else {
            Period { year: self.year, quarter: self.quarter - 1 }
        }
    }

    /// Every quarter from `self` to `to`, inclusive (empty when `to` is earlier).
    pub fn range_to(self, to: Period) -> Vec<Period> {
        let mut out = Vec::new();
        let mut p = self;
        while p <= to {
            out.push(p);
            p = p.next();
        }
        out
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PeriodError::Format(s.chars().take(40).collect());
        let (y, q) = s.split_once("-Q").ok_or_else(err)?;
        if y.len() != 4 || q.len() != 1 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let year: u16 = y.parse().map_err(|_| err())?;
        let quarter: u8 = q.parse().map_err(|_| err())?;
        Period::new(year, quarter).ok_or_else(err)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.quarter)
    }
}

serde_as_text!(Period);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let p: Period = "2025-Q1".parse().unwrap();
        assert_eq!(p.to_string(), "2025-Q1");
        assert_eq!(p.next().to_string(), "2025-Q2");
        assert_eq!("2024-Q4".parse::<Period>().unwrap().next(), p);
        assert_eq!(p.previous().to_string(), "2024-Q4");
    }

    #[test]
    fn rejects_bad_forms() {
        for bad in ["2025-Q0", "2025-Q5", "2025Q1", "25-Q1", "2025-q1", "2025-Q1 ", "", "+025-Q1", "2025-Q11"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bounds() {
        let latest = Period::new(2026, 4).unwrap();
        assert!(Period::parse_until("1999-Q4", latest).is_err());
        assert!(Period::parse_until("2027-Q1", latest).is_err());
        assert!(Period::parse_until("2000-Q1", latest).is_ok());
        assert!(Period::parse_until("2026-Q4", latest).is_ok());
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(Period::containing(d), latest);
    }

    #[test]
    fn ranges() {
        let a: Period = "2024-Q3".parse().unwrap();
        let b: Period = "2025-Q2".parse().unwrap();
        assert_eq!(a.range_to(b).len(), 4);
        assert!(b.range_to(a).is_empty());
    }
}
