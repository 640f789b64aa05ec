//! A realistic, clearly synthetic data set: all six datasets for every
//! authority over a run of quarters, plus a synthetic population table.
//! Ethnic mixes resemble London's (more diverse in inner London), minority
//! groups thin out in higher pay bands, some cells are small, a few
//! authorities report only high-level codes or no pay bands. Each file is
//! produced as the CSV a borough would upload, so it goes through the same
//! validation.

use std::fmt::Write;

use edi_hub_core::dataset::{CASE_TYPES, Dataset, EVENTS, QUESTIONS};
use edi_hub_core::ethnicity::{DETAILED, NOT_STATED, parent};
use edi_hub_core::organisation::InnerOuter;
use edi_hub_core::{Organisation, Period};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::scale::{SPLIT_CELLS, Scale, split};

/// London-like workforce weights of each detailed code (the rest not stated).
const MIX: [(&str, f64); 19] = [
    ("asian_bangladeshi", 0.03),
    ("asian_chinese", 0.015),
    ("asian_indian", 0.07),
    ("asian_pakistani", 0.02),
    ("asian_other", 0.03),
    ("black_african", 0.09),
    ("black_caribbean", 0.06),
    ("black_other", 0.02),
    ("mixed_white_asian", 0.01),
    ("mixed_white_black_african", 0.008),
    ("mixed_white_black_caribbean", 0.014),
    ("mixed_other", 0.012),
    ("white_british", 0.40),
    ("white_irish", 0.02),
    ("white_gypsy_irish_traveller", 0.002),
    ("white_roma", 0.003),
    ("white_other", 0.11),
    ("other_arab", 0.01),
    ("other_any", 0.02),
];

/// Share of staff in each pay band, lowest first.
const BANDS: [f64; 6] = [0.22, 0.25, 0.21, 0.15, 0.10, 0.07];
/// How minority groups' presence changes from band 1 to band 6.
const MINORITY_TILT: [f64; 6] = [1.3, 1.15, 1.0, 0.85, 0.7, 0.55];

/// One generated upload.
#[derive(Debug, Clone)]
pub struct DemoFile {
    pub organisation: Organisation,
    pub dataset: Dataset,
    pub period: Period,
    pub csv: String,
}

/// An authority's fixed traits.
struct Profile {
    staff: f64,
    /// Weight of each detailed code (same order as [`MIX`]).
    mix: Vec<f64>,
    not_stated: f64,
    high_level_only: bool,
    pay_bands: bool,
}

fn profile(o: Organisation, rng: &mut StdRng) -> Profile {
    let inner = o.inner_outer() == InnerOuter::Inner;
    let mix = MIX
        .iter()
        .map(|(code, w)| {
            let diversity = if code.starts_with("white") {
                1.0
            } else if inner {
                1.35
            } else {
                0.9
            };
            w * diversity * rng.random_range(0.5..1.5)
        })
        .collect();
    let staff = if o.index() == 0 { 900.0 } else { rng.random_range(1800.0..8000.0) };
    Profile {
        staff,
        mix,
        not_stated: rng.random_range(0.02..0.10),
        high_level_only: o.index() % 7 == 3,
        pay_bands: o.index() % 11 != 5,
    }
}

fn is_minority(code: &str) -> bool {
    !code.starts_with("white") && code != NOT_STATED
}

fn jitter(rng: &mut StdRng, x: f64) -> i64 {
    (x * rng.random_range(0.85..1.15)).round().max(0.0) as i64
}

