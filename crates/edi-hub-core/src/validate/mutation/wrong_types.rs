//! Otherwise valid Parquet files with a column of a wrong type: refused,
//! naming the column.

use std::cell::RefCell;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryArray, BooleanArray, Decimal128Array, Float64Array, Int32Array, ListArray, StringArray,
};
use arrow::datatypes::Int32Type;
use proptest::prelude::*;

use super::judge::{Outcome, Tally, check_case, finish, run, runner};
use super::shapes::{column_array, shapes, write_parquet};
use super::source::{file_columns, max_rows};
use crate::dataset::{Dataset, ValueKind};
use crate::validate::UploadFormat;

/// Wrong physical types for a kind of column (the spec: counts any integer
/// type, pay bands integers, flags booleans, codes strings, pay float or
/// decimal).
fn wrong_types(kind: ValueKind, rows: usize) -> Vec<(&'static str, ArrayRef)> {
    let n = |k: usize| (0..rows).map(|i| (i + k) as i32).collect::<Vec<_>>();
    let text: ArrayRef = Arc::new(StringArray::from((0..rows).map(|i| (i + 1).to_string()).collect::<Vec<_>>()));
    let float: ArrayRef = Arc::new(Float64Array::from(n(1).into_iter().map(f64::from).collect::<Vec<_>>()));
    let decimal: ArrayRef = Arc::new(
        Decimal128Array::from(n(1).into_iter().map(|x| i128::from(x) * 100).collect::<Vec<_>>())
            .with_precision_and_scale(10, 2)
            .unwrap(),
    );
    let boolean: ArrayRef = Arc::new(BooleanArray::from((0..rows).map(|i| i.is_multiple_of(2)).collect::<Vec<_>>()));
    let binary: ArrayRef =
        Arc::new(BinaryArray::from_iter_values((0..rows).map(|i| format!("{}", i + 1).into_bytes())));
    let list: ArrayRef =
        Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>((0..rows).map(|i| Some(vec![Some(i as i32 + 1)]))));
    let int: ArrayRef = Arc::new(Int32Array::from(n(1)));
    match kind {
        ValueKind::Count => vec![
            ("string", text),
            ("float", float),
            ("decimal", decimal),
            ("bool", boolean),
            ("binary", binary),
            ("list", list),
        ],
        ValueKind::Pay | ValueKind::Decimal => {
            vec![("string", text), ("bool", boolean), ("binary", binary), ("list", list)]
        }
        ValueKind::Flag => vec![("int", int), ("float", float), ("binary", binary)],
        ValueKind::PayBand => vec![("float", float), ("decimal", decimal), ("bool", boolean), ("list", list)],
        ValueKind::Ethnicity | ValueKind::Code(_) | ValueKind::Organisation => {
            vec![("int", int), ("float", float), ("bool", boolean), ("binary", binary), ("list", list)]
        }
    }
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Ethnicity | ValueKind::Code(_) | ValueKind::Organisation => "code",
        ValueKind::PayBand => "pay band",
        ValueKind::Flag => "flag",
        ValueKind::Count => "count",
        ValueKind::Decimal => "fte",
        ValueKind::Pay => "pay",
    }
}

#[test]
fn wrong_column_types_are_refused_naming_the_column() {
    let tally = RefCell::new(Tally::default());
    let mut runner = runner(1);
    let shapes = shapes();
    let result = runner.run(&Just(()), |()| {
        for d in Dataset::ALL {
            for (s, shape) in shapes.iter().enumerate().filter(|(s, _)| [0, 1, 4].contains(s)) {
                let rows = shape.rows.min(max_rows(d, shape.optional));
                let defs = file_columns(d, true);
                for wrong in &defs {
                    for (type_name, array) in wrong_types(wrong.kind, rows) {
                        let columns = defs
                            .iter()
                            .map(|def| {
                                let a = if def.name == wrong.name {
                                    array.clone()
                                } else {
                                    column_array(d, def, rows, shape)
                                };
                                (def.name, a)
                            })
                            .collect();
                        let bytes = write_parquet(columns, shape);
                        let (outcome, _) = run(d, UploadFormat::Parquet, bytes.clone());
                        let named = matches!(&outcome, Outcome::Done(Err(ps))
                            if ps.iter().any(|p| p.column.as_deref() == Some(wrong.name)));
                        prop_assert!(named, "{d} shape {s}: {} as {type_name} is not refused naming it", wrong.name);
                        let kind = format!("{} as {type_name}", kind_name(wrong.kind));
                        check_case(&tally, &kind, d, UploadFormat::Parquet, bytes, true, None)?;
                    }
                }
            }
        }
        Ok(())
    });
    finish(result, &tally, "wrong_column_types_are_refused_naming_the_column");
}
