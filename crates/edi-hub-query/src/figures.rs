//! The unredacted figures of a query: each dataset's sums per organisation
//! and period, the metric's DataFusion expressions evaluated over the
//! tables held in memory, with what each release's protected pattern
//! withholds.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::DFSchema;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::{Expr, SessionContext};
use edi_hub_core::benchmark::{Figure, Withheld};
use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::Pattern;
use edi_hub_core::metrics::{MetricDef, Params, SumDef};
use edi_hub_core::{Organisation, Period};
use edi_hub_store::{Snapshot, SubmissionRecord};

use crate::engine::Engine;
use crate::plan;
use crate::sources::{LoadedRelease, Source};
use crate::tables::{GroupKey, Table, TableKey, held_schema};
use crate::{Error, Result};

/// Per organisation and period: each sum, whether rows matched the filters,
/// and whether the group can be counted from the codes reported.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sums {
    pub(crate) values: Vec<f64>,
    pub(crate) matched: bool,
    pub(crate) countable: bool,
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
                // Only the latest release is shown; the one before it only
                // tells whether a figure was revised.
                let l = match source {
                    Source::Released => self.served_release(release).await?,
                    _ => self.releases.of(&self.store, release).await?,
                };
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
        // A trend's quarters are built at once when none is in memory.
        futures::future::try_join_all(wanted.into_iter().map(|(key, paths)| self.tables.get(&self.store, key, paths)))
            .await
    }

    /// Runs the inputs (all over one dataset) per organisation and period
    /// (per organisation alone for `population`): the metric's terms,
    /// planned by DataFusion once per query, evaluated over each table in
    /// memory and summed per group.
    async fn sums(
        &self,
        snapshot: &Snapshot,
        dataset: Dataset,
        inputs: &[SumDef],
        params: &Params,
        periods: &[Period],
        source: Source,
    ) -> Result<HashMap<GroupKey, Sums>> {
        let tables = self.tables_of(snapshot, dataset, periods, source).await?;
        if tables.is_empty() {
            return Ok(HashMap::new());
        }
        let planned = Planned::new(&self.ctx, dataset, &plan::terms(dataset, inputs, params)?)?;
        let mut out = HashMap::new();
        for table in &tables {
            sum_terms(table, &planned, inputs.len(), &mut out)?;
        }
        Ok(out)
    }
}

/// A query's terms, planned: each term's condition on the ethnicity code
/// (over a table's distinct codes) and the pass over the rows it reads
/// (terms with the same other conditions and value share one pass).
pub(crate) struct Planned {
    /// Per pass: the conditions on the other columns, and the value.
    passes: Vec<(Arc<dyn PhysicalExpr>, Arc<dyn PhysicalExpr>)>,
    /// Per term: its pass, and its condition on the code.
    terms: Vec<(usize, Arc<dyn PhysicalExpr>)>,
    codes: SchemaRef,
}

impl Planned {
    pub(crate) fn new(ctx: &SessionContext, dataset: Dataset, terms: &[plan::Term]) -> Result<Planned> {
        let rows = DFSchema::try_from(held_schema(dataset))?;
        let codes: SchemaRef = Arc::new(Schema::new(vec![Field::new("ethnicity", DataType::Utf8, true)]));
        let codes_schema = DFSchema::try_from(codes.clone())?;
        let mut seen: Vec<(&Expr, &Expr)> = Vec::new();
        let mut passes = Vec::new();
        let mut planned = Vec::with_capacity(terms.len());
        for t in terms {
            let pass = match seen.iter().position(|(f, v)| **f == t.filter && **v == t.value) {
                Some(p) => p,
                None => {
                    seen.push((&t.filter, &t.value));
                    passes.push((
                        ctx.create_physical_expr(t.filter.clone(), &rows)?,
                        ctx.create_physical_expr(t.value.clone(), &rows)?,
                    ));
                    passes.len() - 1
                }
            };
            planned.push((pass, ctx.create_physical_expr(t.who.clone(), &codes_schema)?));
        }
        Ok(Planned { passes, terms: planned, codes })
    }
}

