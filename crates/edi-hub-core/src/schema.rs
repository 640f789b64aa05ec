//! JSON Schema (draft 2020-12) of each dataset's upload format, generated
//! from the dataset definitions and committed under `schemas/`.

use serde_json::{Map, Value, json};

use crate::dataset::{ColumnDef, Dataset, Role, Rule, ValueKind};
use crate::ethnicity;
use crate::organisation::authorities;

fn column_schema(c: &ColumnDef) -> Value {
    let mut s = match c.kind {
        ValueKind::Ethnicity => json!({"type": "string", "enum": ethnicity::upload_codes()}),
        ValueKind::Code(codes) => json!({"type": "string", "enum": codes}),
        ValueKind::Organisation => json!({
            "type": "string",
            "enum": authorities().iter().map(|a| a.gss.as_str()).collect::<Vec<_>>()
        }),
        ValueKind::PayBand => json!({"type": "integer", "minimum": 1, "maximum": 6}),
        ValueKind::Flag => json!({"type": "boolean"}),
        ValueKind::Count => json!({"type": "integer", "minimum": 0}),
        ValueKind::Decimal => json!({"type": "number", "minimum": 0}),
        ValueKind::Pay => json!({"type": "number", "exclusiveMinimum": 0}),
    };
    if let Value::Object(m) = &mut s {
        m.insert("description".into(), json!(c.description));
        m.insert(
            "x-role".into(),
            json!(match c.role {
                Role::Dimension => "dimension",
                Role::Measure => "measure",
            }),
        );
    }
    s
}

fn rule_text(rule: &Rule) -> String {
    match rule {
        Rule::NotAbove { column, limit } => format!("{column} must not exceed {limit} in a row"),
        Rule::Nested { dimension, stages, measure } => format!(
            "for each combination of the other dimensions, {measure} must not grow along {dimension}: {}",
            stages.join(" >= ")
        ),
    }
}

/// The JSON Schema of one row of the dataset's upload format.
pub fn dataset_schema(dataset: Dataset) -> Value {
    let mut properties = Map::new();
    for c in dataset.columns() {
        properties.insert(c.name.to_string(), column_schema(c));
    }
    let required: Vec<&str> = dataset.columns().iter().filter(|c| c.required).map(|c| c.name).collect();
    let mut rules: Vec<String> = vec![
        "each combination of the dimension columns appears once".into(),
        "an ethnicity code must not appear together with its own high-level parent or detailed child".into(),
    ];
    rules.extend(dataset.rules().iter().map(rule_text));
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("https://edi-hub.london/schemas/{}.json", dataset.name()),
        "title": dataset.title(),
        "description": format!(
            "{} One upload is a CSV (UTF-8, header row) or Parquet file whose rows each match this schema; optional dimension columns may be left out, meaning all.",
            dataset.description()
        ),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
        "x-rules": rules,
    })
}

/// Every dataset's schema with its file name under `schemas/`.
pub fn all_schemas() -> Vec<(String, Value)> {
    Dataset::ALL.iter().map(|d| (format!("{}.json", d.name()), dataset_schema(*d))).collect()
}
