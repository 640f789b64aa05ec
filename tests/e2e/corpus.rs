//! The committed corpus of malformed and hostile files (`tests/corpus/`):
//! every one gets a 4xx with a problem document, never a 5xx, and nothing is
//! stored; then a valid file sent the same way is stored (so a route that
//! refuses everything cannot pass). `write_corpus` (ignored) regenerates the
//! files.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int32Array, Int64Array, ListArray, StringArray, StructArray};
use arrow::datatypes::{DataType, Field, Int32Type};

use crate::fixtures;
use crate::support::{PARQUET, TestHub, all_submissions, parquet_of};

const ROUTE: &str = "/api/v1/submissions/E09000009/workforce/2025-Q1";

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// PUTs a file to [`ROUTE`], typed by its name (`.parquet`, `.gz`, else CSV).
async fn upload(hub: &TestHub, token: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let mut request = hub
        .client
        .put(hub.url(ROUTE))
        .bearer_auth(token)
        .header("content-type", if name.contains(".parquet") { PARQUET } else { "text/csv" });
    if name.ends_with(".gz") {
        request = request.header("content-encoding", "gzip");
    }
    request.body(bytes).send().await.unwrap()
}

#[tokio::test]
async fn every_corpus_file_is_refused_cleanly() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000009").await;
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 10, "the corpus is committed");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let r = upload(&hub, &token, &name, bytes).await;
        let status = r.status().as_u16();
        assert!((400..500).contains(&status), "{name}: {status}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{name}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["detail"].is_string(), "{name}");
    }
    assert_eq!(hub.data_files(), 0);

    // Positive control: a valid file, same route, same token, same request.
    let r = upload(&hub, &token, "valid.csv", fixtures::WORKFORCE.as_bytes().to_vec()).await;
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, 201, "the valid control file was refused: {body}");
    assert_eq!(body["rows"], 4, "{body}");
    assert_eq!(hub.data_files(), 1);
    let list = all_submissions(&hub.client, &hub.base, &hub.steward().await).await;
    let stored = list["submissions"].as_array().unwrap();
    assert_eq!(stored.len(), 1, "{list}");
    assert_eq!(stored[0]["id"], body["id"]);
    assert_eq!(stored[0]["organisation"], "E09000009");
    assert_eq!(stored[0]["dataset"], "workforce");
    assert_eq!(stored[0]["period"], "2025-Q1");
    assert_eq!(stored[0]["status"], "current");
}

fn write(name: &str, bytes: &[u8]) {
    std::fs::write(corpus_dir().join(name), bytes).unwrap();
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
#[ignore = "writes tests/corpus; run by hand after changing it"]
fn write_corpus() {
    let good = parquet_of(vec![
        ("ethnicity", Arc::new(StringArray::from(vec!["white", "black"])) as ArrayRef),
        ("headcount", Arc::new(Int32Array::from(vec![10, 20]))),
    ]);
    write("truncated.parquet", &good[..good.len() / 2]);
    write("footer_only.parquet", &good[good.len() - 40..]);
    write("wrong_magic.parquet", b"PK\x03\x04 a zip archive is not a parquet file");
    let mut corrupt = good.clone();
    for b in corrupt.iter_mut().skip(4).take(64) {
        *b = 0x5a;
    }
    write("corrupt_pages.parquet", &corrupt);
    write(
        "wrong_types.parquet",
        &parquet_of(vec![
            ("ethnicity", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
            ("headcount", Arc::new(StringArray::from(vec!["ten", "twenty"]))),
        ]),
    );
    let inner = StructArray::from(vec![(
        Arc::new(Field::new("code", DataType::Utf8, true)),
        Arc::new(StringArray::from(vec!["white", "black"])) as ArrayRef,
    )]);
    let nested = StructArray::from(vec![(
        Arc::new(Field::new("inner", inner.data_type().clone(), true)),
        Arc::new(inner) as ArrayRef,
    )]);
    let lists =
        ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1), Some(2)]), Some(vec![Some(3)])]);
    write(
        "deeply_nested.parquet",
        &parquet_of(vec![("ethnicity", Arc::new(nested) as ArrayRef), ("headcount", Arc::new(lists))]),
    );
    // Three million identical rows compress to a few kilobytes.
    let n = 3_000_000;
    write(
        "row_bomb.parquet",
        &parquet_of(vec![
            ("ethnicity", Arc::new(StringArray::from(vec!["white"; n])) as ArrayRef),
            ("headcount", Arc::new(Int32Array::from(vec![1; n]))),
        ]),
    );
    // 200 MB of zeros in a gzip body of about 200 KB.
    write("decompression_bomb.csv.gz", &gzip(&vec![b'0'; 200 * 1024 * 1024]));
    write("not_gzip.csv.gz", b"ethnicity,headcount\nwhite,1\n");
    write("huge_row.csv", &[b"ethnicity,headcount\n".as_slice(), &vec![b'x'; 2 * 1024 * 1024], b",1\n"].concat());
    let header: Vec<String> = (0..20_000).map(|i| format!("column_{i}")).collect();
    write("thousands_of_columns.csv", format!("{}\n{}\n", header.join(","), vec!["1"; 20_000].join(",")).as_bytes());
    write("invalid_utf8.csv", b"ethnicity,headcount\nwh\xffte,1\n");
    write("binary_noise.csv", &(0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<_>>());
    write("empty.csv", b"");
    write("header_only.csv", "\u{feff}ethnicity,headcount\r\n".as_bytes());
    write("unbalanced_quotes.csv", b"ethnicity,headcount\n\"white,1\nblack,2\n");
}
