"""Proves the deployed stacks and their resources exist in the emulator (AWS_ENDPOINT_URL).

Also prints, per stack, the resource types of the synthesized template (cdk.out) that moto's
CloudFormation did not create: what the README lists as skipped.
"""
import collections
import json
import os
import sys

import boto3

stacks = sys.argv[1:]
cf = boto3.client("cloudformation")
failed = []
for name in stacks:
    status = cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    print(f"stack {name}: {status}")
    if status != "CREATE_COMPLETE" and status != "UPDATE_COMPLETE":
        failed.append(f"stack {name} is {status}")
    template = os.path.join("cdk.out", f"{name}.template.json")
    if os.path.exists(template):
        wanted = collections.Counter(
            r["Type"] for r in json.load(open(template))["Resources"].values())
        made = collections.Counter(
            r["ResourceType"]
            for page in cf.get_paginator("list_stack_resources").paginate(StackName=name)
            for r in page["StackResourceSummaries"])
        skipped = {t: n - made[t] for t, n in sorted(wanted.items()) if n > made[t]}
        print(f"  template resource types moto did not create: {skipped or 'none'}")

expect = {
    "tables": (["orchestra-experiments", "orchestra-clusters"], boto3.client("dynamodb").list_tables()["TableNames"]),
    "queues": (
        ["orchestra-intake", "orchestra-intake-dlq", "orchestra-results", "orchestra-results-dlq"],
        [u.rsplit("/", 1)[1] for u in boto3.client("sqs").list_queues().get("QueueUrls", [])],
    ),
    "buckets": (
        ["orchestra-123456789012-us-east-1"],
        [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]],
    ),
}
if "OrchestraWorkflows" in stacks:
    expect["functions"] = (
        [
            "orchestra-intake", "orchestra-prepare", "orchestra-wait-until-done",
            "orchestra-finalize", "orchestra-dispatch", "orchestra-record",
            "orchestra-record-failure", "orchestra-results", "orchestra-api",
        ]
        + [
            "orchestra-cluster-" + step
            for step in (
                "validate", "find-subnets", "create-roles", "create-cluster", "cluster-status",
                "create-access-entries", "create-addons", "create-nodegroups",
                "nodegroups-status", "bootstrap-kubernetes", "finish-create",
                "rollback-nodegroups", "rollback-cluster", "rollback-rest", "destroy-nodegroups", "destroy-cluster",
                "destroy-roles", "plan-update", "advance-update", "update-failed", "idle-check",
            )
        ],
        [f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]],
    )
    expect["state machines"] = (
        [
            "orchestra-experiment", "orchestra-run", "orchestra-cluster-create",
            "orchestra-cluster-update", "orchestra-cluster-destroy",
        ],
        [m["name"] for m in boto3.client("stepfunctions").list_state_machines()["stateMachines"]],
    )
if "OrchestraApi" in stacks:
    expect["REST APIs"] = (
        ["orchestra-api"],
        [a["name"] for a in boto3.client("apigateway").get_rest_apis()["items"]],
    )
for kind, (wanted, found) in expect.items():
    missing = sorted(set(wanted) - set(found))
    print(f"{kind}: {sorted(found)}")
    if missing:
        failed.append(f"{kind} missing: {missing}")
if failed:
    print("FAILED: " + "; ".join(failed))
    sys.exit(1)
print("OK: every listed resource exists")