/// Counts per (code, band) for one quarter: staff by detailed code and pay band.
fn headcounts(p: &Profile, quarter: usize, rng: &mut StdRng) -> Vec<(&'static str, usize, i64)> {
    let total: f64 = p.mix.iter().sum();
    let staff = p.staff * (1.0 + 0.004 * quarter as f64);
    let mut out = Vec::new();
    let codes = MIX.iter().map(|(c, _)| *c).zip(p.mix.iter().copied()).chain([(NOT_STATED, total * p.not_stated)]);
    for (code, weight) in codes {
        let share = weight / (total * (1.0 + p.not_stated));
        let tilt = |b: usize| {
            if is_minority(code) { MINORITY_TILT[b] * (1.0 + 0.01 * quarter as f64 * b as f64 / 5.0) } else { 1.0 }
        };
        let norm: f64 = (0..6).map(|b| BANDS[b] * tilt(b)).sum();
        for (b, band) in BANDS.iter().enumerate() {
            out.push((code, b + 1, jitter(rng, staff * share * band * tilt(b) / norm)));
        }
    }
    out
}

/// The code a row is reported under (high-level only authorities use parents).
fn reported(code: &'static str, p: &Profile) -> &'static str {
    if p.high_level_only { parent(code).unwrap_or(code) } else { code }
}

/// Sums values by a key, keeping first-seen order.
fn grouped<K: PartialEq + Copy>(items: impl IntoIterator<Item = (K, f64)>) -> Vec<(K, f64)> {
    let mut out: Vec<(K, f64)> = Vec::new();
    for (k, v) in items {
        match out.iter_mut().find(|(x, _)| *x == k) {
            Some((_, total)) => *total += v,
            None => out.push((k, v)),
        }
    }
    out
}

fn workforce(p: &Profile, counts: &[(&'static str, usize, i64)], k: usize, rng: &mut StdRng) -> String {
    let by_cell = if k > 1 { "sex,age_band," } else { "" };
    let mut csv = if p.pay_bands {
        format!("ethnicity,pay_band,senior_leadership,top_5_percent,{by_cell}headcount,fte\n")
    } else {
        format!("ethnicity,{by_cell}headcount,fte\n")
    };
    // One line per split cell (just the row itself at London scale).
    let mut line = |prefix: String, count: i64| {
        if k == 1 {
            let _ = writeln!(csv, "{prefix}{count},{:.1}", count as f64 * 0.92);
            return;
        }
        for ((sex, age, _), n) in SPLIT_CELLS.iter().zip(split(count, k)) {
            let _ = writeln!(csv, "{prefix}{sex},{age},{n},{:.1}", n as f64 * 0.92);
        }
    };
    if !p.pay_bands {
        for (code, n) in grouped(counts.iter().map(|(c, _, n)| (reported(c, p), *n as f64))) {
            line(format!("{code},"), n as i64);
        }
        return csv;
    }
    let cells = grouped(counts.iter().map(|(c, b, n)| ((reported(c, p), *b), *n as f64)));
    for ((code, band), n) in cells {
        let n = n as i64;
        let senior_share = match band {
            5 => rng.random_range(0.2..0.4),
            6 => rng.random_range(0.5..0.7),
            _ => 0.0,
        };
        let senior = (n as f64 * senior_share).round() as i64;
        let top = band == 6;
        for (is_senior, count) in [(false, n - senior), (true, senior)] {
            if is_senior && band < 5 {
                continue;
            }
            line(format!("{code},{band},{is_senior},{top},"), count);
        }
    }
    csv
}

fn pay(counts: &[(&'static str, usize, i64)], rng: &mut StdRng) -> String {
    // Pay is reported by high-level group (so each group has a median).
    let mut csv = String::from("ethnicity,headcount,mean_hourly_pay,median_hourly_pay\n");
    let weighted = counts.iter().map(|(c, b, n)| {
        let pay = *n as f64 * (14.0 + 3.2 * *b as f64);
        (parent(c).unwrap_or(*c), (*n as f64, pay))
    });
    let mut totals: Vec<(&str, (f64, f64))> = Vec::new();
    for (code, (n, pay)) in weighted {
        match totals.iter_mut().find(|(c, _)| *c == code) {
            Some((_, t)) => {
                t.0 += n;
                t.1 += pay;
            }
            None => totals.push((code, (n, pay))),
        }
    }
    for (code, (n, pay)) in totals {
        if n <= 0.0 {
            continue;
        }
        let mean = pay / n * rng.random_range(0.98..1.02);
        let _ = writeln!(csv, "{code},{n},{mean:.2},{:.2}", mean * rng.random_range(0.9..0.96));
    }
    csv
}

fn per_code(p: &Profile, counts: &[(&'static str, usize, i64)]) -> Vec<(&'static str, f64)> {
    grouped(counts.iter().map(|(c, _, n)| (reported(c, p), *n as f64)))
}

fn per_code_band(p: &Profile, counts: &[(&'static str, usize, i64)]) -> Vec<((&'static str, usize), f64)> {
    grouped(counts.iter().map(|(c, b, n)| ((reported(c, p), *b), *n as f64)))
}

fn recruitment(p: &Profile, counts: &[(&'static str, usize, i64)], rng: &mut StdRng) -> String {
    let mut csv = String::from("ethnicity,stage,pay_band,count\n");
    for ((code, band), staff) in per_code_band(p, counts) {
        let minority = is_minority(code);
        let applied = jitter(rng, staff * 0.12);
        let shortlisted =
            (applied as f64 * if minority { 0.24 } else { 0.32 } * rng.random_range(0.8..1.2)).round() as i64;
        let appointed =
            (shortlisted as f64 * if minority { 0.26 } else { 0.33 } * rng.random_range(0.8..1.2)).round() as i64;
        for (stage, n) in [
            ("applied", applied),
            ("shortlisted", shortlisted.min(applied)),
            ("appointed", appointed.min(shortlisted).min(applied)),
        ] {
            let _ = writeln!(csv, "{code},{stage},{band},{n}");
        }
    }
    csv
}

fn casework(p: &Profile, counts: &[(&'static str, usize, i64)], rng: &mut StdRng) -> String {
    let mut csv = String::from("ethnicity,case_type,count\n");
    let rates = [0.012, 0.008, 0.006, 0.005, 0.001];
    for (code, staff) in per_code(p, counts) {
        for (case_type, rate) in CASE_TYPES.iter().zip(rates) {
            let uplift = if code.starts_with("black") && *case_type == "disciplinary" { 1.6 } else { 1.0 };
            let _ = writeln!(csv, "{code},{case_type},{}", jitter(rng, staff * rate * uplift));
        }
    }
    csv
}

fn progression(p: &Profile, counts: &[(&'static str, usize, i64)], rng: &mut StdRng) -> String {
    let mut csv = String::from("ethnicity,event,pay_band,count\n");
    let rates = [0.03, 0.015, 0.008, 0.03, 0.03, 0.25, 0.012, 0.015];
    for ((code, band), staff) in per_code_band(p, counts) {
        for (event, rate) in EVENTS.iter().zip(rates) {
            let factor = if is_minority(code) && *event == "promotion" { 0.75 } else { 1.0 };
            let _ = writeln!(csv, "{code},{event},{band},{}", jitter(rng, staff * rate * factor));
        }
    }
    csv
}

fn survey(counts: &[(&'static str, usize, i64)], rng: &mut StdRng) -> String {
    let mut csv = String::from("ethnicity,question,respondents,positive\n");
    // Surveys are reported by high-level group.
    let groups = grouped(counts.iter().map(|(c, _, n)| (parent(c).unwrap_or(*c), *n as f64)));
    for (group, staff) in groups {
        for question in QUESTIONS {
            let respondents = jitter(rng, staff * 0.4);
            let rate = if group == "white" { 0.66 } else { 0.55 } * rng.random_range(0.9..1.1);
            let positive = ((respondents as f64 * rate).round() as i64).min(respondents);
            let _ = writeln!(csv, "{group},{question},{respondents},{positive}");
        }
    }
    csv
}

/// Every upload of the data set: each authority, each dataset, each period.
pub fn submissions(periods: &[Period], seed: u64) -> Vec<DemoFile> {
    Organisation::all().flat_map(|o| organisation_files(o, periods, seed, Scale::London)).collect()
}

/// One authority's uploads: each dataset, each period, at `scale`.
pub fn organisation_files(o: Organisation, periods: &[Period], seed: u64, scale: Scale) -> Vec<DemoFile> {
    let mut out = Vec::with_capacity(periods.len() * 6);
    let mut rng = StdRng::seed_from_u64(seed ^ (o.index() as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let p = profile(o, &mut rng);
    let k = scale.workforce_split(o);
    for (q, &period) in periods.iter().enumerate() {
        let counts = headcounts(&p, q, &mut rng);
        let files = [
            (Dataset::Workforce, workforce(&p, &counts, k, &mut rng)),
            (Dataset::Pay, pay(&counts, &mut rng)),
            (Dataset::Recruitment, recruitment(&p, &counts, &mut rng)),
            (Dataset::Casework, casework(&p, &counts, &mut rng)),
            (Dataset::Progression, progression(&p, &counts, &mut rng)),
            (Dataset::Survey, survey(&counts, &mut rng)),
        ];
        out.extend(files.into_iter().map(|(dataset, csv)| DemoFile { organisation: o, dataset, period, csv }));
    }
    out
}

/// A synthetic resident population by detailed code for every authority.
pub fn population(seed: u64) -> String {
    let mut csv = String::from("organisation,ethnicity,residents\n");
    for o in Organisation::all() {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(o.index() as u64 * 7919));
        let residents = if o.index() == 0 { 8_600.0 } else { rng.random_range(150_000.0..390_000.0) };
        let p = profile(o, &mut rng);
        let total: f64 = p.mix.iter().sum();
        for ((code, _), w) in DETAILED.iter().zip(p.mix.iter()) {
            let resident_weight = if is_minority(code) { w * 1.15 } else { *w };
            let _ = writeln!(csv, "{},{code},{}", o.code(), jitter(&mut rng, residents * resident_weight / total));
        }
    }
    csv
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use edi_hub_core::validate::{Limits, UploadFormat, validate};

    use super::*;

    #[test]
    fn every_generated_file_is_valid() {
        let periods: Vec<Period> = "2025-Q1".parse::<Period>().unwrap().range_to("2025-Q2".parse().unwrap());
        let files = submissions(&periods, 7);
        assert_eq!(files.len(), 33 * 2 * 6);
        for f in &files {
            let r = validate(f.dataset, UploadFormat::Csv, Bytes::from(f.csv.clone()), &Limits::default());
            assert!(r.is_ok(), "{} {} {}: {:?}", f.organisation, f.dataset, f.period, r.err());
        }
        // National volume: every workforce row split by sex and age band, the totals unchanged.
        let total = |csv: &str| -> i64 {
            let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
            let at = header.iter().position(|c| *c == "headcount").unwrap();
            csv.lines().skip(1).map(|l| l.split(',').nth(at).unwrap().parse::<i64>().unwrap()).sum()
        };
        let o: Organisation = "E09000001".parse().unwrap();
        let (london, national) =
            (organisation_files(o, &periods, 7, Scale::London), organisation_files(o, &periods, 7, Scale::National));
        assert_eq!(Organisation::all().map(|o| Scale::National.workforce_split(o)).sum::<usize>(), 350);
        for (l, n) in london.iter().zip(&national).filter(|(l, _)| l.dataset == Dataset::Workforce) {
            assert_eq!(n.csv.lines().count() - 1, (l.csv.lines().count() - 1) * 11);
            assert_eq!(total(&l.csv), total(&n.csv));
            let r = validate(n.dataset, UploadFormat::Csv, Bytes::from(n.csv.clone()), &Limits::default());
            assert!(r.is_ok(), "{:?}", r.err());
        }
        assert_eq!(split(7, 10).iter().sum::<i64>(), 7);
        let pop = validate(Dataset::Population, UploadFormat::Csv, Bytes::from(population(7)), &Limits::default());
        assert_eq!(pop.unwrap().rows, 33 * 19);
    }
}
