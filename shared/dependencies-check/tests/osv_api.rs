//! The OSV API client against a local HTTP server that speaks the OSV batch format: the batch
//! query, the records by id, the cache and its time to live, pagination, timeouts and errors.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use validator_bundled::FolderCache;
use validator_dependencies::{AdvisoryLimits, AdvisorySource, OsvApi, PackageQuery};

/// How the fake server answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Normal,
    /// Waits longer than the client's timeout.
    Slow,
    /// HTTP 500 on every request.
    Failing,
    /// One result fewer than queries.
    WrongCount,
    /// The first result announces a second page.
    Paged,
}

struct Server {
    url: String,
    /// Every request: method, path and body.
    log: Arc<Mutex<Vec<(String, String, String)>>>,
}

fn fixture_json(id: &str) -> Option<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/advisories");
    for sub in ["pypa/requests", "pypa/aiohttp", "pypa/py", "pypa/gdal"] {
        let path = root.join(sub).join(format!("{id}.yaml"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            let value: serde_json::Value = serde_yaml_ng::from_str(&text).expect("yaml");
            return Some(value.to_string());
        }
    }
    std::fs::read_to_string(root.join("synthetic").join(format!("{id}.json"))).ok()
}

fn answer_batch(body: &str, mode: Mode) -> String {
    let request: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    let queries = request["queries"].as_array().cloned().unwrap_or_default();
    let mut results: Vec<serde_json::Value> = queries
        .iter()
        .map(|q| {
            let name = q["package"]["name"].as_str().unwrap_or("");
            assert_eq!(q["package"]["ecosystem"], "PyPI");
            let version = q.get("version").and_then(|v| v.as_str());
            let ids: Vec<&str> = match (name, version) {
                ("requests", Some("2.7.0")) => {
                    vec!["PYSEC-2018-28", "PYSEC-2023-74", "GHSA-j8r2-6x86-q33q"]
                }
                // A name without a version: everything about the name, malicious or not.
                ("qgis-totally-fake-helper", None) => vec!["MAL-2099-0001", "PYSEC-2018-28"],
                _ => vec![],
            };
            if ids.is_empty() {
                serde_json::json!({})
            } else {
                serde_json::json!({
                    "vulns": ids.iter().map(|id| serde_json::json!({"id": id, "modified": "2024-01-01T00:00:00Z"})).collect::<Vec<_>>()
                })
            }
        })
        .collect();
    if mode == Mode::WrongCount {
        results.pop();
    }
    if mode == Mode::Paged {
        results[0]["next_page_token"] = serde_json::json!("page-2");
        results[0]["vulns"] = serde_json::json!([{"id": "PYSEC-2018-28"}]);
    }
    serde_json::json!({ "results": results }).to_string()
}

fn serve(mode: Mode) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = header.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let body = String::from_utf8_lossy(&body).into_owned();
            let mut parts = first.split_whitespace();
            let method = parts.next().unwrap_or("").to_owned();
            let path = parts.next().unwrap_or("").to_owned();
            seen.lock()
                .expect("log")
                .push((method.clone(), path.clone(), body.clone()));
            let (status, answer) = match mode {
                Mode::Slow => {
                    std::thread::sleep(Duration::from_secs(3));
                    (200, "{}".to_owned())
                }
                Mode::Failing => (500, "{\"error\": \"internal\"}".to_owned()),
                _ if path == "/v1/querybatch" => (200, answer_batch(&body, mode)),
                _ if path == "/v1/query" => (
                    200,
                    serde_json::json!({"vulns": [{"id": "PYSEC-2023-74"}]}).to_string(),
                ),
                _ => match path.strip_prefix("/v1/vulns/").and_then(fixture_json) {
                    Some(json) => (200, json),
                    None => (
                        404,
                        "{\"code\": 5, \"message\": \"Bug not found.\"}".to_owned(),
                    ),
                },
            };
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    Server { url, log }
}

fn limits() -> AdvisoryLimits {
    AdvisoryLimits {
        timeout: Duration::from_secs(1),
        ..AdvisoryLimits::default()
    }
}

fn queries() -> Vec<PackageQuery> {
    vec![
        PackageQuery {
            name: "requests".into(),
            version: Some("2.7.0".into()),
        },
        PackageQuery {
            name: "qgis-totally-fake-helper".into(),
            version: None,
        },
        PackageQuery {
            name: "six".into(),
            version: Some("1.16.0".into()),
        },
    ]
}

fn ids(answer: &validator_dependencies::Lookup) -> Vec<String> {
    let mut ids: Vec<String> = answer
        .as_ref()
        .expect("answered")
        .iter()
        .map(|r| r.id.clone())
        .collect();
    ids.sort();
    ids
}

