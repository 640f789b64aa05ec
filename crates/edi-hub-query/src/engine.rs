//! The query engine: one `SessionContext` for the process, over the tables
//! held in memory, answering benchmark requests.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::prelude::{SessionConfig, SessionContext};
use edi_hub_core::Period;
use edi_hub_core::benchmark::{ExactPools, Figure, Row, Sources, assemble_from};
use edi_hub_core::disclosure::Pattern;
use edi_hub_core::disclosure::{Policy, Viewer};
use edi_hub_core::metrics::{MetricDef, Params};
use edi_hub_store::{PeriodState, ReleaseRecord, Snapshot, Store, SubmissionRecord};

use crate::cache::{AnswerCache, Lookup, QueryKey};
use crate::patterns::Patterns;
use crate::sources::{LoadedRelease, Releases, Source};
use crate::tables::{DEFAULT_BUDGET_MB, TableStats, Tables};
use crate::{Error, Result};

/// A benchmark request, already validated.
#[derive(Debug, Clone)]
pub struct BenchmarkRequest {
    pub metric: &'static MetricDef,
    pub params: Params,
    pub periods: Vec<Period>,
    pub viewer: Viewer,
}

/// A benchmark answer, redacted for its viewer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub metric: &'static MetricDef,
    pub params: Params,
    pub periods: Vec<Period>,
    pub rows: Vec<Row>,
    /// Per period asked: whether it is published, and its latest release.
    pub releases: Vec<PeriodRelease>,
    /// The ledger generation the answer was computed from.
    pub generation: u64,
}

/// Where a period of an answer stands.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodRelease {
    pub period: Period,
    pub state: PeriodState,
    /// The latest release (`None` while the period is collecting).
    pub release: Option<u32>,
    pub published_at: Option<DateTime<Utc>>,
}

/// Answers benchmark queries over the store's current submissions.
pub struct Engine {
    pub(crate) ctx: SessionContext,
    pub(crate) store: Arc<Store>,
    policy: Policy,
    cache: AnswerCache,
    patterns: Patterns,
    pub(crate) releases: Releases,
    /// The data read by queries, held in memory.
    pub(crate) tables: Tables,
    /// Summary rows use the exact pooled sums releases show (off only to
    /// compare with pooling the shown members alone, in the benchmark).
    exact_pools: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("store", &self.store).field("policy", &self.policy).finish()
    }
}

impl Engine {
    /// An engine over `store`; `caching` keeps answers until the ledger
    /// changes. Tables in memory get the default budget.
    pub fn new(store: Arc<Store>, policy: Policy, caching: bool) -> Result<Engine> {
        // Queries aggregate a few thousand to a few hundred thousand rows
        // already in memory: one partition, no repartitioning.
        let config = SessionConfig::new().with_target_partitions(1).with_information_schema(false);
        let ctx = SessionContext::new_with_config(config);
        Ok(Engine {
            ctx,
            store,
            policy,
            cache: AnswerCache::new(caching),
            patterns: Patterns::new(policy),
            releases: Releases::default(),
            tables: Tables::new(DEFAULT_BUDGET_MB * 1024 * 1024),
            exact_pools: true,
        })
    }

    /// The engine with `bytes` as the budget of tables held in memory.
    pub fn with_table_budget(mut self, bytes: usize) -> Engine {
        self.tables = Tables::new(bytes);
        self
    }

