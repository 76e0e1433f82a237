//! template.yaml declares, for every check of the registry, a function running that check
//! (CHECK_ID) fed by its own queue, which has a dead-letter queue, named as the dispatcher
//! expects (`STACK-check-ID`). CloudFormation's short tags (!Ref, !Sub, !GetAtt) are read as
//! tagged values.

use serde_yaml_ng::Value;
use validator_checks::CheckRegistry;
use validator_testkit::reference::repo_root;

fn template() -> Value {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).expect("template.yaml");
    serde_yaml_ng::from_str(&text).expect("template.yaml is YAML")
}

/// The text of a plain or tagged scalar (`!Sub "..."`, `!GetAtt X.Arn`).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Tagged(tagged) => scalar(&tagged.value),
        _ => None,
    }
}

fn resource<'a>(template: &'a Value, name: &str) -> &'a Value {
    &template["Resources"][name]
}

#[test]
fn every_builtin_check_has_a_queue_a_dead_letter_queue_and_a_function() {
    let template = template();
    let resources = template["Resources"].as_mapping().expect("Resources");
    for check in CheckRegistry::builtin().ids() {
        let check = check.as_str();
        let function = resources
            .iter()
            .find(|(_, r)| {
                r["Type"] == "AWS::Serverless::Function"
                    && scalar(&r["Properties"]["Environment"]["Variables"]["CHECK_ID"]).as_deref()
                        == Some(check)
            })
            .map(|(_, r)| r)
            .unwrap_or_else(|| panic!("no function in template.yaml runs the {check} check"));
        assert_eq!(
            scalar(&function["Metadata"]["BuildProperties"]["Binary"]).as_deref(),
            Some("check")
        );
        let event = function["Properties"]["Events"]
            .as_mapping()
            .and_then(|events| events.values().find(|e| e["Type"] == "SQS"))
            .unwrap_or_else(|| panic!("the {check} function has no SQS event"));
        assert!(
            format!("{:?}", event["Properties"]["FunctionResponseTypes"])
                .contains("ReportBatchItemFailures"),
            "{check}: partial batch responses"
        );
        let queue_ref = scalar(&event["Properties"]["Queue"]).expect("queue reference");
        let queue_name = queue_ref.trim_end_matches(".Arn");
        let queue = resource(&template, queue_name);
        assert_eq!(queue["Type"], "AWS::SQS::Queue", "{check}: {queue_name}");
        assert_eq!(
            scalar(&queue["Properties"]["QueueName"]).as_deref(),
            Some(format!("${{AWS::StackName}}-check-{check}").as_str()),
            "{check}: the dispatcher finds the queue by name"
        );
        let redrive = &queue["Properties"]["RedrivePolicy"];
        let dlq_ref = scalar(&redrive["deadLetterTargetArn"]).expect("a dead-letter queue");
        let dlq = resource(&template, dlq_ref.trim_end_matches(".Arn"));
        assert_eq!(dlq["Type"], "AWS::SQS::Queue", "{check}: dead-letter queue");
        let max_receive = scalar(&redrive["maxReceiveCount"]).expect("maxReceiveCount");
        let env_max = scalar(
            &template["Globals"]["Function"]["Environment"]["Variables"]["MAX_RECEIVE_COUNT"],
        );
        assert_eq!(
            Some(max_receive),
            env_max,
            "{check}: the function must know which delivery is the last"
        );
    }
}

#[test]
fn the_check_timeout_fires_before_lambda_kills_the_function() {
    let template = template();
    let globals = &template["Globals"]["Function"];
    let timeout: u64 = scalar(&globals["Timeout"])
        .expect("timeout")
        .parse()
        .expect("number");
    let check_timeout: u64 = scalar(&globals["Environment"]["Variables"]["CHECK_TIMEOUT_SECONDS"])
        .expect("CHECK_TIMEOUT_SECONDS")
        .parse()
        .expect("number");
    assert!(
        check_timeout + 10 <= timeout,
        "{check_timeout} s vs {timeout} s"
    );
    for (name, r) in template["Resources"].as_mapping().expect("resources") {
        if r["Type"] == "AWS::SQS::Queue" {
            if let Some(visibility) = scalar(&r["Properties"]["VisibilityTimeout"]) {
                let visibility: u64 = visibility.parse().expect("number");
                // AWS's advice for Lambda consumers: at least six times the function timeout.
                assert!(visibility >= 6 * timeout, "{name:?}: {visibility} s");
            }
        }
    }
}

// ---- what an AWS reviewer checks: alarms that arrive, least privilege, limits ----------------

/// Every resource of a type, by logical id.
fn resources_of<'a>(template: &'a Value, kind: &str) -> Vec<(String, &'a Value)> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(name, r)| (name.as_str().expect("a logical id").to_owned(), r))
        .collect()
}

/// The logical id a `!Ref X` / `!GetAtt X.Attr` points at.
fn target(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(tagged) => {
            scalar(&tagged.value).map(|s| s.split('.').next().unwrap_or_default().to_owned())
        }
        _ => None,
    }
}

/// A value that may be a scalar or a list of scalars, as strings.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// Raw forms of a resource list (to find `!GetAtt` targets).
fn values(value: &Value) -> Vec<Value> {
    match value {
        Value::Sequence(items) => items.clone(),
        other => vec![other.clone()],
    }
}

