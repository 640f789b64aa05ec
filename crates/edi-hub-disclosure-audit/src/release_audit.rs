//! `edi-hub disclosure-audit` over a published quarter: every release of it
//! together (what an analyst could have saved from each), read from the
//! store alone (the period's release records, their pattern objects, the
//! data file of every version they show): each organisation's tables over
//! all releases as one linear system ([`crate::releases`]), and every
//! pooled count the releases show ([`crate::pooled`]).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use edi_hub_core::disclosure::atoms::Atoms;
use edi_hub_core::disclosure::{Policy, ReleasePattern};
use edi_hub_core::{Organisation, Period};
use edi_hub_store::{Store, decode_parquet};

use crate::equations::Interval;
use crate::pooled::{PooledAudit, audit_pools};
use crate::releases::{Linked, Shown, Version};

/// The audit of one organisation over the quarter's releases.
#[derive(Debug, Clone)]
pub struct ReleaseOrganisation {
    pub organisation: Organisation,
    /// Tables in the latest release, and versions shown by any release.
    pub datasets: usize,
    pub versions: usize,
    /// Of the latest release's tables: counts they have, withheld as small
    /// (primary) and to protect them (secondary).
    pub available: usize,
    pub primary: usize,
    pub secondary: usize,
    /// Distinct published numbers about the organisation, over all releases.
    pub published: usize,
    /// Sensitive counts of every version checked, and those pinned down.
    pub checked: usize,
    pub leaks: Vec<Interval>,
}

/// The audit of every release of a quarter.
#[derive(Debug, Clone)]
pub struct ReleaseAudit {
    pub period: Period,
    pub policy: Policy,
    pub protection: u32,
    pub releases: Vec<u32>,
    pub organisations: Vec<ReleaseOrganisation>,
    pub pooled: PooledAudit,
    /// Things worth knowing that are not findings.
    pub notes: Vec<String>,
    pub elapsed: Duration,
}

impl ReleaseAudit {
    pub fn passed(&self) -> bool {
        self.pooled.findings.is_empty() && self.organisations.iter().all(|o| o.leaks.is_empty())
    }