    /// How the tables in memory stand.
    pub fn table_stats(&self) -> Result<TableStats> {
        self.tables.stats()
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The pattern of `release` to serve: only one protected under the
    /// hub's own smallest count (a hub restarted with another `--min-count`
    /// serves nothing of a quarter until it is released again).
    pub(crate) async fn served_release(&self, release: &ReleaseRecord) -> Result<Arc<LoadedRelease>> {
        let loaded = self.releases.of(&self.store, release).await?;
        if loaded.pattern.min_count != self.policy.min_count {
            return Err(Error::ReleasePolicy {
                period: release.period,
                release: release.release,
                protected: loaded.pattern.min_count,
                serving: self.policy.min_count,
            });
        }
        Ok(loaded)
    }

    /// An engine whose summary rows pool only the members whose figures
    /// are shown (as before releases worked out pooled sums): for comparison.
    pub fn pooling_shown_members_only(mut self) -> Engine {
        self.exact_pools = false;
        self
    }

    /// The store answers are read from.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The ledger generation answers are computed from now.
    pub fn generation(&self) -> u64 {
        self.store.snapshot().generation
    }

    /// Answers one benchmark request (from the cache when the ledger has not
    /// changed since the same question was answered for the same viewer class).
    ///
    /// The whole answer reads one immutable ledger snapshot: the data files,
    /// the protected patterns of exactly those submissions, and the cache
    /// key's generation all come from it, so an upload landing meanwhile can
    /// never pair one submission's values with another's pattern.
    pub async fn benchmark(&self, request: &BenchmarkRequest) -> Result<(Arc<Answer>, Lookup)> {
        let snapshot = self.store.snapshot();
        let generation = snapshot.generation;
        let key: QueryKey = (request.metric.id, request.params.clone(), request.periods.clone());
        if let Some(answer) = self.cache.answer(generation, &key, request.viewer)? {
            return Ok((answer, Lookup::Hit));
        }
        let (metric, params, periods) = (request.metric, &request.params, &request.periods);
        let released = self.released_figures(&snapshot, &key).await?;
        let current = match request.viewer {
            Viewer::Public => Vec::new(),
            _ => self.current_figures(&snapshot, &key, &released).await?,
        };
        let mut exact = ExactPools::none(params);
        for &period in periods {
            if let Some(release) = Source::Released.release(&snapshot, period).filter(|_| self.exact_pools) {
                let loaded = self.served_release(release).await?;
                for input in metric.inputs() {
                    exact.insert(period, Arc::new(loaded.pattern.pooled(input.dataset)));
                }
            }
        }
        let shown: Vec<Figure> = match request.viewer {
            Viewer::Public => released.clone(),
            Viewer::Member(own) => released
                .iter()
                .filter(|f| f.organisation != own)
                .chain(current.iter().filter(|f| f.organisation == own))
                .cloned()
                .collect(),
            Viewer::Steward => current.clone(),
        };
        let pooled = if request.viewer.is_steward() { &current } else { &released };
        let sources = Sources { shown: &shown, pooled, exact: &exact };
        let rows = assemble_from(metric, sources, periods, request.viewer, self.policy);
        let answer = Arc::new(Answer {
            metric,
            params: params.clone(),
            periods: periods.clone(),
            rows,
            releases: periods.iter().map(|p| period_release(&snapshot, *p)).collect(),
            generation,
        });
        self.cache.store_answer(generation, key, request.viewer, answer.clone())?;
        Ok((answer, Lookup::Miss))
    }

    /// The figures of each period's latest release, each marked revised
    /// when it differs from the release before (where there is one).
    async fn released_figures(&self, snapshot: &Snapshot, key: &QueryKey) -> Result<Vec<Figure>> {
        let mut released = (*self.cached_figures(snapshot, key, Source::Released).await?).clone();
        if key.2.iter().any(|p| Source::Previous.release(snapshot, *p).is_some()) {
            let previous = self.cached_figures(snapshot, key, Source::Previous).await?;
            for f in &mut released {
                if Source::Previous.release(snapshot, f.period).is_some() {
                    f.revised = find(&previous, f).is_none_or(|p| p.inputs != f.inputs);
                }
            }
        }
        Ok(released)
    }

    /// The current figures, each marked revised when it differs from the
    /// latest release's (or, when it is the released one, as that is).
    async fn current_figures(&self, snapshot: &Snapshot, key: &QueryKey, released: &[Figure]) -> Result<Vec<Figure>> {
        let mut current = (*self.cached_figures(snapshot, key, Source::Current).await?).clone();
        for f in &mut current {
            f.revised = match (f.release, find(released, f)) {
                (Some(_), Some(r)) => r.revised,
                (None, Some(r)) => r.inputs != f.inputs,
                (_, None) => false,
            };
        }
        Ok(current)
    }

    /// The unredacted figures of a query from one source, cached per ledger generation.
    async fn cached_figures(&self, snapshot: &Snapshot, key: &QueryKey, source: Source) -> Result<Arc<Vec<Figure>>> {
        if let Some(f) = self.cache.figures(snapshot.generation, key, source)? {
            return Ok(f);
        }
        let metric = MetricDef::find(key.0).ok_or_else(|| Error::Layout(format!("no metric {}", key.0)))?;
        let f = Arc::new(self.figures(snapshot, metric, &key.1, &key.2, source).await?);
        self.cache.store_figures(snapshot.generation, key.clone(), source, f.clone())?;
        Ok(f)
    }

    /// The protected pattern of a stored submission.
    pub async fn pattern(&self, record: &SubmissionRecord) -> Result<Arc<Pattern>> {
        self.patterns.of(&self.store, record).await
    }

    /// Runs only the DataFusion aggregations of a metric (no assembly,
    /// redaction or caching): the baseline the benchmark compares with.
    pub async fn raw_figures(&self, metric: &MetricDef, params: &Params, periods: &[Period]) -> Result<usize> {
        Ok(self.figures(&self.store.snapshot(), metric, params, periods, Source::Current).await?.len())
    }
}

/// The figure of the same organisation and period in `all`.
fn find<'a>(all: &'a [Figure], f: &Figure) -> Option<&'a Figure> {
    all.iter().find(|g| g.organisation == f.organisation && g.period == f.period)
}

/// Where a period stands, as an answer reports it.
fn period_release(snapshot: &Snapshot, period: Period) -> PeriodRelease {
    let latest = snapshot.period(period).and_then(|p| p.latest());
    PeriodRelease {
        period,
        state: if latest.is_some() { PeriodState::Published } else { PeriodState::Collecting },
        release: latest.map(|r| r.release),
        published_at: latest.map(|r| r.published_at),
    }
}
