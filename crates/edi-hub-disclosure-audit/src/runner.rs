//! `edi-hub disclosure-audit`: reads every answer the hub gives someone who
//! is neither the data's owner nor a steward about one period (every metric,
//! every parameter value, as the API would answer it), writes what each
//! answer publishes as linear constraints over each organisation's atoms,
//! and solves, by linear programming, for the interval of every sensitive
//! count ([`crate::equations`]). This is the audit of a quarter not yet
//! released (its current submissions, as they would be shown); a released
//! quarter is audited release by release, pooled rows included, by
//! [`crate::release_audit`].

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use edi_hub_core::benchmark::Scope;
use edi_hub_core::disclosure::atoms::Atoms;
use edi_hub_core::disclosure::counts::parameter_combinations;
use edi_hub_core::disclosure::{Policy, Viewer};
use edi_hub_core::metrics::{CATALOGUE, Params, Who};
use edi_hub_core::{Dataset, Organisation, Period};
use edi_hub_query::{BenchmarkRequest, Engine};
use edi_hub_store::{Store, decode_parquet};

use crate::equations::{Equations, Interval, leaks};
use crate::published::{ProtectedSubmission, checks, equations_of_row, supports};

/// The audit of one organisation.
#[derive(Debug, Clone)]
pub struct OrganisationAudit {
    pub organisation: Organisation,
    pub datasets: usize,
    /// Counts withheld as 1 to k-1, and beyond them by secondary suppression.
    pub primary: usize,
    pub secondary: usize,
    /// Publishable counts the organisation's submissions have.
    pub available: usize,
    /// Distinct published numbers about the organisation (equations).
    pub published: usize,
    /// Sensitive counts checked, and those pinned down.
    pub checked: usize,
    pub leaks: Vec<Interval>,
}

/// The audit of a period.
#[derive(Debug, Clone)]
pub struct AuditReport {
    pub period: Period,
    pub policy: Policy,
    pub protection: u32,
    pub answers: usize,
    pub organisations: Vec<OrganisationAudit>,
    pub elapsed: Duration,
    /// Submissions and the time taken to compute their protected patterns.
    pub submissions: usize,
    pub pattern_time: Duration,
    /// Whether answers were read and linear programs solved.
    pub solved: bool,
}

impl AuditReport {
    pub fn passed(&self) -> bool {
        self.organisations.iter().all(|o| o.leaks.is_empty())
    }

    /// A readable report.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Disclosure audit of {} (k = {}, protection {}): {} answers read in {:.1} s; {} protected patterns computed in {:.0} ms ({:.1} ms each)",
            self.period,
            self.policy.min_count,
            self.protection,
            self.answers,
            self.elapsed.as_secs_f64(),
            self.submissions,
            self.pattern_time.as_secs_f64() * 1000.0,
            self.pattern_time.as_secs_f64() * 1000.0 / self.submissions.max(1) as f64
        );
        if !self.solved {
            let _ = writeln!(s, "(counts only: no answers read, no intervals solved)");
        }
        let _ = writeln!(
            s,
            "{:<34} {:>8} {:>9} {:>8} {:>10} {:>10} {:>9} {:>7}",
            "organisation", "datasets", "counts", "primary", "secondary", "published", "checked", "pinned"
        );
        for o in &self.organisations {
            let _ = writeln!(
                s,
                "{:<34} {:>8} {:>9} {:>8} {:>10} {:>10} {:>9} {:>7}",
                format!("{} {}", o.organisation.code(), o.organisation.name()),
                o.datasets,
                o.available,
                o.primary,
                o.secondary,
                o.published,
                o.checked,
                o.leaks.len()
            );
            for l in &o.leaks {
                let _ = writeln!(s, "  {}", l.describe());
            }
        }
        let sum = |f: fn(&OrganisationAudit) -> usize| self.organisations.iter().map(f).sum::<usize>();
        let (available, primary, secondary) = (sum(|o| o.available), sum(|o| o.primary), sum(|o| o.secondary));
        let _ = writeln!(
            s,
            "Total: {available} publishable counts; {primary} withheld as small (primary), {secondary} more withheld to protect them (secondary, {:.1}% of all); {} sensitive counts{}",
            100.0 * secondary as f64 / available.max(1) as f64,
            sum(|o| o.checked),
            if self.solved { format!(" checked, {} pinned", sum(|o| o.leaks.len())) } else { String::new() }
        );
        if self.solved {
            let _ = writeln!(s, "{}", if self.passed() { "PASSED" } else { "FAILED" });
        }
        s
    }
}

/// Audits what the hub over `store` publishes about `period`.
pub async fn audit_period(
    store: Arc<Store>,
    policy: Policy,
    period: Period,
    only: Option<Organisation>,
    protection: u32,
    solve: bool,
) -> anyhow::Result<AuditReport> {
    audit_period_served(store, policy, policy, period, only, protection, solve).await
}