fn parameter_default(template: &Value, name: &str) -> u64 {
    scalar(&template["Parameters"][name]["Default"])
        .unwrap_or_else(|| panic!("parameter {name} has a default"))
        .parse()
        .expect("a number")
}

#[test]
fn alarms_publish_to_a_topic_whose_key_lets_cloudwatch_use_it() {
    let template = template();
    let alarms = resources_of(&template, "AWS::CloudWatch::Alarm");
    assert!(!alarms.is_empty());
    for (name, alarm) in &alarms {
        let actions = values(&alarm["Properties"]["AlarmActions"]);
        assert!(!actions.is_empty(), "{name} notifies no one");
        for action in actions {
            let topic_id = target(&action).expect("a topic reference");
            let topic = resource(&template, &topic_id);
            assert_eq!(topic["Type"], "AWS::SNS::Topic", "{name}");
            let key = &topic["Properties"]["KmsMasterKeyId"];
            if key.is_null() {
                continue; // unencrypted: CloudWatch can publish
            }
            let literal = scalar(key).unwrap_or_default();
            assert!(
                !literal.contains("alias/aws/sns"),
                "{topic_id}: CloudWatch alarms cannot publish to a topic under the AWS-managed key"
            );
            let key_id = target(key).expect("a customer-managed key of the stack");
            let policy = &resource(&template, &key_id)["Properties"]["KeyPolicy"];
            let lets_cloudwatch = values(&policy["Statement"]).iter().any(|s| {
                s["Effect"] == "Allow"
                    && strings(&s["Principal"]["Service"])
                        .contains(&"cloudwatch.amazonaws.com".into())
                    && strings(&s["Action"]).contains(&"kms:Decrypt".into())
                    && strings(&s["Action"])
                        .iter()
                        .any(|a| a.starts_with("kms:GenerateDataKey"))
            });
            assert!(
                lets_cloudwatch,
                "{key_id} does not let CloudWatch publish to {topic_id}"
            );
        }
    }
}

/// Every function's role: written by hand, resources named, nothing unused.
#[test]
fn every_function_has_its_own_least_privilege_role() {
    let template = template();
    assert!(
        resources_of(&template, "AWS::IAM::ManagedPolicy").is_empty(),
        "managed policies are shared by functions that need less"
    );
    assert!(
        template["Globals"]["Function"]["Tracing"].is_null(),
        "tracing grants X-Ray writes, and nothing traces"
    );
    let registry = CheckRegistry::builtin();
    for (name, function) in resources_of(&template, "AWS::Serverless::Function") {
        let props = &function["Properties"];
        assert!(
            props["Policies"].is_null(),
            "{name}: SAM policies add managed policies with `*`"
        );
        assert!(props["Tracing"].is_null(), "{name}: tracing is off");
        let role_id = target(&props["Role"]).unwrap_or_else(|| panic!("{name} has no role"));
        let role = resource(&template, &role_id);
        assert_eq!(role["Type"], "AWS::IAM::Role");
        assert!(
            role["Properties"]["ManagedPolicyArns"].is_null(),
            "{role_id}"
        );
        let mut grants: Vec<(String, Vec<String>)> = Vec::new();
        for policy in values(&role["Properties"]["Policies"]) {
            for statement in values(&policy["PolicyDocument"]["Statement"]) {
                assert_eq!(statement["Effect"], "Allow");
                let actions = strings(&statement["Action"]);
                let resources = strings(&statement["Resource"]);
                assert!(
                    !resources.is_empty(),
                    "{role_id}: a statement without resources"
                );
                for resource in &resources {
                    assert_ne!(resource, "*", "{role_id}: {actions:?} on every resource");
                }
                for action in &actions {
                    assert!(
                        !action.ends_with(":*") && !action.starts_with("xray:"),
                        "{role_id}: {action}"
                    );
                    grants.push((action.clone(), resources.clone()));
                }
            }
        }
        let granted = |action: &str| grants.iter().any(|(a, _)| a == action);
        let resources_of_action = |action: &str| -> Vec<String> {
            grants
                .iter()
                .filter(|(a, _)| a == action)
                .flat_map(|(_, r)| r.clone())
                .collect()
        };
        // Logs go to the function's own log group, which has a retention.
        let log_group_id = target(&props["LoggingConfig"]["LogGroup"])
            .unwrap_or_else(|| panic!("{name}: no log group of its own"));
        let log_group = resource(&template, &log_group_id);
        assert!(
            !log_group["Properties"]["RetentionInDays"].is_null(),
            "{log_group_id}: retention"
        );
        assert_eq!(
            resources_of_action("logs:PutLogEvents"),
            [format!("{log_group_id}.Arn")]
        );
        // Reading uploads means reading the version a scan is pinned to.
        if resources_of_action("s3:GetObject")
            .iter()
            .any(|r| r.contains("/uploads/"))
        {
            assert!(granted("s3:GetObjectVersion"), "{name}: GetObjectVersion");
        }
        let check_id = scalar(&props["Environment"]["Variables"]["CHECK_ID"]);
        if let Some(check) = &check_id {
            assert!(
                !granted("dynamodb:Query"),
                "{name}: the check functions do not query"
            );
            let queue = target(&props["Events"]["Requests"]["Properties"]["Queue"]).expect("queue");
            assert_eq!(
                resources_of_action("sqs:ReceiveMessage"),
                [format!("{queue}.Arn")],
                "{check}"
            );
            assert!(!granted("sqs:SendMessage"), "{check}");
            assert!(!granted("ses:SendEmail"), "{check}: checks send no email");
        }
        if name == "DispatcherFunction" {
            let targets = resources_of_action("sqs:SendMessage");
            for check in registry.ids() {
                let queue = resources_of(&template, "AWS::SQS::Queue")
                    .into_iter()
                    .find(|(_, q)| {
                        scalar(&q["Properties"]["QueueName"]).as_deref()
                            == Some(format!("${{AWS::StackName}}-check-{check}").as_str())
                    })
                    .map(|(id, _)| id)
                    .expect("a queue per check");
                assert!(
                    targets.contains(&format!("{queue}.Arn")),
                    "the dispatcher cannot send to {queue}"
                );
            }
        }
    }
}

