//! Tables held in memory: one per dataset, quarter and exact set of
//! submissions read (and one per population table), as the Arrow record
//! batch of their stored Parquet files. A submission never changes, so
//! neither does a table keyed by the submissions it holds: every snapshot
//! that reads those submissions can use it, whatever the ledger did since,
//! and a snapshot that reads others uses another table. Tables are built on
//! first use (one build at a time per table, however many requests wait for
//! it) and the least recently used are dropped when their total size passes
//! the budget.
//!
//! A table holds its text columns (codes: organisation, period, ethnicity,
//! case type...) as Arrow dictionaries: a condition on a code is evaluated
//! once per distinct code, then spread over the rows by their keys, so it
//! costs no string hashing or comparing per row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, new_null_array};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, UInt16Type};
use datafusion::arrow::record_batch::RecordBatch;
use edi_hub_core::table::stored_schema;
use edi_hub_core::{Dataset, Organisation, Period};
use edi_hub_store::{Store, decode_parquet};
use futures::{StreamExt, TryStreamExt};
use tokio::sync::OnceCell;

use crate::{Error, Result};

/// Data files read at once while building a table.
const READ_CONCURRENCY: usize = 16;

/// The default budget of tables held in memory, in MiB.
pub const DEFAULT_BUDGET_MB: usize = 512;

/// What a table holds: a dataset's submissions of one quarter (the
/// population table: no quarter), by their ids in the order read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableKey {
    pub dataset: Dataset,
    pub period: Option<Period>,
    pub submissions: Vec<String>,
}

/// An organisation and, except for `population`, a period: what a
/// query's sums are grouped by.
pub type GroupKey = (Organisation, Option<Period>);

/// One table in memory: every row of its submissions, in the held layout
/// ([`held_schema`]), with each row's group (read once, when the table is
/// built).
#[derive(Debug)]
pub struct Table {
    pub batch: RecordBatch,
    /// The table's groups, in order of first appearance.
    pub groups: Vec<GroupKey>,
    /// The distinct ethnicity codes of the table (its dictionary's values).
    pub codes: ArrayRef,
    /// Each row's cell: its group's index in `groups` times the number of
    /// `codes`, plus its code's index ([`NO_CELL`] for a row with no code).
    pub cell_of_row: Vec<u32>,
    /// Bytes held by the batch's buffers and the rows' cells.
    pub bytes: usize,
}

#[derive(Debug)]
struct Entry {
    cell: Arc<OnceCell<Arc<Table>>>,
    /// When it was last asked for (a tick of the cache's clock).
    used: u64,
    /// Its size once built and counted (0 while being built).
    bytes: usize,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<TableKey, Entry>,
    bytes: usize,
    tick: u64,
    built: u64,
    evicted: u64,
}

/// How the tables in memory stand, for logs and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStats {
    pub tables: usize,
    pub bytes: usize,
    pub budget: usize,
    pub built: u64,
    pub evicted: u64,
}

/// The tables in memory, within a byte budget.
#[derive(Debug)]
pub struct Tables {
    budget: usize,
    state: Mutex<State>,
}

impl Tables {
    pub fn new(budget: usize) -> Tables {
        Tables { budget, state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        self.state.lock().map_err(|_| Error::Poisoned("the tables in memory"))
    }

    pub fn stats(&self) -> Result<TableStats> {
        let s = self.lock()?;
        Ok(TableStats {
            tables: s.entries.values().filter(|e| e.bytes > 0).count(),
            bytes: s.bytes,
            budget: self.budget,
            built: s.built,
            evicted: s.evicted,
        })
    }

    /// The table of `key`, whose submissions' data files are `paths` (in
    /// the key's order), built from the store when not held.
    pub async fn get(&self, store: &Store, key: TableKey, paths: Vec<String>) -> Result<Arc<Table>> {
        let cell = {
            let mut s = self.lock()?;
            s.tick += 1;
            let tick = s.tick;
            let entry = s.entries.entry(key.clone()).or_insert_with(|| Entry {
                cell: Arc::new(OnceCell::new()),
                used: tick,
                bytes: 0,
            });
            entry.used = tick;
            entry.cell.clone()
        };
        let dataset = key.dataset;
        let built = cell.get_or_try_init(|| build(store, dataset, paths)).await;
        let mut s = self.lock()?;
        let table = match built {
            Ok(table) => table.clone(),
            Err(e) => {
                // Nothing is kept of a table that could not be built: the next request tries again.
                if s.entries.get(&key).is_some_and(|e| Arc::ptr_eq(&e.cell, &cell)) {
                    s.entries.remove(&key);
                }
                return Err(e);
            }
        };
        let fresh = match s.entries.get_mut(&key) {
            Some(e) if Arc::ptr_eq(&e.cell, &cell) && e.bytes == 0 => {
                e.bytes = table.bytes.max(1);
                true
            }
            _ => false,
        };
        if fresh {
            s.built += 1;
            if table.bytes > self.budget {
                // Served to those who asked, not kept: it would push out everything else.
                s.entries.remove(&key);
            } else {
                s.bytes += table.bytes.max(1);
                self.evict(&mut s);
            }
        }
        Ok(table)
    }

    /// Drops the least recently used built tables until the total fits the budget.
    fn evict(&self, s: &mut State) {
        while s.bytes > self.budget {
            let oldest =
                s.entries.iter().filter(|(_, e)| e.bytes > 0).min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone());
            let Some(key) = oldest else { break };
            if let Some(e) = s.entries.remove(&key) {
                s.bytes -= e.bytes;
                s.evicted += 1;
            }
        }
    }
}

