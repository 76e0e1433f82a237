#!/usr/bin/env python3
"""Prints the records of a DynamoDB stream (moto server or AWS) as the Lambda event the
aggregator receives: {"Records": [...]}, each record as the Streams API returns it plus
eventSourceARN. Records from --after (a sequence number, exclusive) on.

  moto-stream-records.py --endpoint URL --stream-arn ARN [--after SEQ]
"""
import argparse
import json

import boto3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--stream-arn", required=True)
    parser.add_argument("--after")
    args = parser.parse_args()
    streams = boto3.client(
        "dynamodbstreams",
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    shards = streams.describe_stream(StreamArn=args.stream_arn)["StreamDescription"]["Shards"]
    records = []
    for shard in shards:
        iterator = streams.get_shard_iterator(
            StreamArn=args.stream_arn,
            ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(page["Records"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    out = []
    for record in records:
        change = record["dynamodb"]
        if args.after is not None and int(change["SequenceNumber"]) <= int(args.after):
            continue
        when = change.get("ApproximateCreationDateTime")
        if when is not None and hasattr(when, "timestamp"):
            change["ApproximateCreationDateTime"] = when.timestamp()
        record["eventSourceARN"] = args.stream_arn
        out.append(record)
    print(json.dumps({"Records": out}))


if __name__ == "__main__":
    main()