#[test]
fn concurrency_and_the_email_rate_are_bounded() {
    let template = template();
    for (name, function) in resources_of(&template, "AWS::Serverless::Function") {
        let props = &function["Properties"];
        // The review function has no event source (its URL is invoked directly).
        let no_events = serde_yaml_ng::Mapping::new();
        let events = props["Events"].as_mapping().unwrap_or(&no_events);
        for (event_name, event) in events {
            match event["Type"].as_str() {
                Some("SQS") => assert!(
                    !event["Properties"]["ScalingConfig"]["MaximumConcurrency"].is_null(),
                    "{name}/{event_name:?}: unbounded SQS concurrency"
                ),
                Some("Schedule") | Some("ScheduleV2") => {
                    panic!("{name}: a SAM schedule without a dead-letter queue; use SweepSchedule")
                }
                _ => {}
            }
        }
        if [
            "DispatcherFunction",
            "AggregatorFunction",
            "ReviewFunction",
            "RescanFunction",
        ]
        .contains(&name.as_str())
        {
            assert!(
                !props["ReservedConcurrentExecutions"].is_null(),
                "{name}: sends emails, so its concurrency is reserved"
            );
        }
    }
    // The default email rate of all senders stays within SES's default sending rate.
    let senders = parameter_default(&template, "DispatcherConcurrency")
        + parameter_default(&template, "AggregatorConcurrency")
        + parameter_default(&template, "ReviewConcurrency")
        + parameter_default(&template, "RescanConcurrency");
    let interval = parameter_default(&template, "EmailIntervalMs");
    assert!(
        interval > 0 && senders * 1000 / interval <= 14,
        "{senders} senders every {interval} ms"
    );
    assert_eq!(
        scalar(
            &template["Globals"]["Function"]["Environment"]["Variables"]["EMAIL_MIN_INTERVAL_MS"]
        ),
        Some("EmailIntervalMs".into())
    );
}

#[test]
fn stored_data_outlives_the_stack_and_failures_are_alarmed() {
    let template = template();
    for name in ["UploadBucket", "ScansTable"] {
        let r = resource(&template, name);
        assert_eq!(r["DeletionPolicy"], "Retain", "{name}");
        assert_eq!(r["UpdateReplacePolicy"], "Retain", "{name}");
    }
    let alarms = resources_of(&template, "AWS::CloudWatch::Alarm");
    let alarmed = |metric: &str, dimension_target: &str| {
        alarms.iter().any(|(_, a)| {
            a["Properties"]["MetricName"] == metric
                && values(&a["Properties"]["Dimensions"])
                    .iter()
                    .any(|d| target(&d["Value"]).as_deref() == Some(dimension_target))
        })
    };
    for (name, function) in resources_of(&template, "AWS::Serverless::Function") {
        assert!(alarmed("Errors", &name), "{name}: errors alarm");
        assert!(alarmed("Throttles", &name), "{name}: throttles alarm");
        if let Some(events) = function["Properties"]["Events"].as_mapping() {
            if events.values().any(|e| e["Type"] == "DynamoDB") {
                assert!(alarmed("IteratorAge", &name), "{name}: iterator age alarm");
            }
        }
    }
    // Every queue that collects failures is watched.
    for (name, queue) in resources_of(&template, "AWS::SQS::Queue") {
        let queue_name = scalar(&queue["Properties"]["QueueName"]).unwrap_or_default();
        if !queue_name.contains("-check-") {
            assert!(
                alarmed("ApproximateNumberOfMessagesVisible", &name),
                "{name}: alarm"
            );
        }
    }
    // The sweep's schedule retries and keeps what it could not deliver.
    let sweeps: Vec<_> = resources_of(&template, "AWS::Events::Rule")
        .into_iter()
        .filter(|(_, r)| !r["Properties"]["ScheduleExpression"].is_null())
        .collect();
    assert_eq!(sweeps.len(), 1);
    for target_value in values(&sweeps[0].1["Properties"]["Targets"]) {
        assert_eq!(
            target(&target_value["Arn"]).as_deref(),
            Some("AggregatorFunction")
        );
        let dlq = target(&target_value["DeadLetterConfig"]["Arn"]).expect("a dead-letter queue");
        assert_eq!(resource(&template, &dlq)["Type"], "AWS::SQS::Queue");
    }
}

