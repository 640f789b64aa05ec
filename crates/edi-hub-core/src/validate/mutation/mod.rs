//! Hostile files that reach the decoders. Random bytes never get past the
//! Parquet marker, so these tests start from valid files of every dataset,
//! written in several physical shapes (plain and dictionary strings, every
//! integer width, float and decimal pay, several row groups and pages, no
//! compression, snappy, zstd, gzip and lz4, both data page versions, with
//! and without the Arrow schema in the footer), and damage them: bytes
//! flipped in pages and in the footer (at random, and every footer and page
//! header byte in turn), truncation at every section boundary (with and
//! without the marker or the footer put back), a wrong footer length, pages
//! copied over or into other pages (of the same file or of a file of another
//! shape). CSV files get flipped bytes, rows and quotes cut short, NUL and
//! invalid UTF-8, a repeated header, other delimiters and line endings; and
//! otherwise valid Parquet files get a column of a wrong type. Excel
//! workbooks get bytes flipped and cut short in the package, and damaged or
//! hostile XML in their parts; and a workbook of random values is judged as
//! the same table saved as CSV.
//!
//! Every outcome must be a table whose every row passes the dataset's rules
//! (checked here independently of the validator) or a non-empty list of
//! problems, within a time bound and without a panic; a truncated Parquet
//! file is never accepted. Each test prints (with `--nocapture`) how far its
//! cases got: refused at the marker, at the footer, by the size limits, in
//! page decoding, or with the pages decoded (refused for columns or values,
//! or accepted), and every reader panic the validator caught.
//!
//! - [`source`]: the values of valid files; [`shapes`]: the physical
//!   shapes of valid Parquet files; [`corpus`]: every dataset in every
//!   shape, and where each file's sections are;
//! - [`judge`]: runs the validator on a case and judges what it did;
//! - [`parquet_sweeps`], [`parquet_footers`], [`parquet_damage`]: Parquet
//!   files cut short, flipped byte by byte, contradicting themselves, and
//!   damaged at random; [`wrong_types`]: a column of a wrong type;
//!   [`csv_damage`]: damaged CSV files; [`xlsx_damage`]: damaged workbooks;
//!   [`xlsx_values`]: workbooks judged as their CSV.

mod corpus;
mod csv_damage;
mod judge;
mod parquet_damage;
mod parquet_footers;
mod parquet_sweeps;
mod shapes;
mod source;
mod wrong_types;
mod xlsx_damage;
mod xlsx_values;
