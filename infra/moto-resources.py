#!/usr/bin/env python3
"""Creates on an AWS endpoint (moto server) the resources template.yaml declares, and prints
the settings the functions need as JSON (or as shell exports with --env).

  moto-resources.py --endpoint http://127.0.0.1:5000 [--stack NAME] [--checks a,b] [--event-tap]
  moto-resources.py --serve 5000     # start moto server, create the resources, keep it running

It mirrors template.yaml: the bucket (versioned, encrypted, public access blocked), the table
(pk/sk, on-demand, stream NEW_AND_OLD_IMAGES, TTL on expires_at, point-in-time recovery, the
status index), one queue + dead-letter queue per check (the check ids are read from
template.yaml's CHECK_ID lines unless --checks is given) and the SES sender identity.
--event-tap adds what only tests need: an EventBridge rule that copies status events into a
queue, so that they can be read back. Needs boto3 (it comes with moto[server]).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "..", "template.yaml")
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
# Mirrors template.yaml (CheckMaxReceiveCount, CheckVisibilityTimeout).
MAX_RECEIVE_COUNT = 5
VISIBILITY_TIMEOUT = 360
EVENT_SOURCE = "qgis.plugin-validator"


def template_checks():
    """The CHECK_ID values of template.yaml, in order."""
    with open(TEMPLATE, encoding="utf-8") as f:
        return re.findall(r"^\s+CHECK_ID:\s*['\"]?([a-z0-9_]+)", f.read(), re.M)


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def create(endpoint, stack, checks, sender, event_tap):
    s3 = client("s3", endpoint)
    bucket = f"{stack}-uploads"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )

    dynamodb = client("dynamodb", endpoint)
    table = f"{stack}-scans"
    created = dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "created_epoch", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "status-index",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "created_epoch", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    stream_arn = created["TableDescription"]["LatestStreamArn"]
    dynamodb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    dynamodb.update_continuous_backups(
        TableName=table,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )

    sqs = client("sqs", endpoint)
    queues = {}
    for check in checks:
        dlq = sqs.create_queue(
            QueueName=f"{stack}-dlq-{check}",
            Attributes={"MessageRetentionPeriod": "1209600"},
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        url = sqs.create_queue(
            QueueName=f"{stack}-check-{check}",
            Attributes={
                "VisibilityTimeout": str(VISIBILITY_TIMEOUT),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
                ),
            },
        )["QueueUrl"]
        queues[check] = {"queue": url, "dlq": dlq}

    client("sesv2", endpoint).create_email_identity(EmailIdentity=sender)

    settings = {
        "BUCKET_NAME": bucket,
        "TABLE_NAME": table,
        "CHECK_QUEUE_URL_PREFIX": f"{endpoint}/{ACCOUNT}/{stack}-check-",
        "SENDER": sender,
        "EVENT_BUS_NAME": "default",
        "EVENT_SOURCE": EVENT_SOURCE,
        "MAX_RECEIVE_COUNT": str(MAX_RECEIVE_COUNT),
    }
    out = {"settings": settings, "stream_arn": stream_arn, "queues": queues}
    if event_tap:
        tap = sqs.create_queue(QueueName=f"{stack}-status-events")["QueueUrl"]
        tap_arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        events = client("events", endpoint)
        events.put_rule(
            Name=f"{stack}-status-events",
            EventPattern=json.dumps({"source": [EVENT_SOURCE]}),
        )
        events.put_targets(
            Rule=f"{stack}-status-events", Targets=[{"Id": "tap", "Arn": tap_arn}]
        )
        out["event_tap"] = tap
    return out


def serve(port):
    moto = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return moto, endpoint


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--endpoint", help="an endpoint already running (moto server)")
    where.add_argument("--serve", type=int, metavar="PORT", help="start moto server on PORT")
    parser.add_argument("--stack", default="plugin-validator")
    parser.add_argument("--checks", help="comma-separated check ids (default: template.yaml's)")
    parser.add_argument("--sender", default="validator@example.org")
    parser.add_argument("--event-tap", action="store_true")
    parser.add_argument("--env", action="store_true", help="print shell exports")
    args = parser.parse_args()
    checks = args.checks.split(",") if args.checks else template_checks()
    moto = None
    endpoint = args.endpoint
    if args.serve:
        moto, endpoint = serve(args.serve)
    out = create(endpoint, args.stack, checks, args.sender, args.event_tap)
    if args.env:
        out["settings"].update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_REGION=REGION,
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
        )
        for name, value in out["settings"].items():
            print(f"export {name}='{value}'")
    else:
        print(json.dumps(out))
    sys.stdout.flush()
    if moto:
        print(f"# moto server running at {endpoint}; Ctrl-C stops it", file=sys.stderr)
        try:
            moto.wait()
        except KeyboardInterrupt:
            moto.terminate()


if __name__ == "__main__":
    main()