// ---- the aggregator's stream filter, evaluated with the documented filter-rule semantics ----
// moto does not evaluate event source filters, so the filter is checked here against the shapes
// of the records the aggregator receives. Semantics (Lambda event filtering): a pattern object
// matches when every key matches; an array lists alternatives for a leaf value; `exists`
// applies to leaf values only, so an attribute that arrives as an object ({"N": ...}) does not
// "exist" for `{"exists": ...}` at its own level.

fn is_leaf(value: &serde_json::Value) -> bool {
    !value.is_object() && !value.is_array()
}

fn matches(pattern: &serde_json::Value, event: Option<&serde_json::Value>) -> bool {
    match pattern {
        serde_json::Value::Object(fields) => fields.iter().all(|(key, sub)| {
            let child = event.and_then(|e| e.get(key));
            matches(sub, child)
        }),
        serde_json::Value::Array(alternatives) => {
            let leaf = event.filter(|v| is_leaf(v));
            alternatives
                .iter()
                .any(|alt| match alt.get("exists").and_then(|e| e.as_bool()) {
                    Some(should_exist) => leaf.is_some() == should_exist,
                    None => leaf == Some(alt),
                })
        }
        literal => event == Some(literal),
    }
}

fn aggregator_filters(template: &Value) -> Vec<serde_json::Value> {
    let event = &resource(template, "AggregatorFunction")["Properties"]["Events"]["ScanChanges"];
    values(&event["Properties"]["FilterCriteria"]["Filters"])
        .iter()
        .map(|f| {
            serde_json::from_str(&scalar(&f["Pattern"]).expect("a pattern")).expect("JSON pattern")
        })
        .collect()
}

/// A stream record as Lambda filters it.
fn record(event_name: &str, sk: &str, new_image: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"pk": {"S": "scan#0123"}, "sk": {"S": sk}},
            "NewImage": new_image,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        }
    })
}

#[test]
fn the_stream_filter_passes_scan_changes_while_validating_and_never_a_claim() {
    let filters = aggregator_filters(&template());
    let passes = |r: &serde_json::Value| filters.iter().any(|f| matches(f, Some(r)));
    let scan = serde_json::json!({
        "pk": {"S": "scan#0123"}, "sk": {"S": "scan"}, "status": {"S": "validating"},
        "completed_checks": {"SS": ["security"]}
    });
    let mut finished = scan.clone();
    finished["status"] = serde_json::json!({"S": "validated"});
    let result = serde_json::json!({"pk": {"S": "scan#0123"}, "sk": {"S": "result#security"}});

    assert!(
        passes(&record("INSERT", "scan", scan.clone())),
        "a new scan"
    );
    assert!(
        passes(&record("MODIFY", "scan", scan.clone())),
        "a check completed"
    );
    assert!(
        !passes(&record("MODIFY", "scan", finished.clone())),
        "the final status was written"
    );
    assert!(
        !passes(&record("INSERT", "result#security", result)),
        "a result item"
    );
    assert!(!passes(&record("REMOVE", "scan", scan)), "TTL expiry");

    // Every write of a claim item (claim, release, completion, give-up, the operator's reset),
    // whatever its state: none may wake the aggregator, or a failing email would be retried
    // past the stream's retry limit for as long as it fails.
    for kind in validator_domain::NotificationKind::ALL {
        let sk = validator_aws::item_keys::notice_sk(kind);
        for status in [
            Some("notice_pending"),
            Some("notice_missing"),
            Some("validating"),
            None,
        ] {
            let mut notice = serde_json::json!({
                "pk": {"S": "scan#0123"}, "sk": {"S": sk}, "kind": {"S": "notice"},
                "body": {"S": "{}"}, "rev": {"N": "2"}, "created_epoch": {"N": "1767261600"}
            });
            if let Some(status) = status {
                notice["status"] = serde_json::json!({ "S": status });
            }
            for event in ["INSERT", "MODIFY"] {
                assert!(
                    !passes(&record(event, &sk, notice.clone())),
                    "{event} of {sk} with status {status:?}"
                );
            }
        }
    }

    // The filter shipped before matched `exists` at a non-leaf: it let everything through.
    let old: serde_json::Value = serde_json::from_str(
        r#"{"eventName": ["INSERT", "MODIFY"], "dynamodb": {"Keys": {"sk": {"S": ["scan"]}}, "NewImage": {"results_sent_at": [{"exists": false}]}}}"#,
    )
    .expect("JSON");
    assert!(matches(&old, Some(&record("MODIFY", "scan", finished))));
}

/// The review entry point is reachable only with AWS credentials (SigV4, IAM-authorised).
#[test]
fn the_review_function_url_requires_iam() {
    let template = template();
    let review = resource(&template, "ReviewFunction");
    assert_eq!(
        scalar(&review["Properties"]["FunctionUrlConfig"]["AuthType"]).as_deref(),
        Some("AWS_IAM")
    );
    assert_eq!(
        scalar(&review["Metadata"]["BuildProperties"]["Binary"]).as_deref(),
        Some("review")
    );
}

// ---- The generated regions ------------------------------------------------------------------
//
// template.yaml's per-check resources are rendered from the registry's check ids: the regions
// between `# BEGIN GENERATED <name>` and `# END GENERATED <name>` are what `render_region`
// returns. `UPDATE_TEMPLATE=1 cargo test --locked -p validator-lambda --test template` writes
// them; without it the test fails while template.yaml differs.

