//! Encoding record batches as Parquet files for the store, and reading them back.

use arrow::compute::concat_batches;
use arrow::record_batch::{RecordBatch, RecordBatchReader};
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::Result;

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