/// Reads and decodes the data files of one table.
async fn build(store: &Store, dataset: Dataset, paths: Vec<String>) -> Result<Arc<Table>> {
    let files: Vec<(usize, bytes::Bytes)> = futures::stream::iter(paths.into_iter().enumerate())
        .map(|(i, path)| async move { Ok::<_, Error>((i, store.read(&path).await?)) })
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    tokio::task::spawn_blocking(move || decode(dataset, files))
        .await
        .map_err(|e| Error::Layout(format!("building a table stopped: {e}")))?
}

fn decode(dataset: Dataset, mut files: Vec<(usize, bytes::Bytes)>) -> Result<Arc<Table>> {
    files.sort_by_key(|(i, _)| *i);
    let schema = stored_schema(dataset);
    let mut batches = Vec::with_capacity(files.len());
    for (_, file) in files {
        batches.push(conform(&decode_parquet(file)?, &schema)?);
    }
    let batch = concat_batches(&schema, &batches).map_err(|e| Error::Layout(e.to_string()))?;
    Table::new(&batch, dataset).map(Arc::new)
}

impl Table {
    /// The table of `batch`, a dataset's rows in the stored layout.
    pub(crate) fn new(batch: &RecordBatch, dataset: Dataset) -> Result<Table> {
        let (groups, group_of_row) = groups(batch)?;
        let batch = held(batch, dataset)?;
        let ethnicity = batch
            .column_by_name("ethnicity")
            .and_then(|c| c.as_dictionary_opt::<UInt16Type>())
            .ok_or_else(|| Error::Layout("a table has no ethnicity codes".into()))?;
        let codes = ethnicity.values().clone();
        let width = codes.len() as u32;
        if u64::from(width) * groups.len() as u64 >= u64::from(NO_CELL) {
            return Err(Error::Layout("a table has too many groups and codes".into()));
        }
        let keys = ethnicity.keys();
        let cell_of_row = group_of_row
            .iter()
            .enumerate()
            .map(|(r, g)| if keys.is_valid(r) { g * width + u32::from(keys.value(r)) } else { NO_CELL })
            .collect::<Vec<u32>>();
        let bytes = batch.get_array_memory_size() + cell_of_row.len() * 4;
        Ok(Table { batch, groups, codes, cell_of_row, bytes })
    }
}

/// The cell of a row with no ethnicity code: in no sum.
pub const NO_CELL: u32 = u32::MAX;

/// Each row's organisation and period (none for `population`), as a list
/// of groups and each row's index in it.
fn groups(batch: &RecordBatch) -> Result<(Vec<GroupKey>, Vec<u32>)> {
    let text = |name: &str| -> Result<Option<ArrayRef>> {
        match batch.column_by_name(name) {
            None => Ok(None),
            Some(c) => cast(c, &DataType::Utf8).map(Some).map_err(|e| Error::Layout(e.to_string())),
        }
    };
    let organisations = text("organisation")?.ok_or_else(|| Error::Layout("no column organisation".into()))?;
    let organisations = organisations.as_string::<i32>();
    let periods = text("period")?;
    let periods = periods.as_ref().map(|p| p.as_string::<i32>());
    let mut groups: Vec<GroupKey> = Vec::new();
    let mut index: HashMap<(&str, Option<&str>), u32> = HashMap::new();
    let mut rows = Vec::with_capacity(batch.num_rows());
    for r in 0..batch.num_rows() {
        if organisations.is_null(r) || periods.is_some_and(|p| p.is_null(r)) {
            return Err(Error::Layout("a stored row has no organisation or period".into()));
        }
        let text = (organisations.value(r), periods.map(|p| p.value(r)));
        let g = match index.get(&text) {
            Some(g) => *g,
            None => {
                let organisation = text.0.parse().map_err(|_| Error::Layout(format!("bad organisation {}", text.0)))?;
                let period = match text.1 {
                    Some(p) => Some(p.parse().map_err(|_| Error::Layout(format!("bad period {p}")))?),
                    None => None,
                };
                groups.push((organisation, period));
                let g = (groups.len() - 1) as u32;
                index.insert(text, g);
                g
            }
        };
        rows.push(g);
    }
    Ok((groups, rows))
}