    /// A readable report.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let releases: Vec<String> = self.releases.iter().map(u32::to_string).collect();
        let _ = writeln!(
            s,
            "Disclosure audit of {} releases {} together (k = {}, protection {}) in {:.1} s",
            self.period,
            releases.join(", "),
            self.policy.min_count,
            self.protection,
            self.elapsed.as_secs_f64()
        );
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        let _ = writeln!(
            s,
            "{:<34} {:>8} {:>8} {:>9} {:>8} {:>10} {:>10} {:>9} {:>7}",
            "organisation", "datasets", "versions", "counts", "primary", "secondary", "published", "checked", "pinned"
        );
        for o in &self.organisations {
            let _ = writeln!(
                s,
                "{:<34} {:>8} {:>8} {:>9} {:>8} {:>10} {:>10} {:>9} {:>7}",
                format!("{} {}", o.organisation.code(), o.organisation.name()),
                o.datasets,
                o.versions,
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
        let sum = |f: fn(&ReleaseOrganisation) -> usize| self.organisations.iter().map(f).sum::<usize>();
        let _ = writeln!(
            s,
            "Total: {} sensitive counts of {} versions checked, {} pinned",
            sum(|o| o.checked),
            sum(|o| o.versions),
            sum(|o| o.leaks.len())
        );
        let p = &self.pooled;
        let _ = writeln!(
            s,
            "Pooled: {} counts shown exactly, {} more equations from pairs of them; {} member parts ({} blocks), {} bounded by linear programs; {} narrowed and re-checked; {} findings",
            p.shown,
            p.derived,
            p.parts,
            p.blocks,
            p.bounded,
            p.narrowed,
            p.findings.len()
        );
        for f in &p.findings {
            let _ = writeln!(s, "  {f}");
        }
        let _ = writeln!(s, "{}", if self.passed() { "PASSED" } else { "FAILED" });
        s
    }
}

/// Audits every release of `period` in `store` together.
pub async fn audit_releases(
    store: &Store,
    period: Period,
    policy: Policy,
    protection: u32,
) -> anyhow::Result<ReleaseAudit> {
    audit_releases_for(store, period, policy, protection, None).await
}

/// [`audit_releases`], reporting only `only` when given (every
/// organisation's figures are still read: pooled counts involve them all).
pub async fn audit_releases_for(
    store: &Store,
    period: Period,
    policy: Policy,
    protection: u32,
    only: Option<Organisation>,
) -> anyhow::Result<ReleaseAudit> {
    let started = Instant::now();
    let snapshot = store.refresh().await.context("reading the ledgers")?;
    let record = snapshot.period(period).filter(|r| !r.releases.is_empty());
    let record = record.with_context(|| format!("{period} has no release"))?;
    let mut notes = Vec::new();
    let mut patterns = Vec::new();
    for r in &record.releases {
        let what = format!("release {} of {period} ({})", r.release, r.pattern_path);
        let bytes = store.read(&r.pattern_path).await.with_context(|| what.clone())?;
        let pattern: ReleasePattern = serde_json::from_slice(&bytes).with_context(|| what.clone())?;
        if pattern.period != period || pattern.release != r.release {
            bail!("{what}: the pattern object is of release {} of {}", pattern.release, pattern.period);
        }
        if pattern.min_count < policy.min_count {
            notes.push(format!("release {} was protected for k = {}", r.release, pattern.min_count));
        }
        patterns.push(pattern);
    }
    // Per organisation: its versions in the order first shown, and what each release shows.
    let blank: Vec<Shown> = record.releases.iter().map(|r| Shown { release: r.release, tables: Vec::new() }).collect();
    let mut orgs: BTreeMap<Organisation, (Vec<Version>, Vec<Shown>)> = BTreeMap::new();
    let mut version_of: HashMap<String, usize> = HashMap::new();
    for (r, (release, pattern)) in record.releases.iter().zip(&patterns).enumerate() {
        for id in &release.submissions {
            let sub = snapshot.get(id).with_context(|| {
                format!("release {} names submission {id}, which the ledger does not hold", release.release)
            })?;
            let (versions, shown) = orgs.entry(sub.organisation).or_insert_with(|| (Vec::new(), blank.clone()));
            let v = match version_of.get(id) {
                Some(&v) => v,
                None => {
                    let file = store.read(&sub.data_path).await.with_context(|| sub.data_path.clone())?;
                    let batch = decode_parquet(file).with_context(|| sub.data_path.clone())?;
                    let atoms = Atoms::of(sub.dataset, &batch).map_err(|e| anyhow!("{}: {}", sub.data_path, e.0))?;
                    versions.push(Version { submission: id.clone(), atoms });
                    version_of.insert(id.clone(), versions.len() - 1);
                    versions.len() - 1
                }
            };
            match pattern.table(id).filter(|p| p.dataset == sub.dataset) {
                Some(p) => shown[r].tables.push((v, p.clone())),
                None => notes.push(format!(
                    "release {} has no pattern for submission {id}: nothing of it counted as shown",
                    release.release
                )),
            }
        }
    }
    let linked: Vec<Linked> = orgs
        .into_iter()
        .map(|(organisation, (versions, shown))| Linked::new(organisation, period, versions, shown, policy))
        .collect();
    let mut organisations = Vec::new();
    for l in linked.iter().filter(|l| only.is_none_or(|o| o == l.organisation)) {
        let started = Instant::now();
        let leaks = l.leaks(None, protection).with_context(|| l.organisation.to_string())?;
        tracing::info!(
            organisation = %l.organisation,
            checked = l.checks.len(),
            pinned = leaks.len(),
            seconds = started.elapsed().as_secs_f64(),
            "organisation audited"
        );
        let latest = l.releases.last().map(|s| s.tables.as_slice()).unwrap_or_default();
        let sum = |f: fn(&edi_hub_core::disclosure::Pattern) -> usize| latest.iter().map(|t| f(&t.1)).sum();
        organisations.push(ReleaseOrganisation {
            organisation: l.organisation,
            datasets: latest.len(),
            versions: l.versions.len(),
            available: sum(|p| p.available),
            primary: sum(|p| p.primary),
            secondary: sum(|p| p.secondary),
            published: l.equations.len(),
            checked: l.checks.len(),
            leaks,
        });
    }
    let pooled: Vec<(u32, Vec<_>)> = patterns.iter().map(|p| (p.release, p.pooled.clone())).collect();
    let pooled = audit_pools(&linked, &pooled, policy, protection, only).context("pooled counts")?;
    Ok(ReleaseAudit {
        period,
        policy,
        protection,
        releases: record.releases.iter().map(|r| r.release).collect(),
        organisations,
        pooled,
        notes,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
#[path = "release_audit_tests.rs"]
mod tests;