/// One check's resources, with `@ID@`, `@CAMEL@`, `@LOWER@`, `@MEMORY@` and `@GRANTS@` to fill
/// (its own header comment, lines starting with `#` in the first column, is left out).
const CHECK_BLOCK: &str = include_str!("template-check-block.yaml.in");

/// What a check's function needs beyond the common block.
#[derive(Default)]
struct Deployment {
    /// `MemorySize` with the comment lines saying why (default: the Globals' 256 MB).
    memory: Option<(u32, &'static [&'static str])>,
    /// IAM statements beyond reading uploads and writing findings and results (YAML lines at
    /// the statement list's indentation).
    grants: &'static str,
}

/// The checks whose function differs from the common block; every other check gets it as is.
fn deployment(check: &str) -> Deployment {
    match check {
        "code_quality" => Deployment {
            memory: Some((
                1024,
                &[
                    "Measured (docs/performance-changelog.md, the three engines merged): 5.9 s of CPU",
                    "and 103 MB peak on a 23.7 MB plugin. 1024 MB buys 0.58 vCPU, so ~10 s: well inside",
                    "the 45 s check timeout (0.9 s of CPU now, docs/performance.md).",
                ],
            )),
            ..Deployment::default()
        },
        "bundled_libraries" => Deployment {
            memory: Some((
                512,
                &["Downloads releases from PyPI to compare with, cached in the bucket (releases/*)."],
            )),
            grants: "              - Sid: ReleaseCache
                Effect: Allow
                Action: [s3:GetObject, s3:PutObject]
                Resource:
                  - !Sub \"arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads-${AWS::AccountId}-${AWS::Region}/releases/*\"
              # A cache miss is a missing key: 404 only with the listing.
              - Sid: TellMissingReleases
                Effect: Allow
                Action: [s3:ListBucket]
                Resource:
                  - !Sub \"arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads-${AWS::AccountId}-${AWS::Region}\"
                Condition:
                  StringLike:
                    s3:prefix:
                      - \"releases/*\"
",
        },
        "dependencies" => Deployment {
            memory: Some((
                1024,
                &[
                    "Holds an OSV export in memory when AdvisoriesKey names one (PyPI's has tens of",
                    "thousands of records); asks the OSV API otherwise, its answers cached in the bucket.",
                ],
            )),
            grants: "              - Sid: AdvisoryCache
                Effect: Allow
                Action: [s3:GetObject, s3:PutObject]
                Resource:
                  - !Sub \"arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads-${AWS::AccountId}-${AWS::Region}/advisories/*\"
              # A cache miss is a missing key: 404 only with the listing.
              - Sid: TellMissingAdvisories
                Effect: Allow
                Action: [s3:ListBucket]
                Resource:
                  - !Sub \"arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads-${AWS::AccountId}-${AWS::Region}\"
                Condition:
                  StringLike:
                    s3:prefix:
                      - \"advisories/*\"
",
        },
        "signatures" => Deployment {
            memory: Some((
                512,
                &[
                    "YARA-X compiles the packs to native code (wasmtime) once per container and",
                    "holds them with the scanner; the shipped packs alone are ~40 rules.",
                ],
            )),
            grants: "              # The operators' rule packs and known-bad hash lists, read at every scan.
              - Sid: ReadSignatures
                Effect: Allow
                Action: [s3:GetObject]
                Resource:
                  - !Sub \"arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads-${AWS::AccountId}-${AWS::Region}/signatures/*\"
              - Sid: ListSignatures
                Effect: Allow
                Action: [s3:ListBucket]
                Resource:
                  - !Sub \"arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads-${AWS::AccountId}-${AWS::Region}\"
                Condition:
                  StringLike:
                    s3:prefix:
                      - \"signatures/*\"
",
        },
        "behaviour" => Deployment {
            memory: Some((
                512,
                &["Reads every Python file like the security check; 512 MB for the resolver's tables."],
            )),
            ..Deployment::default()
        },
        _ => Deployment::default(),
    }
}