/// The rows a condition selects (a null condition selects nothing).
fn selected(condition: &Arc<dyn PhysicalExpr>, batch: &RecordBatch) -> Result<BooleanBuffer> {
    let selected = condition.evaluate(batch)?.into_array(batch.num_rows())?;
    let selected = selected.as_boolean_opt().ok_or_else(|| Error::Layout("a condition is not true or false".into()))?;
    Ok(match selected.nulls() {
        Some(nulls) => selected.values() & nulls.inner(),
        None => selected.values().clone(),
    })
}

/// Adds up each term per group of `table` into `out`: the first `n` terms
/// are the inputs' values, then the matching and straddling rows. Each
/// pass sums its value per group and ethnicity code (a row's cell) over
/// the rows its conditions select; a term then adds up the codes its
/// condition on the code selects.
pub(crate) fn sum_terms(table: &Table, planned: &Planned, n: usize, out: &mut HashMap<GroupKey, Sums>) -> Result<()> {
    let width = table.codes.len();
    let codes = RecordBatch::try_new(planned.codes.clone(), vec![table.codes.clone()])
        .map_err(|e| Error::Layout(e.to_string()))?;
    let groups = table.groups.len();
    // Every pass is some term's.
    let per_code = planned
        .passes
        .iter()
        .map(|(filter, value)| pass_sums(table, filter, value, groups * width))
        .collect::<Result<Vec<_>>>()?;
    let mut totals = vec![vec![0.0f64; groups]; planned.terms.len()];
    for ((pass, who), total) in planned.terms.iter().zip(totals.iter_mut()) {
        let sums = &per_code[*pass];
        let chosen = selected(who, &codes)?;
        for (g, total) in total.iter_mut().enumerate() {
            *total = chosen.set_indices().map(|k| sums[g * width + k]).sum();
        }
    }
    for (g, key) in table.groups.iter().enumerate() {
        let sums = out.entry(*key).or_insert_with(|| Sums { values: vec![0.0; n], matched: false, countable: true });
        for (i, value) in sums.values.iter_mut().enumerate() {
            *value += totals[i][g];
        }
        sums.matched |= totals[n][g] > 0.0;
        sums.countable &= totals[n + 1][g] == 0.0;
    }
    Ok(())
}

/// One pass: `value` summed per cell over the rows `filter` selects (as
/// SQL's SUM: a null value adds nothing).
fn pass_sums(
    table: &Table,
    filter: &Arc<dyn PhysicalExpr>,
    value: &Arc<dyn PhysicalExpr>,
    cells: usize,
) -> Result<Vec<f64>> {
    let batch = &table.batch;
    let rows = selected(filter, batch)?;
    let count = rows.count_set_bits();
    if count == 0 {
        return Ok(vec![0.0; cells]);
    }
    let all = count == rows.len();
    // A row with no code adds to a cell past the end, dropped below.
    let mut sums = vec![0.0f64; cells + 1];
    let at = |c: u32| (c as usize).min(cells);
    match value.evaluate(batch)? {
        // The same value on every row (e.g. 1 to count rows); a null one adds nothing.
        ColumnarValue::Scalar(v) => {
            let ScalarValue::Float64(Some(v)) = v.cast_to(&DataType::Float64)? else {
                return Ok(vec![0.0; cells]);
            };
            if all {
                table.cell_of_row.iter().for_each(|&c| sums[at(c)] += v);
            } else {
                rows.set_indices().for_each(|r| sums[at(table.cell_of_row[r])] += v);
            }
        }
        ColumnarValue::Array(values) => {
            let values = cast(&values, &DataType::Float64).map_err(|e| Error::Layout(e.to_string()))?;
            let values = values.as_primitive::<Float64Type>();
            if all && values.null_count() == 0 {
                table.cell_of_row.iter().zip(values.values()).for_each(|(&c, &v)| sums[at(c)] += v);
            } else {
                for r in rows.set_indices().filter(|&r| values.is_valid(r)) {
                    sums[at(table.cell_of_row[r])] += values.value(r);
                }
            }
        }
    }
    sums.truncate(cells);
    Ok(sums)
}
