//! The unredacted figures of a query: each dataset's sums per organisation
//! and period, aggregated by DataFusion over the tables held in memory,
//! with what each release's protected pattern withholds.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::col;
use edi_hub_core::benchmark::{Figure, Withheld};
use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::Pattern;
use edi_hub_core::metrics::{MetricDef, Params, SumDef};
use edi_hub_core::table::stored_schema;
use edi_hub_core::{Organisation, Period};
use edi_hub_store::{Snapshot, SubmissionRecord};

use crate::engine::Engine;
use crate::plan::{self, MATCHED, STRADDLING};
use crate::sources::{LoadedRelease, Source};
use crate::tables::{Table, TableKey};
use crate::{Error, Result};

/// Per organisation and period: each sum, whether rows matched the filters,
/// and whether the group can be counted from the codes reported.
#[derive(Debug, Clone)]
struct Sums {
    values: Vec<f64>,
    matched: bool,
    countable: bool,
}

/// What one query has looked up of its source so far: each period's
/// release pattern and each dataset and period's submissions read (looked
/// up once per query, not once per organisation).
#[derive(Default)]
struct Read<'s> {
    releases: HashMap<Period, Arc<LoadedRelease>>,
    submissions: HashMap<(Dataset, Period), Vec<&'s SubmissionRecord>>,
}

impl Engine {
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
        let mut read = Read::default();
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
                let (hidden, release) =
                    self.hidden(snapshot, &mut read, &inputs, params, organisation, period, source).await?;
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
    #[allow(clippy::too_many_arguments)]
    async fn hidden<'s>(
        &self,
        snapshot: &'s Snapshot,
        read: &mut Read<'s>,
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
        let loaded = match read.releases.get(&period) {
            Some(l) => l.clone(),
            None => {
                let l = self.releases.of(&self.store, release).await?;
                read.releases.insert(period, l.clone());
                l
            }
        };
        let mut hidden = Vec::with_capacity(inputs.len());
        for input in inputs {
            let submissions = read
                .submissions
                .entry((input.dataset, period))
                .or_insert_with(|| source.submissions(snapshot, input.dataset, period));
            let pattern = submissions.iter().find(|r| r.organisation == organisation).and_then(|r| loaded.table(&r.id));
            hidden.push(Pattern::withholds(pattern, input, params));
        }
        Ok((Withheld::per_input(hidden), Some(release.release)))
    }

    /// The tables a source reads of a dataset for some periods (the
    /// population table alone for `population`), built when not in memory.
    async fn tables_of(
        &self,
        snapshot: &Snapshot,
        dataset: Dataset,
        periods: &[Period],
        source: Source,
    ) -> Result<Vec<Arc<Table>>> {
        let mut wanted: Vec<(TableKey, Vec<String>)> = Vec::new();
        if dataset == Dataset::Population {
            if let Some(p) = &snapshot.population {
                let key = TableKey { dataset, period: None, submissions: vec![p.id.clone()] };
                wanted.push((key, vec![p.data_path.clone()]));
            }
        } else {
            for &period in periods {
                let mut read: Vec<(&str, &str)> = source
                    .submissions(snapshot, dataset, period)
                    .into_iter()
                    .map(|s| (s.id.as_str(), s.data_path.as_str()))
                    .collect();
                if read.is_empty() {
                    continue;
                }
                // By id, so every source reading the same submissions shares one table.
                read.sort_unstable();
                let key = TableKey {
                    dataset,
                    period: Some(period),
                    submissions: read.iter().map(|(id, _)| id.to_string()).collect(),
                };
                wanted.push((key, read.iter().map(|(_, path)| path.to_string()).collect()));
            }
        }
        let mut out = Vec::with_capacity(wanted.len());
        for (key, paths) in wanted {
            out.push(self.tables.get(&self.store, key, paths).await?);
        }
        Ok(out)
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
        let tables = self.tables_of(snapshot, dataset, periods, source).await?;
        if tables.is_empty() {
            return Ok(HashMap::new());
        }
        let batches = tables.iter().map(|t| t.batch.clone()).collect();
        let provider = MemTable::try_new(stored_schema(dataset), vec![batches])?;
        let df = self.ctx.read_table(Arc::new(provider))?;
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
