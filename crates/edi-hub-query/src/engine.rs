//! The query engine: one `SessionContext` for the process, with the hub's
//! object store registered, answering benchmark requests.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::options::ParquetReadOptions;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext, col};
use edi_hub_core::benchmark::{Figure, Row, Withheld, assemble};
use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::Pattern;
use edi_hub_core::disclosure::{Policy, Viewer};
use edi_hub_core::metrics::{MetricDef, Params, SumDef};
use edi_hub_core::table::stored_schema;
use edi_hub_core::{Organisation, Period};
use edi_hub_store::{Snapshot, Store, SubmissionRecord};
use url::Url;

use crate::cache::{AnswerCache, Lookup, QueryKey};
use crate::patterns::Patterns;
use crate::plan::{self, MATCHED, STRADDLING};
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
    /// The ledger generation the answer was computed from.
    pub generation: u64,
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
        Ok(Engine { ctx, store, policy, cache: AnswerCache::new(caching), patterns: Patterns::new(policy) })
    }

    pub fn policy(&self) -> Policy {
        self.policy
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
        let figures = match self.cache.figures(generation, &key)? {
            Some(f) => f,
            None => {
                let f = Arc::new(self.figures(&snapshot, request.metric, &request.params, &request.periods).await?);
                self.cache.store_figures(generation, key.clone(), f.clone())?;
                f
            }
        };
        let rows = assemble(request.metric, &figures, &request.periods, request.viewer, self.policy);
        let answer = Arc::new(Answer {
            metric: request.metric,
            params: request.params.clone(),
            periods: request.periods.clone(),
            rows,
            generation,
        });
        self.cache.store_answer(generation, key, request.viewer, answer.clone())?;
        Ok((answer, Lookup::Miss))
    }

    /// Computes the protected pattern of a submission just stored (its
    /// Parquet file in hand), so no answer waits for it.
    pub async fn protect(&self, record: &SubmissionRecord, parquet: Bytes) -> Result<Arc<Pattern>> {
        self.patterns.compute(record, parquet).await
    }

    /// Computes the protected pattern of every current submission not yet known.
    pub async fn warm(&self) -> Result<usize> {
        let snapshot = self.store.snapshot();
        let mut computed = 0;
        for record in snapshot.current().filter(|r| r.dataset != Dataset::Population) {
            if !self.patterns.knows(&record.id) {
                self.pattern(record).await?;
                computed += 1;
            }
        }
        Ok(computed)
    }

    /// The protected pattern of a stored submission.
    pub async fn pattern(&self, record: &SubmissionRecord) -> Result<Arc<Pattern>> {
        self.patterns.of(&self.store, record).await
    }

    /// Runs only the DataFusion aggregations of a metric (no assembly,
    /// redaction or caching): the baseline the benchmark compares with.
    pub async fn raw_figures(&self, metric: &MetricDef, params: &Params, periods: &[Period]) -> Result<usize> {
        Ok(self.figures(&self.store.snapshot(), metric, params, periods).await?.len())
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
            let sums = self.sums(snapshot, dataset, &subset, params, periods).await?;
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
                let hidden = self.hidden(snapshot, &inputs, params, organisation, period).await?;
                out.push(Figure { organisation, period, inputs: x, hidden, release: None, revised: false });
            }
        }
        out.sort_by_key(|f| (f.period, f.organisation));
        Ok(out)
    }

    /// Per input of `metric`: whether the protected pattern of the
    /// organisation's submission withholds it from other viewers.
    async fn hidden(
        &self,
        snapshot: &Snapshot,
        inputs: &[SumDef],
        params: &Params,
        organisation: Organisation,
        period: Period,
    ) -> Result<Withheld> {
        let mut hidden = Vec::with_capacity(inputs.len());
        for input in inputs {
            let pattern = match snapshot.current_of(organisation, input.dataset, period) {
                Some(record) => Some(self.pattern(record).await?),
                None => None,
            };
            hidden.push(Pattern::withholds(pattern.as_deref(), input, params));
        }
        Ok(Withheld::per_input(hidden))
    }

    /// The DataFusion URL of a stored path.
    fn url(&self, path: &str) -> String {
        match self.store.root().1 {
            "" => format!("{STORE_URL}{path}"),
            prefix => format!("{STORE_URL}{prefix}/{path}"),
        }
    }

    /// The current data files of a dataset for some periods, as URLs.
    fn files(&self, snapshot: &Snapshot, dataset: Dataset, periods: &[Period]) -> Vec<String> {
        if dataset == Dataset::Population {
            return snapshot.population.iter().map(|p| self.url(&p.data_path)).collect();
        }
        periods
            .iter()
            .flat_map(|p| snapshot.current_for(dataset, *p).map(|s| self.url(&s.data_path)).collect::<Vec<_>>())
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
    ) -> Result<HashMap<Key, Sums>> {
        let files = self.files(snapshot, dataset, periods);
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
