//! The moto harness: one moto server per test (killed on drop), the template's resources
//! created by infra/moto-resources.py, the real SDK clients pointed at it, and helpers that play
//! the parts of Lambda's event sources (S3 notification, SQS poller, DynamoDB stream poller).
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_lambda_events::dynamodb;
use aws_lambda_events::s3::S3Event;
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use validator_aws::{AwsClients, S3BlobStore};
use validator_checks::CheckRegistry;
use validator_lambda::{ColdStart, Environment};
use validator_testkit::reference;

pub struct Moto {
    child: Child,
    pub endpoint: String,
    port: u16,
}

impl Moto {
    /// moto behind a one-request-at-a-time server (infra/moto-serial.py): each request is
    /// atomic, as on AWS, so racing tests can fail for the reason they exist (moto's threaded
    /// server lets two conditional writes of one item both pass).
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let server = script("moto-serial.py");
        let child = Command::new(python())
            .arg(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
        let moto = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
        };
        let started = Instant::now();
        while moto.get("/moto-api/").is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// A plain HTTP GET (moto's own API needs no signing).
    pub fn get(&self, path: &str) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        )
        .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let (head, body) = response.split_once("\r\n\r\n")?;
        head.starts_with("HTTP/1.0 200")
            .then(|| body.to_owned())
            .or_else(|| head.starts_with("HTTP/1.1 200").then(|| body.to_owned()))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> PathBuf {
    reference::tool("aws", "python")
}

fn script(name: &str) -> PathBuf {
    reference::repo_root().join("infra").join(name)
}

fn run_json(command: &mut Command) -> serde_json::Value {
    let output = command.output().expect("run a Python helper");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the helper prints JSON")
}

/// A deployed stack on moto, and the functions' cold start against it.
pub struct Stack {
    pub moto: Moto,
    pub clients: AwsClients,
    pub settings: HashMap<String, String>,
    pub stream_arn: String,
    pub queues: HashMap<String, (String, String)>,
    pub event_tap: String,
    pub cold: ColdStart,
    pub uploads: S3BlobStore,
    last_sequence: Option<String>,
}

pub const SENDER: &str = "validator@example.org";

