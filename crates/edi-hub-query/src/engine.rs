//! The query engine: one `SessionContext` for the process, with the hub's
//! object store registered, answering benchmark requests.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::options::ParquetReadOptions;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext, col};
use edi_hub_core::benchmark::{ExactPools, Figure, Row, Sources, Withheld, assemble_from};
use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::Pattern;
use edi_hub_core::disclosure::{Policy, Viewer};
use edi_hub_core::metrics::{MetricDef, Params, SumDef};
use edi_hub_core::table::stored_schema;
use edi_hub_core::{Organisation, Period};
use edi_hub_store::{PeriodState, Snapshot, Store, SubmissionRecord};
use url::Url;

use crate::cache::{AnswerCache, Lookup, QueryKey};
use crate::patterns::Patterns;
use crate::plan::{self, MATCHED, STRADDLING};
use crate::sources::{Releases, Source};
use crate::{Error, Result};

/// Bytes of Parquet footers kept in memory.
const PARQUET_METADATA_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The URL under which the hub's object store is registered with DataFusion.
const STORE_URL: &str = "edihub://store/";

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

/// Per organisation and period: each sum, whether rows matched the filters,
/// and whether the group can be counted from the codes reported.
#[derive(Debug, Clone)]
struct Sums {
    values: Vec<f64>,
    matched: bool,
    countable: bool,
}

/// Answers benchmark queries over the store's current submissions.
pub struct Engine {
    ctx: SessionContext,
    store: Arc<Store>,
    policy: Policy,
    cache: AnswerCache,
    patterns: Patterns,
    pub(crate) releases: Releases,
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
    /// An engine over `store`; `caching` keeps answers until the ledger changes.
    pub fn new(store: Arc<Store>, policy: Policy, caching: bool) -> Result<Engine> {
        let config = SessionConfig::new().with_target_partitions(2).with_information_schema(false);
        // Parquet footers are cached across queries (the files never change).
        let runtime = RuntimeEnvBuilder::new().with_metadata_cache_limit(PARQUET_METADATA_CACHE_BYTES).build_arc()?;
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        let url = Url::parse(STORE_URL).map_err(|e| Error::Layout(e.to_string()))?;
        // PrefixStore names objects inconsistently (its head() keeps the
        // prefix), so DataFusion reads through the unprefixed store.
        let (root, _) = store.root();
        ctx.register_object_store(&url, root);
        Ok(Engine {
            ctx,
            store,
            policy,
            cache: AnswerCache::new(caching),
            patterns: Patterns::new(policy),
            releases: Releases::default(),
            exact_pools: true,
        })
    }

    pub fn policy(&self) -> Policy {
        self.policy
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
                let loaded = self.releases.of(&self.store, release).await?;
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

    /// Unredacted inputs of every organisation with data in `periods`: an
    /// organisation is left out when a dataset the metric needs has no rows
    /// matching the filters, or reports the group at a level it cannot be
    /// counted from.
    pub(crate) async fn figures(
        &self,
        snapshot: &Snapshot,
        metric: &MetricDef,
        params: &Params,
        periods: &[Period],
        source: Source,
    ) -> Result<Vec<Figure>> {
        let inputs = metric.inputs();
        let mut datasets: Vec<(Dataset, Vec<usize>)> = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            match datasets.iter_mut().find(|(d, _)| *d == input.dataset) {
                Some((_, indices)) => indices.push(i),
                None => datasets.push((input.dataset, vec![i])),
            }
        }
        let mut results = Vec::with_capacity(datasets.len());
        for (dataset, indices) in datasets {
            let subset: Vec<SumDef> = indices.iter().map(|&i| inputs[i]).collect();
            let sums = self.sums(snapshot, dataset, &subset, params, periods, source).await?;
            results.push((dataset, indices, sums));
        }
        let Some((_, _, primary)) = results.iter().find(|(d, _, _)| *d != Dataset::Population) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for &(organisation, period) in primary.keys() {
            let Some(period) = period else { continue };
            let mut x = vec![0.0; inputs.len()];
            let complete = results.iter().all(|(dataset, indices, sums)| {
                let key = (organisation, (*dataset != Dataset::Population).then_some(period));
                match sums.get(&key) {
                    Some(s) if s.matched && s.countable => {
                        for (j, &i) in indices.iter().enumerate() {
                            x[i] = s.values[j];
                        }
                        true
                    }
                    _ => false,
                }
            });
            if complete {
                let (hidden, release) = self.hidden(snapshot, &inputs, params, organisation, period, source).await?;
                out.push(Figure { organisation, period, inputs: x, hidden, release, revised: false });
            }
        }
        out.sort_by_key(|f| (f.period, f.organisation));
        Ok(out)
    }

