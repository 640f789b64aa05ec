//! End-to-end tests of the EDI Hub: the real router over HTTP, on a real
//! object store in a temporary directory.

#![allow(clippy::unwrap_used)]

mod auth;
mod benchmarks;
mod cli;
mod corpus;
mod dashboard;
mod disclosure;
mod excel;
mod fixtures;
mod formats;
mod generated;
mod ledger;
mod metric_summaries;
mod metric_values;
mod oidc;
mod operations;
mod process;
mod releases;
mod replicas;
mod report;
mod s3;
mod safety;
mod sign_in;
mod support;
mod targets;
mod tokens;
mod uploads;
mod users;
mod validation;