/// The key type of a text column held as a dictionary (a dataset's codes
/// number a few dozen; the organisation codes and periods of a table fewer
/// than 65,536).
const KEY: DataType = DataType::UInt16;

/// The layout of a dataset's tables in memory: the stored schema with each
/// text column an Arrow dictionary of it. Conditions are planned on it.
pub fn held_schema(dataset: Dataset) -> SchemaRef {
    let stored = stored_schema(dataset);
    let fields: Vec<Field> = stored
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 => {
                Field::new(f.name(), DataType::Dictionary(Box::new(KEY), Box::new(DataType::Utf8)), f.is_nullable())
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// A batch in the stored layout, in the held layout.
fn held(batch: &RecordBatch, dataset: Dataset) -> Result<RecordBatch> {
    let schema = held_schema(dataset);
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| cast(c, f.data_type()).map_err(|e| Error::Layout(format!("column {}: {e}", f.name()))))
        .collect::<Result<Vec<_>>>()?;
    RecordBatch::try_new(schema, columns).map_err(|e| Error::Layout(e.to_string()))
}

/// A stored file's batch in the dataset's stored schema: columns by name,
/// cast where the file's type differs; an absent optional column is null
/// (meaning "all"), an absent required one an error.
fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let column = match batch.column_by_name(field.name()) {
            Some(c) if c.data_type() == field.data_type() => c.clone(),
            Some(c) => {
                cast(c, field.data_type()).map_err(|e| Error::Layout(format!("column {}: {e}", field.name())))?
            }
            None if field.is_nullable() => new_null_array(field.data_type(), batch.num_rows()),
            None => return Err(Error::Layout(format!("a stored file has no column {}", field.name()))),
        };
        columns.push(column);
    }
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| Error::Layout(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize) -> TableKey {
        TableKey { dataset: Dataset::Casework, period: None, submissions: vec![n.to_string()] }
    }

    #[tokio::test]
    async fn the_least_recently_used_tables_go_first() {
        let store = Store::open(&edi_hub_store::StoreLocation::Memory).unwrap();
        let csv = "ethnicity,case_type,count\nwhite_british,disciplinary,12\nblack_african,disciplinary,3\n";
        let table = edi_hub_core::validate::validate(
            Dataset::Casework,
            edi_hub_core::validate::UploadFormat::Csv,
            bytes::Bytes::from(csv),
            &Default::default(),
        )
        .unwrap();
        let key_of = Some(("E09000001".parse().unwrap(), "2025-Q1".parse().unwrap()));
        let parquet = edi_hub_store::stored_parquet(&table, key_of).unwrap();
        let objects = store.objects();
        object_store::ObjectStoreExt::put(&*objects, &"t.parquet".into(), parquet.into()).await.unwrap();
        let one = Tables::new(usize::MAX).get(&store, key(0), vec!["t.parquet".into()]).await.unwrap();
        assert_eq!(one.batch.num_rows(), 2);
        // Room for two tables.
        let tables = Tables::new(one.bytes * 2);
        for n in [1, 2, 1, 3] {
            tables.get(&store, key(n), vec!["t.parquet".into()]).await.unwrap();
        }
        let (mut held, counted) = {
            let s = tables.state.lock().unwrap();
            let held: Vec<String> = s.entries.keys().map(|k| k.submissions[0].clone()).collect();
            (held, (s.built, s.evicted))
        };
        held.sort();
        assert_eq!(held, ["1", "3"], "2 was the least recently used");
        assert_eq!(counted, (3, 1));
        assert!(tables.stats().unwrap().bytes <= one.bytes * 2);
        // A table larger than the whole budget is served, not kept.
        let tiny = Tables::new(1);
        assert_eq!(tiny.get(&store, key(4), vec!["t.parquet".into()]).await.unwrap().batch.num_rows(), 2);
        assert_eq!(tiny.stats().unwrap().tables, 0);
        // A table that cannot be built is an error, and nothing is kept of it.
        assert!(tiny.get(&store, key(5), vec!["missing.parquet".into()]).await.is_err());
        assert!(tiny.state.lock().unwrap().entries.is_empty());
    }
}