impl Stack {
    /// A stack with a queue for every check of `registry`; `overrides` are extra environment
    /// variables of the functions.
    pub async fn new(registry: CheckRegistry, overrides: &[(&str, &str)]) -> Self {
        let moto = Moto::start();
        let checks: Vec<String> = registry.ids().iter().map(|c| c.to_string()).collect();
        let created = run_json(
            Command::new(python())
                .arg(script("moto-resources.py"))
                .args(["--endpoint", &moto.endpoint, "--stack", "test"])
                .args([
                    "--checks",
                    &checks.join(","),
                    "--sender",
                    SENDER,
                    "--event-tap",
                ]),
        );
        let settings: HashMap<String, String> =
            serde_json::from_value(created["settings"].clone()).expect("settings");
        let queues = created["queues"]
            .as_object()
            .expect("queues")
            .iter()
            .map(|(check, q)| {
                (
                    check.clone(),
                    (
                        q["queue"].as_str().expect("url").to_owned(),
                        q["dlq"].as_str().expect("url").to_owned(),
                    ),
                )
            })
            .collect();
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&moto.endpoint)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "test", "test", None, None, "moto",
            ))
            .load()
            .await;
        let clients = AwsClients::new(&sdk);
        let mut env: HashMap<String, String> = settings.clone();
        env.insert("APPROVERS".into(), "approvers@example.org".into());
        env.insert("WEBSITE_URL".into(), "https://plugins.example.org".into());
        for (k, v) in overrides {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        let environment =
            Environment::from_lookup(|k| env.get(k).cloned()).expect("the environment");
        let uploads = S3BlobStore::new(
            clients.s3.clone(),
            &settings["BUCKET_NAME"],
            S3BlobStore::read_cap(&environment.config.limits),
        );
        let cold = ColdStart::with_clients(environment, &clients, registry)
            .await
            .expect("cold start");
        Self {
            stream_arn: created["stream_arn"].as_str().expect("arn").to_owned(),
            event_tap: created["event_tap"].as_str().expect("tap").to_owned(),
            moto,
            clients,
            settings,
            queues,
            cold,
            uploads,
            last_sequence: None,
        }
    }

    pub fn bucket(&self) -> &str {
        &self.settings["BUCKET_NAME"]
    }

    /// Puts a zip as the website does, with the upload contract as object metadata. Returns
    /// the version S3 gave it (the bucket is versioned).
    pub async fn upload(
        &self,
        key: &str,
        zip: Vec<u8>,
        metadata: &[(&str, &str)],
    ) -> Option<String> {
        let metadata: BTreeMap<String, String> = metadata
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.uploads
            .put_upload(key, zip, &metadata)
            .await
            .expect("put the upload")
    }

    /// The S3 notification for `raw_key` (URL-encoded as S3 sends it), without a version id
    /// (an unversioned bucket).
    pub fn s3_event(&self, raw_key: &str) -> S3Event {
        self.s3_event_for_version(raw_key, None)
    }

    /// The S3 notification for one version of `raw_key`, as a versioned bucket sends it.
    pub fn s3_event_for_version(&self, raw_key: &str, version: Option<&str>) -> S3Event {
        let text = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/s3-object-created.json"),
        )
        .expect("fixture")
        .replace("BUCKET", self.bucket())
        .replace("\"KEY\"", &serde_json::to_string(raw_key).expect("key"));
        let mut event: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        if let Some(version) = version {
            event["Records"][0]["s3"]["object"]["versionId"] = version.into();
        }
        serde_json::from_value(event).expect("an S3 event")
    }

    /// Receives up to `max` messages of a check's queue, as Lambda's poller does.
    pub async fn receive(&self, check: &str, max: i32) -> Vec<SqsMessage> {
        self.receive_from(&self.queues[check].0, max).await
    }

    pub async fn receive_from(&self, url: &str, max: i32) -> Vec<SqsMessage> {
        let output = self
            .clients
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .visibility_timeout(0)
            .send()
            .await
            .expect("receive");
        output
            .messages()
            .iter()
            .map(|m| {
                let mut message = SqsMessage::default();
                message.message_id = m.message_id().map(str::to_owned);
                message.receipt_handle = m.receipt_handle().map(str::to_owned);
                message.body = m.body().map(str::to_owned);
                message.attributes = m
                    .attributes()
                    .map(|a| {
                        a.iter()
                            .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                message
            })
            .collect()
    }

    /// Deletes messages (what Lambda does with the ones not reported as failed).
    pub async fn delete(&self, check: &str, messages: &[SqsMessage]) {
        for m in messages {
            self.clients
                .sqs
                .delete_message()
                .queue_url(&self.queues[check].0)
                .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }

    pub async fn queue_depth(&self, url: &str) -> usize {
        let attrs = self
            .clients
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .expect("attributes");
        attrs
            .attributes()
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            })
            .and_then(|v| v.parse().ok())
            .unwrap_or_default()
    }

    /// One poll of a check's queue through the check handler, as Lambda runs it.
    pub async fn run_check_queue(&self, check: &str) -> usize {
        let messages = self.receive(check, 10).await;
        let count = messages.len();
        if count == 0 {
            return 0;
        }
        let event = sqs_event(messages.clone());
        let response = validator_lambda::check::handle_sqs_batch(
            &self.cold.pipeline,
            &validator_domain::CheckId::new(check),
            self.cold.environment.max_receive_count,
            &event,
        )
        .await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        let done: Vec<SqsMessage> = messages
            .into_iter()
            .filter(|m| !failed.contains(&m.message_id.as_deref().unwrap_or_default()))
            .collect();
        self.delete(check, &done).await;
        count
    }

    /// The stream records written since the last call, as the aggregator's event.
    pub fn stream_batch(&mut self) -> dynamodb::Event {
        let mut command = Command::new(python());
        command.arg(script("moto-stream-records.py")).args([
            "--endpoint",
            &self.moto.endpoint,
            "--stream-arn",
            &self.stream_arn,
        ]);
        if let Some(after) = &self.last_sequence {
            command.args(["--after", after]);
        }
        let value = run_json(&mut command);
        let event: dynamodb::Event = serde_json::from_value(value).expect("a stream event");
        if let Some(last) = event.records.last() {
            self.last_sequence = last.change.sequence_number.clone();
        }
        event
    }

    /// Feeds the new stream records to the aggregator handler until no new record appears.
    pub async fn drain_stream(&mut self) {
        for _ in 0..20 {
            let batch = self.stream_batch();
            if batch.records.is_empty() {
                return;
            }
            let response =
                validator_lambda::aggregator::handle_stream_batch(&self.cold.pipeline, &batch)
                    .await;
            assert!(
                response.batch_item_failures.is_empty(),
                "the aggregator failed: {response:?}"
            );
        }
        panic!("the stream never went quiet");
    }

    /// Emails moto's SES accepted: (recipients, subject, text body).
    pub fn sent_emails(&self) -> Vec<SentEmail> {
        let data: serde_json::Value =
            serde_json::from_str(&self.moto.get("/moto-api/data.json").expect("moto data"))
                .expect("moto data is JSON");
        let mut sent = Vec::new();
        collect_emails(&data["ses"], &mut sent);
        collect_emails(&data["sesv2"], &mut sent);
        sent
    }

    /// Status events that reached the event bus (via the test's rule -> queue).
    pub async fn status_events(&self) -> Vec<serde_json::Value> {
        let mut events = Vec::new();
        loop {
            let batch = self.receive_from(&self.event_tap, 10).await;
            if batch.is_empty() {
                return events;
            }
            for m in &batch {
                self.clients
                    .sqs
                    .delete_message()
                    .queue_url(&self.event_tap)
                    .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
                    .send()
                    .await
                    .expect("delete");
                events.push(
                    serde_json::from_str(m.body.as_deref().unwrap_or_default()).expect("json"),
                );
            }
        }
    }

    /// The raw scan item.
    pub async fn scan_item(
        &self,
        scan_id: &validator_domain::ScanId,
    ) -> Option<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.clients
            .dynamodb
            .get_item()
            .table_name(&self.settings["TABLE_NAME"])
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(validator_aws::item_keys::scan_pk(
                    scan_id,
                )),
            )
            .key(
                "sk",
                aws_sdk_dynamodb::types::AttributeValue::S("scan".into()),
            )
            .consistent_read(true)
            .send()
            .await
            .expect("get item")
            .item
    }

    pub async fn item_count(&self) -> usize {
        self.clients
            .dynamodb
            .scan()
            .table_name(&self.settings["TABLE_NAME"])
            .send()
            .await
            .expect("scan table")
            .count() as usize
    }
}

#[derive(Debug, Clone)]
pub struct SentEmail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// Walks moto's data dump for sent messages (its layout differs between versions: look for
/// objects with a destination and a subject).
fn collect_emails(value: &serde_json::Value, out: &mut Vec<SentEmail>) {
    match value {
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_emails(v, out)),
        serde_json::Value::Object(map) => {
            if let (Some(dest), Some(subject)) = (map.get("destinations"), map.get("subject")) {
                let mut to = Vec::new();
                collect_strings(dest, &mut to);
                out.push(SentEmail {
                    to,
                    subject: subject.as_str().unwrap_or_default().to_owned(),
                    body: map.get("body").map(|b| b.to_string()).unwrap_or_default(),
                });
            } else {
                map.values().for_each(|v| collect_emails(v, out));
            }
        }
        _ => {}
    }
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

pub fn sqs_event(messages: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages;
    event
}