/// `package_structure` -> `PackageStructure`.
fn camel_case(id: &str) -> String {
    id.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn check_block(id: &str) -> String {
    let camel = camel_case(id);
    let lower = camel
        .chars()
        .take(1)
        .flat_map(char::to_lowercase)
        .chain(camel.chars().skip(1))
        .collect::<String>();
    let deployment = deployment(id);
    let memory = deployment
        .memory
        .map(|(size, why)| {
            let mut lines: String = why.iter().map(|l| format!("      # {l}\n")).collect();
            lines.push_str(&format!("      MemorySize: {size}\n"));
            lines
        })
        .unwrap_or_default();
    let body: String = CHECK_BLOCK
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect();
    body.replace("@GRANTS@", deployment.grants)
        .replace("@MEMORY@", &memory)
        .replace("@CAMEL@", &camel)
        .replace("@LOWER@", &lower)
        .replace("@ID@", id)
}

/// The text of a generated region, between its marker lines.
fn render_region(name: &str, checks: &[String]) -> String {
    match name {
        "check-queues" => checks
            .iter()
            .map(|id| format!("                  - !GetAtt {}Queue.Arn\n", camel_case(id)))
            .collect(),
        "checks" => checks
            .iter()
            .map(|id| format!("\n{}", check_block(id)))
            .collect(),
        "check-outputs" => checks
            .iter()
            .map(|id| {
                let camel = camel_case(id);
                format!(
                    "  {camel}QueueName:\n    Value: !GetAtt {camel}Queue.QueueName\n  \
                     {camel}DeadLetterQueueName:\n    Value: !GetAtt {camel}DeadLetterQueue.QueueName\n"
                )
            })
            .collect(),
        other => panic!("template.yaml names an unknown generated region `{other}`"),
    }
}

const BEGIN: &str = "# BEGIN GENERATED ";
const END: &str = "# END GENERATED ";

/// `text` with every generated region rendered again; the names of the regions found.
fn regenerate(text: &str, checks: &[String]) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut names = Vec::new();
    let mut lines = text.split_inclusive('\n');
    while let Some(line) = lines.next() {
        out.push_str(line);
        let Some(rest) = line.trim_start().strip_prefix(BEGIN) else {
            continue;
        };
        let name = rest
            .split(|c: char| c.is_whitespace() || c == ':')
            .next()
            .expect("a region name");
        out.push_str(&render_region(name, checks));
        let end = lines
            .by_ref()
            .find(|l| l.trim_start().starts_with(&format!("{END}{name}")))
            .unwrap_or_else(|| panic!("template.yaml: region `{name}` has no `{END}{name}` line"));
        out.push_str(end);
        names.push(name.to_owned());
    }
    (out, names)
}

#[test]
fn the_per_check_resources_are_generated_from_the_registry() {
    let path = repo_root().join("template.yaml");
    let text = std::fs::read_to_string(&path).expect("template.yaml");
    let checks: Vec<String> = CheckRegistry::builtin()
        .ids()
        .iter()
        .map(|id| id.as_str().to_owned())
        .collect();
    let (generated, regions) = regenerate(&text, &checks);
    assert_eq!(regions, ["check-queues", "checks", "check-outputs"]);
    if std::env::var_os("UPDATE_TEMPLATE").is_some() {
        if generated != text {
            std::fs::write(&path, &generated).expect("write template.yaml");
        }
        return;
    }
    if generated != text {
        let (line, (want, have)) = generated
            .lines()
            .zip(text.lines())
            .enumerate()
            .find(|(_, (want, have))| want != have)
            .unwrap_or((
                generated.lines().count().min(text.lines().count()),
                ("(end)", "(end)"),
            ));
        panic!(
            "template.yaml's generated regions are out of date (first difference at line {}: \
             want `{want}`, have `{have}`); run \
             `UPDATE_TEMPLATE=1 cargo test --locked -p validator-lambda --test template`",
            line + 1
        );
    }
}

#[test]
fn a_check_block_names_every_resource_after_its_check() {
    let block = check_block("new_check");
    for name in [
        "NewCheckDeadLetterQueue:",
        "NewCheckQueue:",
        "NewCheckLogGroup:",
        "NewCheckRole:",
        "NewCheckFunction:",
        "NewCheckDeadLetterAlarm:",
        "NewCheckErrorsAlarm:",
        "NewCheckThrottlesAlarm:",
        "PolicyName: newCheck",
        "CHECK_ID: new_check",
        "${AWS::StackName}-check-new_check",
    ] {
        assert!(block.contains(name), "{name} missing from:\n{block}");
    }
    assert!(!block.contains('@'), "a placeholder is left:\n{block}");
    assert!(
        !block.contains("MemorySize"),
        "the default size is the Globals'"
    );
}

// ---- issue #32: missing objects under least privilege, deployable everywhere, alarms ---------

/// Every statement of a function's role, as (actions, resources, the raw statement).
fn statements(template: &Value, function: &Value) -> Vec<(Vec<String>, Vec<String>, Value)> {
    let role_id = target(&function["Properties"]["Role"]).expect("a role");
    let role = resource(template, &role_id);
    values(&role["Properties"]["Policies"])
        .iter()
        .flat_map(|policy| values(&policy["PolicyDocument"]["Statement"]))
        .map(|s| (strings(&s["Action"]), strings(&s["Resource"]), s))
        .collect()
}

/// Without `s3:ListBucket` S3 answers a missing key with 403: each function that reads objects
/// may list exactly the prefixes it reads (and their versions when it reads versions), never
/// the whole bucket.
#[test]
fn every_reader_may_list_the_prefixes_it_reads_and_nothing_else() {
    let template = template();
    let bucket =
        "arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads-${AWS::AccountId}-${AWS::Region}";
    for (name, function) in resources_of(&template, "AWS::Serverless::Function") {
        let statements = statements(&template, function);
        let prefixes_of = |action: &str| -> Vec<String> {
            statements
                .iter()
                .filter(|(actions, _, _)| actions.iter().any(|a| a == action))
                .flat_map(|(_, resources, _)| resources.clone())
                .filter_map(|r| r.strip_prefix(&format!("{bucket}/")).map(str::to_owned))
                .filter(|p| p != "config/*") // the policy object: read once, never missing
                .collect()
        };
        let listable = |action: &str| -> Vec<String> {
            let mut prefixes = Vec::new();
            for (actions, resources, statement) in &statements {
                if !actions.iter().any(|a| a == action) {
                    continue;
                }
                assert_eq!(
                    resources,
                    &[bucket.to_owned()],
                    "{name}: {action} on the bucket"
                );
                let condition = strings(&statement["Condition"]["StringLike"]["s3:prefix"]);
                assert!(
                    !condition.is_empty(),
                    "{name}: {action} without an s3:prefix condition lists the whole bucket"
                );
                prefixes.extend(condition);
            }
            prefixes
        };
        let mut read = prefixes_of("s3:GetObject");
        read.sort();
        let mut list = listable("s3:ListBucket");
        list.sort();
        assert_eq!(
            list, read,
            "{name}: ListBucket prefixes = the prefixes it reads"
        );
        let mut versions = prefixes_of("s3:GetObjectVersion");
        versions.sort();
        let mut list_versions = listable("s3:ListBucketVersions");
        list_versions.retain(|p| versions.contains(p));
        assert_eq!(
            list_versions, versions,
            "{name}: ListBucketVersions for its versions"
        );
    }
}

