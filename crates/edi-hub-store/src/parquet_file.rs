//! Encoding record batches as Parquet files for the store, and reading them back;
//! the stored form of a validated upload and the checksum of its raw bytes.

use arrow::compute::concat_batches;
use arrow::record_batch::{RecordBatch, RecordBatchReader};
use bytes::Bytes;
use edi_hub_core::table::to_record_batch;
use edi_hub_core::validate::ValidTable;
use edi_hub_core::{Organisation, Period};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use sha2::{Digest, Sha256};

use crate::Result;

/// `sha256:<hex>` of an uploaded file's bytes. Derived from the raw file, so
/// it is data: only the submission's organisation and stewards see it.
pub fn checksum(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The stored Parquet file of a validated table; `key` is the submission's
/// organisation and period (`None` for the population table).
pub fn stored_parquet(table: &ValidTable, key: Option<(Organisation, Period)>) -> Result<Bytes> {
    encode_parquet(&to_record_batch(table, key)?)
}

/// One Parquet file (zstd, one row group per 64k rows) holding `batch`.
pub fn encode_parquet(batch: &RecordBatch) -> Result<Bytes> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .set_max_row_group_row_count(Some(65_536))
        .build();
    let mut out = Vec::with_capacity(4096);
    let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), Some(props))?;
    writer.write(batch)?;
    writer.close()?;
    Ok(Bytes::from(out))
}

/// A stored Parquet file as one record batch.
pub fn decode_parquet(file: Bytes) -> Result<RecordBatch> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)?.build()?;
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<RecordBatch>, _>>()?;
    Ok(concat_batches(&schema, &batches)?)
}