    /// Per input of `metric`: whether the release's protected pattern of
    /// the organisation's submission withholds it from other viewers (every
    /// input, for current data: only its owner and stewards see it); and the
    /// release the figure comes from (for current data: the latest release
    /// when it holds exactly the current submissions read, else none).
    async fn hidden(
        &self,
        snapshot: &Snapshot,
        inputs: &[SumDef],
        params: &Params,
        organisation: Organisation,
        period: Period,
        source: Source,
    ) -> Result<(Withheld, Option<u32>)> {
        let everything = Withheld::per_input(vec![true; inputs.len()]);
        if source == Source::Current {
            let Some(latest) = Source::Released.release(snapshot, period) else { return Ok((everything, None)) };
            let released = inputs.iter().filter(|i| i.dataset != Dataset::Population).all(|i| {
                snapshot.current_of(organisation, i.dataset, period).is_some_and(|r| latest.submissions.contains(&r.id))
            });
            return Ok((everything, released.then_some(latest.release)));
        }
        let Some(release) = source.release(snapshot, period) else { return Ok((everything, None)) };
        let loaded = self.releases.of(&self.store, release).await?;
        let mut hidden = Vec::with_capacity(inputs.len());
        for input in inputs {
            let pattern =
                source.submission(snapshot, organisation, input.dataset, period).and_then(|r| loaded.table(&r.id));
            hidden.push(Pattern::withholds(pattern, input, params));
        }
        Ok((Withheld::per_input(hidden), Some(release.release)))
    }

    /// The DataFusion URL of a stored path.
    fn url(&self, path: &str) -> String {
        match self.store.root().1 {
            "" => format!("{STORE_URL}{path}"),
            prefix => format!("{STORE_URL}{prefix}/{path}"),
        }
    }

    /// The data files a source reads of a dataset for some periods, as URLs.
    fn files(&self, snapshot: &Snapshot, dataset: Dataset, periods: &[Period], source: Source) -> Vec<String> {
        if dataset == Dataset::Population {
            return snapshot.population.iter().map(|p| self.url(&p.data_path)).collect();
        }
        periods
            .iter()
            .flat_map(|p| source.submissions(snapshot, dataset, *p).into_iter().map(|s| self.url(&s.data_path)))
            .collect()
    }

    /// Runs the inputs (all over one dataset) per organisation and period
    /// (per organisation alone for `population`).
    async fn sums(
        &self,
        snapshot: &Snapshot,
        dataset: Dataset,
        inputs: &[SumDef],
        params: &Params,
        periods: &[Period],
        source: Source,
    ) -> Result<HashMap<Key, Sums>> {
        let files = self.files(snapshot, dataset, periods, source);
        if files.is_empty() {
            return Ok(HashMap::new());
        }
        let schema = stored_schema(dataset);
        let options = ParquetReadOptions::default().schema(&schema);
        let df = self.ctx.read_parquet(files, options).await?;
        let aggregates = plan::aggregates(dataset, inputs, params)?;
        let mut keys = vec![col("organisation")];
        if dataset != Dataset::Population {
            keys.push(col("period"));
        }
        let batches = df.aggregate(keys, aggregates)?.collect().await?;
        let mut out = HashMap::new();
        for batch in &batches {
            read_sums(batch, inputs.len(), &mut out)?;
        }
        Ok(out)
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

/// An organisation and, except for `population`, a period.
type Key = (Organisation, Option<Period>);

fn read_sums(batch: &RecordBatch, n: usize, out: &mut HashMap<Key, Sums>) -> Result<()> {
    let text = |name: &str| -> Result<Vec<String>> {
        let c = batch.column_by_name(name).ok_or_else(|| Error::Layout(format!("no column {name}")))?;
        let c = cast(c, &DataType::Utf8).map_err(|e| Error::Layout(e.to_string()))?;
        let a = c.as_string::<i32>();
        Ok((0..a.len()).map(|i| a.value(i).to_string()).collect())
    };
    let ints = |name: &str| -> Result<Vec<i64>> {
        let c = batch.column_by_name(name).ok_or_else(|| Error::Layout(format!("no column {name}")))?;
        let a = c.as_primitive_opt::<Int64Type>().ok_or_else(|| Error::Layout(format!("{name} is not Int64")))?;
        Ok((0..a.len()).map(|i| if a.is_null(i) { 0 } else { a.value(i) }).collect())
    };
    let organisations = text("organisation")?;
    let periods = if batch.column_by_name("period").is_some() { Some(text("period")?) } else { None };
    let matched = ints(MATCHED)?;
    let straddling = ints(STRADDLING)?;
    let mut sums = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("sum_{i}");
        let c = batch.column_by_name(&name).ok_or_else(|| Error::Layout(format!("no column {name}")))?;
        let a = c.as_primitive_opt::<Float64Type>().ok_or_else(|| Error::Layout(format!("{name} is not Float64")))?;
        sums.push((0..a.len()).map(|r| if a.is_null(r) { 0.0 } else { a.value(r) }).collect::<Vec<f64>>());
    }
    for r in 0..batch.num_rows() {
        let organisation =
            organisations[r].parse().map_err(|_| Error::Layout(format!("bad organisation {}", organisations[r])))?;
        let period = match &periods {
            Some(p) => Some(p[r].parse().map_err(|_| Error::Layout(format!("bad period {}", p[r])))?),
            None => None,
        };
        out.insert(
            (organisation, period),
            Sums {
                values: sums.iter().map(|s| s[r]).collect(),
                matched: matched[r] > 0,
                countable: straddling[r] == 0,
            },
        );
    }
    Ok(())
}