/// Accounts with a small concurrency quota set every reserved concurrency to 0: each must
/// then reserve nothing.
#[test]
fn every_reserved_concurrency_accepts_zero_for_small_quotas() {
    let template = template();
    for (function, parameter, condition) in [
        (
            "DispatcherFunction",
            "DispatcherConcurrency",
            "HasDispatcherLimit",
        ),
        (
            "AggregatorFunction",
            "AggregatorConcurrency",
            "HasAggregatorLimit",
        ),
        ("ReviewFunction", "ReviewConcurrency", "HasReviewLimit"),
        ("RescanFunction", "RescanConcurrency", "HasRescanLimit"),
    ] {
        assert_eq!(
            scalar(&template["Parameters"][parameter]["MinValue"]).as_deref(),
            Some("0"),
            "{parameter}"
        );
        let reserved = &resource(&template, function)["Properties"]["ReservedConcurrentExecutions"];
        let Value::Tagged(tagged) = reserved else {
            panic!("{function}: ReservedConcurrentExecutions is not an !If");
        };
        assert_eq!(tagged.tag.to_string(), "!If", "{function}");
        let branches = values(&tagged.value);
        assert_eq!(
            scalar(&branches[0]).as_deref(),
            Some(condition),
            "{function}"
        );
        assert_eq!(
            target(&branches[1]).as_deref(),
            Some(parameter),
            "{function}"
        );
        assert_eq!(
            scalar(&branches[2]).as_deref(),
            Some("AWS::NoValue"),
            "{function}"
        );
        // The condition: the parameter is not 0.
        let text = format!("{:?}", template["Conditions"][condition]);
        assert!(
            text.contains("Not") && text.contains(parameter) && text.contains("\"0\""),
            "{condition}: {text}"
        );
    }
}

#[test]
fn queues_retry_enough_and_keep_what_failed() {
    let template = template();
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    for (name, queue) in resources_of(&template, "AWS::SQS::Queue") {
        let props = &queue["Properties"];
        if let Some(max) = scalar(&props["RedrivePolicy"]["maxReceiveCount"]) {
            // AWS's guidance for queues feeding Lambda: throttled receives count too.
            assert!(
                max.parse::<u32>().expect("a number") >= 5,
                "{name}: maxReceiveCount {max}"
            );
        }
        let queue_name = scalar(&props["QueueName"]).unwrap_or_default();
        if !queue_name.contains("-check-") {
            // Dead-letter and failure queues hold what failed: deleting the stack keeps them.
            assert_eq!(queue["DeletionPolicy"], "Retain", "{name}");
            assert_eq!(queue["UpdateReplacePolicy"], "Retain", "{name}");
        }
    }
    // The pipeline gives up on an email before the stream gives up on the record, so the
    // stream's last delivery records it as missing instead of dropping it.
    let attempts: u32 = scalar(&globals["NOTIFICATION_ATTEMPTS"])
        .expect("NOTIFICATION_ATTEMPTS")
        .parse()
        .expect("a number");
    let stream = &resource(&template, "AggregatorFunction")["Properties"]["Events"]["ScanChanges"];
    let retries: u32 = scalar(&stream["Properties"]["MaximumRetryAttempts"])
        .expect("MaximumRetryAttempts")
        .parse()
        .expect("a number");
    assert!(
        attempts < 1 + retries,
        "{attempts} attempts, {retries} stream retries"
    );
}

#[test]
fn emails_are_sent_only_as_the_sender_and_s3_invokes_only_for_the_bucket() {
    let template = template();
    for (name, function) in resources_of(&template, "AWS::Serverless::Function") {
        for (actions, _, statement) in statements(&template, function) {
            if !actions.iter().any(|a| a == "ses:SendEmail") {
                continue;
            }
            let text = format!("{:?}", statement["Resource"]);
            assert!(
                !text.contains("/*"),
                "{name}: SES resources must be pinned: {text}"
            );
            assert!(text.contains("identity/${SenderAddress}"), "{name}: {text}");
            assert!(
                text.contains("configuration-set/${SesConfigurationSet}"),
                "{name}: {text}"
            );
        }
        let events = function["Properties"]["Events"].as_mapping();
        assert!(
            !events.is_some_and(|e| e.values().any(|e| e["Type"] == "S3")),
            "{name}: SAM's S3 event source grants the invoke without SourceArn"
        );
    }
    let permissions = resources_of(&template, "AWS::Lambda::Permission");
    let from_s3: Vec<_> = permissions
        .iter()
        .filter(|(_, p)| {
            scalar(&p["Properties"]["Principal"]).as_deref() == Some("s3.amazonaws.com")
        })
        .collect();
    assert_eq!(from_s3.len(), 1);
    for (name, permission) in from_s3 {
        let props = &permission["Properties"];
        assert!(
            scalar(&props["SourceArn"]).is_some_and(|arn| arn.contains("-uploads-")),
            "{name}: SourceArn"
        );
        assert!(!props["SourceAccount"].is_null(), "{name}: SourceAccount");
    }
}

