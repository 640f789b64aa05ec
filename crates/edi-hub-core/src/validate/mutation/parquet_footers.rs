//! Parquet files whose footer or pages were made to contradict each other:
//! cases that once made the reader panic or overflow.

use bytes::Bytes;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataReader, ParquetMetaDataWriter, RowGroupMetaData};
use parquet::file::properties::WriterProperties;

use super::corpus::{ParquetBase, parquet_corpus};
use super::judge::{Outcome, run};
use super::shapes::{Shape, column_array, shapes, write_parquet_with};
use super::source::file_columns;
use crate::dataset::Dataset;
use crate::validate::UploadFormat;

/// A dictionary-encoded data page in an integer column chunk that has no
/// dictionary page made the Parquet reader panic ("Decoder for dict should
/// have been set"); the validator refuses the file with a problem saying it
/// is damaged. (For strings the reader returns an error; both are checked.)
#[test]
fn a_dictionary_page_without_its_dictionary_is_a_problem() {
    // Survey: ethnicity, question (strings), respondents, positive (integers).
    let d = Dataset::Survey;
    let shape = Shape { page_rows: 1024, ..shapes()[0].clone() };
    for (with_dictionary, without) in [(2, 3), (0, 1)] {
        let defs = file_columns(d, true);
        let columns = defs.iter().map(|def| (def.name, column_array(d, def, 20, &shape))).collect();
        let props = WriterProperties::builder()
            .set_dictionary_enabled(false)
            .set_column_dictionary_enabled(defs[with_dictionary].name.into(), true)
            .build();
        let mut bytes = write_parquet_with(columns, props, true);
        let meta = ParquetMetaDataReader::new()
            .with_page_index_policy(PageIndexPolicy::Required)
            .parse_and_finish(&Bytes::copy_from_slice(&bytes))
            .unwrap();
        let (source, target) = (meta.row_group(0).column(with_dictionary), meta.row_group(0).column(without));
        assert!(source.dictionary_page_offset().is_some() && target.dictionary_page_offset().is_none());
        // The source chunk's data page (dictionary indices) over the start of
        // the target chunk (plain values, longer).
        let page = &meta.offset_index().unwrap()[0][with_dictionary].page_locations()[0];
        let (from, n) = (page.offset as usize, page.compressed_page_size as usize);
        let to = target.data_page_offset() as usize;
        assert!(n < target.compressed_size() as usize);
        let copied = bytes[from..from + n].to_vec();
        bytes[to..to + n].copy_from_slice(&copied);

        let (outcome, _) = run(d, UploadFormat::Parquet, bytes);
        let Outcome::Done(Err(ps)) = outcome else {
            panic!("the file must be refused with problems, not panic or pass")
        };
        assert!(ps.iter().any(|p| p.row.is_none() && p.message.contains("could not be decoded")), "{ps:?}");
    }
}

/// A footer whose declared column sizes overflow when summed: the sum
/// panicked in debug builds and, wrapping in release builds, could come out
/// small and pass the size limit. Eight chunks of 2^62 bytes wrap to zero.
#[test]
fn declared_sizes_that_overflow_are_refused() {
    let base = parquet_corpus().iter().find(|b| b.dataset == Dataset::Workforce && b.shape == 0).unwrap();
    let bytes = with_row_groups(base, |_, rg| {
        assert_eq!(rg.columns().len(), 9);
        let columns = rg
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let size = if i < 8 { 1_i64 << 62 } else { c.uncompressed_size() };
                c.clone().into_builder().set_total_uncompressed_size(size).build().unwrap()
            })
            .collect();
        rg.into_builder().set_column_metadata(columns).build().unwrap()
    });

    let (outcome, _) = run(Dataset::Workforce, UploadFormat::Parquet, bytes);
    let Outcome::Done(Err(ps)) = outcome else { panic!("the file must be refused with problems, not panic or pass") };
    assert!(ps.iter().any(|p| p.message.contains("the file expands to")), "{ps:?}");
}

/// The footer of a valid file, with its row groups changed by `edit`.
fn with_row_groups(base: &ParquetBase, edit: impl Fn(usize, RowGroupMetaData) -> RowGroupMetaData) -> Vec<u8> {
    let meta = ParquetMetaDataReader::new().parse_and_finish(&Bytes::copy_from_slice(&base.bytes)).unwrap();
    let mut builder = meta.into_builder();
    let groups = builder.take_row_groups().into_iter().enumerate().map(|(i, rg)| edit(i, rg)).collect();
    let meta = builder.set_row_groups(groups).build();
    let mut footer = Vec::new();
    ParquetMetaDataWriter::new(&mut footer, &meta).finish().unwrap();
    [&base.bytes[..base.layout.footer_start], footer.as_slice()].concat()
}

/// A negative row group count overflowed the reader's sum of counts (a
/// panic in debug builds); counts that do not add up, or that disagree with
/// the rows the pages hold, are a damaged file.
#[test]
fn row_group_counts_are_checked() {
    let base = parquet_corpus().iter().find(|b| b.dataset == Dataset::Workforce && b.shape == 1).unwrap();
    let negative = with_row_groups(base, |i, rg| {
        let rows = if i == 0 { -1 } else { rg.num_rows() };
        rg.into_builder().set_num_rows(rows).build().unwrap()
    });
    let (outcome, _) = run(Dataset::Workforce, UploadFormat::Parquet, negative);
    let Outcome::Done(Err(ps)) = outcome else { panic!("the file must be refused with problems, not panic or pass") };
    assert!(ps.iter().any(|p| p.message.contains("row groups do not add up")), "{ps:?}");
    let fewer = with_row_groups(base, |i, rg| {
        let rows = if i == 0 { rg.num_rows() - 1 } else { rg.num_rows() };
        rg.into_builder().set_num_rows(rows).build().unwrap()
    });
    // Counts that add up but disagree with the pages (the reader reads the
    // pages' 40 rows): the file contradicts itself.
    let (outcome, _) = run(Dataset::Workforce, UploadFormat::Parquet, fewer);
    let Outcome::Done(Err(ps)) = outcome else { panic!("the file must be refused with problems, not panic or pass") };
    assert!(ps.iter().any(|p| p.message.contains("declares 39 rows but its pages hold 40")), "{ps:?}");
}