/// [`audit_period`] of answers served under `served` (k as the hub ran),
/// checked against `policy`: with a smaller `served` k the audit must find
/// counts pinned (the end-to-end negative control).
pub async fn audit_period_served(
    store: Arc<Store>,
    served: Policy,
    policy: Policy,
    period: Period,
    only: Option<Organisation>,
    protection: u32,
    solve: bool,
) -> anyhow::Result<AuditReport> {
    let started = Instant::now();
    store.refresh().await.context("reading the submission ledger")?;
    let engine = Engine::new(store.clone(), served, true)?;
    let snapshot = store.snapshot();
    let mut tables: BTreeMap<Organisation, Vec<ProtectedSubmission>> = BTreeMap::new();
    let mut present = HashSet::new();
    let (mut submissions, mut pattern_time) = (0, Duration::ZERO);
    for dataset in Dataset::SUBMITTED {
        for record in snapshot.current_for(dataset, period) {
            if only.is_some_and(|o| o != record.organisation) && !solve {
                continue;
            }
            present.insert(dataset);
            let file = store.read(&record.data_path).await?;
            let batch = decode_parquet(file)?;
            let atoms = Atoms::of(dataset, &batch).map_err(|e| anyhow::anyhow!("{}: {}", record.data_path, e.0))?;
            let timer = Instant::now();
            let pattern = engine.pattern(record).await?;
            pattern_time += timer.elapsed();
            submissions += 1;
            tables
                .entry(record.organisation)
                .or_default()
                .push(ProtectedSubmission { atoms, pattern: (*pattern).clone() });
        }
    }
    let reported = Reported::of(tables.values().flatten());
    let mut equations: BTreeMap<Organisation, Equations> = BTreeMap::new();
    let mut answers = 0;
    for metric in CATALOGUE.iter().filter(|_| solve) {
        if !metric.datasets.iter().all(|d| *d == Dataset::Population || present.contains(d)) {
            continue;
        }
        let by_group = metric.inputs().iter().any(|i| i.who == Who::Group);
        for params in parameter_combinations(metric.params, by_group) {
            if !reported.could_answer(&params) {
                continue;
            }
            let request =
                BenchmarkRequest { metric, params: params.clone(), periods: vec![period], viewer: Viewer::Public };
            let (answer, _) = engine.benchmark(&request).await?;
            answers += 1;
            for row in answer.rows.iter().filter(|r| r.scope == Scope::Organisation) {
                let Some(o) = row.organisation.filter(|o| only.is_none_or(|x| x == *o)) else { continue };
                let Some(t) = tables.get(&o) else { continue };
                let Some(supports) = supports(metric, &params, t) else { continue };
                let published = equations.entry(o).or_default();
                for e in equations_of_row(metric, &supports, row) {
                    published.add(e);
                }
            }
        }
    }
    let mut organisations = Vec::new();
    for (o, t) in &tables {
        if only.is_some_and(|x| x != *o) {
            continue;
        }
        let list = equations.remove(o).unwrap_or_default().list;
        let checks = checks(t, policy);
        let atoms = t.iter().map(|t| t.atoms.atoms.len()).sum();
        let found =
            if solve { leaks(atoms, &list, &checks, protection).with_context(|| o.to_string())? } else { Vec::new() };
        organisations.push(OrganisationAudit {
            organisation: *o,
            datasets: t.len(),
            primary: t.iter().map(|t| t.pattern.primary).sum(),
            secondary: t.iter().map(|t| t.pattern.secondary).sum(),
            available: t.iter().map(|t| t.pattern.available).sum(),
            published: list.len(),
            checked: checks.len(),
            leaks: found,
        });
    }
    Ok(AuditReport {
        period,
        policy,
        protection,
        answers,
        organisations,
        elapsed: started.elapsed(),
        submissions,
        pattern_time,
        solved: solve,
    })
}

/// The codes and dimension values the period's tables hold: a question
/// about anything else has no organisation rows, so it need not be read.
struct Reported {
    codes: HashSet<String>,
    values: HashSet<(&'static str, String)>,
}

impl Reported {
    fn of<'a>(tables: impl Iterator<Item = &'a ProtectedSubmission>) -> Reported {
        let mut codes = HashSet::new();
        let mut values = HashSet::new();
        for t in tables {
            for a in &t.atoms.atoms {
                codes.insert(a.ethnicity.clone());
                for (name, v) in t.atoms.dimensions.iter().zip(&a.dims) {
                    if let Some(v) = v {
                        values.insert((*name, v.clone()));
                    }
                }
            }
        }
        Reported { codes, values }
    }

    fn could_answer(&self, params: &Params) -> bool {
        let group_reported = params
            .group
            .is_none_or(|g| self.codes.iter().any(|c| g.membership(c) != edi_hub_core::ethnicity::Membership::Outside));
        group_reported && params.filters.iter().all(|(n, v)| self.values.contains(&(*n, v.to_string())))
    }
}