#[test]
fn waiting_checks_bounces_complaints_and_missing_notifications_raise_alarms() {
    let template = template();
    let alarms = resources_of(&template, "AWS::CloudWatch::Alarm");
    for (name, queue) in resources_of(&template, "AWS::SQS::Queue") {
        let queue_name = scalar(&queue["Properties"]["QueueName"]).unwrap_or_default();
        if queue_name.contains("-check-") {
            assert!(
                alarms.iter().any(|(_, a)| {
                    a["Properties"]["MetricName"] == "ApproximateAgeOfOldestMessage"
                        && values(&a["Properties"]["Dimensions"])
                            .iter()
                            .any(|d| target(&d["Value"]).as_deref() == Some(name.as_str()))
                }),
                "{name}: no alarm on the age of its oldest message"
            );
        }
    }
    for (namespace, metric) in [
        ("AWS/SES", "Reputation.BounceRate"),
        ("AWS/SES", "Reputation.ComplaintRate"),
        ("PluginValidator", "MissingNotifications"),
    ] {
        assert!(
            alarms
                .iter()
                .any(|(_, a)| a["Properties"]["Namespace"] == namespace
                    && a["Properties"]["MetricName"] == metric),
            "no alarm on {namespace} {metric}"
        );
    }
}

/// The rescan (#29): a Distributed Map over the bucket's listing or an inventory manifest,
/// feeding the rescan function in batches at a bounded concurrency (never 0, which is
/// unlimited), its results written to S3 for the digest step, which runs last; the function
/// never touches the check queues that new uploads use.
#[test]
fn the_rescan_is_a_bounded_distributed_map_that_leaves_the_upload_path_alone() {
    let template = template();
    let machine = resource(&template, "RescanStateMachine");
    assert_eq!(machine["Type"], "AWS::Serverless::StateMachine");
    let definition = &machine["Properties"]["Definition"];
    let states = &definition["States"];
    let start = scalar(&definition["StartAt"]).expect("StartAt");
    assert_eq!(start, "Options");
    for map in ["RescanListing", "RescanInventory"] {
        let state = &states[map];
        assert_eq!(state["Type"], "Map", "{map}");
        assert_eq!(
            state["ItemProcessor"]["ProcessorConfig"]["Mode"], "DISTRIBUTED",
            "{map}"
        );
        assert_eq!(
            scalar(&state["MaxConcurrencyPath"]).as_deref(),
            Some("$.options.max_concurrency"),
            "{map}: bounded"
        );
        assert!(state["MaxConcurrency"].is_null(), "{map}: one bound");
        assert_eq!(
            scalar(&state["ResultWriter"]["Parameters"]["Prefix"]).as_deref(),
            Some("rescans"),
            "{map}: results for the digest step"
        );
        assert_eq!(scalar(&state["Next"]).as_deref(), Some("Digest"), "{map}");
        let processor = &state["ItemProcessor"];
        let task = &processor["States"][scalar(&processor["StartAt"]).expect("StartAt").as_str()];
        assert_eq!(
            scalar(&task["Parameters"]["FunctionName"]).as_deref(),
            Some("${RescanFunctionArn}"),
            "{map}"
        );
        assert!(!values(&task["Retry"]).is_empty(), "{map}: retried");
    }
    assert_eq!(
        scalar(&states["RescanListing"]["ItemReader"]["Resource"]).as_deref(),
        Some("arn:aws:states:::s3:listObjectsV2")
    );
    assert_eq!(
        scalar(&states["RescanInventory"]["ItemReader"]["ReaderConfig"]["InputType"]).as_deref(),
        Some("MANIFEST")
    );
    // A max_concurrency of 0 (RescanConcurrency 0) becomes 1, never "unlimited".
    let bounded = &values(&states["Bounded"]["Choices"])[0];
    assert_eq!(scalar(&bounded["NumericLessThan"]).as_deref(), Some("1"));
    assert_eq!(
        scalar(&states["OneAtATime"]["Result"]).as_deref(),
        Some("1")
    );
    assert_eq!(
        target(&machine["Properties"]["DefinitionSubstitutions"]["RescanFunctionArn"]).as_deref(),
        Some("RescanFunction")
    );
    // The rescan function runs the checks itself: it sends no check message.
    let function = resource(&template, "RescanFunction");
    let actions: Vec<String> = statements(&template, function)
        .into_iter()
        .flat_map(|(actions, _, _)| actions)
        .collect();
    assert!(
        !actions.iter().any(|a| a.starts_with("sqs:")),
        "{actions:?}"
    );
}
