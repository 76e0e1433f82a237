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