#[test]
fn one_batch_query_then_each_record_once_then_the_cache() {
    let server = serve(Mode::Normal);
    let cache_dir = tempfile::tempdir().expect("tmp");
    let api = OsvApi::new(&server.url, limits()).with_cache(FolderCache::new(cache_dir.path()));
    let answers = api.lookup(&queries());
    assert_eq!(answers.len(), 3);
    assert_eq!(
        ids(&answers[0]),
        ["GHSA-j8r2-6x86-q33q", "PYSEC-2018-28", "PYSEC-2023-74"]
    );
    // Without a version only malicious-package records are fetched.
    assert_eq!(ids(&answers[1]), ["MAL-2099-0001"]);
    assert!(ids(&answers[2]).is_empty());
    {
        let log = server.log.lock().expect("log");
        let batches: Vec<&(String, String, String)> = log
            .iter()
            .filter(|(_, p, _)| p == "/v1/querybatch")
            .collect();
        assert_eq!(batches.len(), 1, "one batch for every dependency");
        assert_eq!(batches[0].0, "POST");
        let body: serde_json::Value = serde_json::from_str(&batches[0].2).expect("json");
        assert_eq!(
            body["queries"][1],
            serde_json::json!({"package": {"name": "qgis-totally-fake-helper", "ecosystem": "PyPI"}})
        );
        assert_eq!(body["queries"][0]["version"], "2.7.0");
        let records = log
            .iter()
            .filter(|(m, p, _)| m == "GET" && p.starts_with("/v1/vulns/"))
            .count();
        assert_eq!(records, 4, "each record once: {log:?}");
    }
    // A second client on the same cache asks nothing.
    let before = server.log.lock().expect("log").len();
    let again = OsvApi::new(&server.url, limits()).with_cache(FolderCache::new(cache_dir.path()));
    let answers = again.lookup(&queries());
    assert_eq!(ids(&answers[1]), ["MAL-2099-0001"]);
    assert_eq!(server.log.lock().expect("log").len(), before);
    // An expired cache asks again.
    let expired = OsvApi::new(
        &server.url,
        AdvisoryLimits {
            cache_ttl: Duration::ZERO,
            ..limits()
        },
    )
    .with_cache(FolderCache::new(cache_dir.path()));
    expired.lookup(&queries());
    assert!(server.log.lock().expect("log").len() > before);
}

#[test]
fn a_timeout_is_an_answer_for_nobody_and_is_not_cached() {
    let server = serve(Mode::Slow);
    let cache_dir = tempfile::tempdir().expect("tmp");
    let api = OsvApi::new(&server.url, limits()).with_cache(FolderCache::new(cache_dir.path()));
    let answers = api.lookup(&queries());
    assert!(answers.iter().all(|a| a.is_err()), "{answers:?}");
    let reason = answers[0].as_ref().expect_err("failed");
    assert!(reason.contains("OSV API"), "{reason}");
    assert_eq!(
        std::fs::read_dir(cache_dir.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "failures are not cached"
    );
}

#[test]
fn server_errors_and_malformed_answers_fail_each_query() {
    let failing = OsvApi::new(&serve(Mode::Failing).url, limits());
    let answers = failing.lookup(&queries());
    let reason = answers[0].as_ref().expect_err("failed");
    assert!(reason.contains("HTTP status 500"), "{reason}");
    assert!(!reason.contains("http://"), "no URL in reports: {reason}");
    let wrong = OsvApi::new(&serve(Mode::WrongCount).url, limits());
    let answers = wrong.lookup(&queries());
    let reason = answers[2].as_ref().expect_err("failed");
    assert!(reason.contains("2 results for 3 queries"), "{reason}");
    // Nothing listens here.
    let closed = OsvApi::new("http://127.0.0.1:9", limits());
    assert!(closed.lookup(&queries()).iter().all(|a| a.is_err()));
}

#[test]
fn further_pages_are_followed() {
    let server = serve(Mode::Paged);
    let api = OsvApi::new(&server.url, limits());
    let answers = api.lookup(&queries()[..1]);
    assert_eq!(ids(&answers[0]), ["PYSEC-2018-28", "PYSEC-2023-74"]);
    let log = server.log.lock().expect("log");
    let page = log
        .iter()
        .find(|(_, p, _)| p == "/v1/query")
        .expect("page asked");
    assert!(page.2.contains("\"page_token\":\"page-2\""), "{}", page.2);
}

#[test]
fn the_check_reports_what_the_api_answers() {
    use validator_domain::run_on_zip;
    let server = serve(Mode::Normal);
    let check = validator_dependencies::DependenciesCheck::new(Arc::new(OsvApi::new(
        &server.url,
        limits(),
    )));
    let zip = validator_testkit::ZipBuilder::valid_plugin("demo")
        .file("demo/requirements.txt", "requests==2.7.0\n")
        .build();
    let output = run_on_zip(&check, zip).expect("runs");
    let rules: Vec<&str> = output.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["DEP002"]);
    let report = output.details.dependencies.expect("section");
    assert!(report.advisory_source.starts_with("OSV API 127.0.0.1:"));
    assert_eq!(report.dependencies[0].vulnerabilities.len(), 2);
}
