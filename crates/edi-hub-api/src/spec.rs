//! The files generated from the code: the OpenAPI document, the dataset
//! JSON Schemas and the README's access table. `edi-hub spec` writes them;
//! a test checks the committed copies equal them.

use std::path::Path;
use std::sync::Arc;

use edi_hub_store::{Store, StoreLocation};

use crate::app::{App, ServerConfig};

/// Every generated file under the project directory `root` (relative path, content).
pub fn generated_files(root: &Path) -> Vec<(String, String)> {
    let store = Arc::new(Store::open(&StoreLocation::Memory).unwrap_or_else(|e| panic!("in-memory store: {e}")));
    let app = App::new(store, ServerConfig::default()).unwrap_or_else(|e| panic!("query engine: {e}"));
    let spec = crate::handlers::spec(app);
    let mut files =
        vec![("openapi/openapi.json".to_string(), format!("{}\n", spec.to_pretty_json().unwrap_or_default()))];
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
    if let Some(updated) = crate::access::readme_with_table(&readme) {
        files.push(("README.md".to_string(), updated));
    }
    for (name, schema) in edi_hub_core::schema::all_schemas() {
        files.push((
            format!("schemas/{name}"),
            format!("{}\n", serde_json::to_string_pretty(&schema).unwrap_or_default()),
        ));
    }
    files
}

/// Writes the generated files under `root`; returns the paths written.
pub fn write_generated_files(root: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut written = Vec::new();
    for (path, text) in generated_files(root) {
        let target = root.join(&path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&target, text)?;
        written.push(target);
    }
    Ok(written)
}
