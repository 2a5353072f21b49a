"""Starts the moto server for Orchestra's local runtime.

Usage: python3 moto_launcher.py --port PORT [--watch-pid PID]

Before the server starts it patches moto (items 3 to 5 are described at their functions):

1. moto < 5.2.3: the second StartExecution in one process fails with HTTP 500 ("cannot pickle
   '_thread.RLock'") because start_execution deep-copies the state machine together with its running
   executions and its backend. The copy is only a snapshot of the definition, so (as upstream 5.2.3
   does) the copy maps the machine's `executions` to an empty list and its `backend` to itself.
2. The engine's internal boto client (boto_client_for) disables retries. The engine sends its
   service calls (lambda:invoke, sqs, dynamodb, aws-sdk:*) to MOTO_PORT, which the runtime sets to
   its router; a router restart would otherwise fail the execution at once with States.Runtime.
   The patched client uses botocore's standard retry mode with enough attempts to span a restart.
3. DynamoDB transactions: atomic without copying tables (patch_dynamodb_atomicity).
4. The engine's JSONPath expressions are parsed once per path, not once per use (patch_jsonpath_cache).
5. moto's service packages are listed once, not on every request (patch_module_listing).

MOTO_PORT must be set by the caller to the router's port; the server's own port is --port.
"""

import argparse
import copy
import logging
import os
import sys
import threading
import time

RETRY_ATTEMPTS = int(os.environ.get("ORCHESTRA_ENGINE_RETRY_ATTEMPTS", "12"))


def _version_tuple(text):
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def _moto_version():
    from importlib.metadata import version

    return version("moto")


class _SnapshotCopy:
    """Stands in for the `copy` module inside moto's parser models: deep-copies a state machine as
    a snapshot of its definition (no executions, the same backend)."""

    def deepcopy(self, obj, memo=None):
        memo = {} if memo is None else memo
        executions = getattr(obj, "executions", None)
        if executions is not None:
            memo[id(executions)] = []
        backend = getattr(obj, "backend", None)
        if backend is not None:
            memo[id(backend)] = backend
        return copy.deepcopy(obj, memo)

    def __getattr__(self, name):
        return getattr(copy, name)


def patch_start_execution():
    if _version_tuple(_moto_version()) >= (5, 2, 3):
        return False
    from moto.stepfunctions.parser import models

    models.copy = _SnapshotCopy()
    return True


def patch_engine_client():
    import boto3
    from botocore.config import Config
    from moto.core.models import botocore_stubber
    from moto.settings import moto_server_port
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import (
        TimeoutSeconds,
    )
    from moto.stepfunctions.parser.asl.utils import boto_client as module

    original = module.boto_client_for
    clients = {}
    clients_lock = threading.Lock()

    def boto_client_for(region, service, state_credentials=None):
        # Building a client costs more than the call it makes (tens of ms, holding the GIL): keep
        # one per (region, service, endpoint) for the whole process. botocore clients are thread
        # safe; each is built with an unlimited retry quota, so one execution's retries across a
        # router restart never use up the others'.
        kwargs = {}
        if not botocore_stubber.enabled:
            kwargs["endpoint_url"] = f"http://localhost:{moto_server_port()}"
        key = (region, service, kwargs.get("endpoint_url"))
        client = clients.get(key)
        if client is None:
            with clients_lock:
                client = clients.get(key)
                if client is None:
                    client = clients[key] = _new_client(region, service, kwargs)
        return client

    def _new_client(region, service, kwargs):
        from botocore.retries import quota

        limited = quota.RetryQuota

        class _Unlimited(limited):
            def __init__(self, initial_capacity=10**9, lock=None):
                super().__init__(initial_capacity, lock)

        quota.RetryQuota = _Unlimited
        try:
            return boto3.client(
                aws_access_key_id="ak",
                region_name=region,
                service_name=service,
                aws_secret_access_key="sk",
                config=Config(
                    parameter_validation=False,
                    retries={"mode": "standard", "total_max_attempts": RETRY_ATTEMPTS},
                    connect_timeout=5,
                    read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                    max_pool_connections=64,
                ),
                **kwargs,
            )
        finally:
            quota.RetryQuota = limited

    module.boto_client_for = boto_client_for
    # Engine modules imported later bind the patched function; those already imported hold the
    # original through `from ... import boto_client_for`: rebind them.
    for name, loaded in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions") and loaded is not None:
            if getattr(loaded, "boto_client_for", None) is original:
                loaded.boto_client_for = boto_client_for
    return True


def patch_jsonpath_cache():
    """Parses each JSONPath once. moto's engine evaluates every path of a state (InputPath,
    Parameters' `.$` fields, ResultPath) with jsonpath_ng's parse(), which builds a new PLY LALR
    parser, tables and lexer each time (write_tables=0): profiled under the soak, that was 40% of
    moto's CPU and the larger part of each Task state's latency. A parsed expression holds no
    state of its own (find and update_or_create work on the data passed in), so one per path
    string is shared by all executions."""
    import functools

    import jsonpath_ng
    import jsonpath_ng.ext
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    patched = []
    for module, original in ((json_path, jsonpath_ng.ext.parse),
                             (result_path, jsonpath_ng.parse)):
        if getattr(module, "parse", None) is original:
            module.parse = functools.lru_cache(maxsize=4096)(original)
            patched.append(module.__name__)
    return patched


def patch_module_listing():
    """Lists moto's service packages once. For every request whose host names no service, moto's
    server walks its own package directory (a listdir and ~150 isdir calls, under the app lock)
    to find the backend; the packages do not change while it runs."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())

    def list_of_moto_modules():
        return iter(modules)

    backends.list_of_moto_modules = list_of_moto_modules
    return len(modules)


def _watch(pid):
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass
        time.sleep(1)


def patch_dynamodb_atomicity():
    """Makes DynamoDB transactions atomic without copying tables, and serializes DynamoDB calls.

    moto 5.2.1's transact_write_items deep-copies every table a transaction touches (once per
    item) and rolls a cancelled transaction back by swapping the copies in. That costs time in
    proportion to the table's size, and on moto's threaded server the swap can erase a concurrent
    request's write. The experiment store's invariants (running <= bandwidth, issued <= budget) rest
    on transactions being atomic. Here a transaction first checks every item's condition and writes
    nothing if one fails (TransactionCanceledException, with one reason per item, as moto reports
    it); only then it writes, keeping a copy of just the items it touches to put back should a write
    still fail. One lock around every DynamoDB call keeps readers from seeing half a transaction."""
    import functools

    from moto.dynamodb.models import DynamoDBBackend

    DynamoDBBackend.transact_write_items = _transact_write_items
    lock = threading.RLock()
    names = ("transact_write_items", "put_item", "update_item", "delete_item", "get_item",
             "query", "scan", "batch_get_item", "transact_get_items", "batch_write_item")
    for name in names:
        original = getattr(DynamoDBBackend, name, None)
        if original is None:
            continue

        def wrap(f):
            @functools.wraps(f)
            def locked(*a, **kw):
                with lock:
                    return f(*a, **kw)
            return locked

        setattr(DynamoDBBackend, name, wrap(original))


def _transact_write_items(self, transact_items):
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    ops = []
    seen = set()
    errors = []
    # Phase 1: every condition, nothing written.
    for item in transact_items:
        original_item = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            table = self.get_table(table_name)
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            unique = (str(table_name), str(dict(sorted(key.items()))))
            if unique in seen:
                raise MultipleTransactionsException()
            seen.add(unique)
            current = self.get_item(table_name, key)
            condition = op.get("ConditionExpression")
            if condition is not None:
                condition_op = get_filter_expression(
                    condition,
                    op.get("ExpressionAttributeNames"),
                    op.get("ExpressionAttributeValues"),
                )
                if not condition_op.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            ops.append((op_type, op, table_name, table, key))
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))
        except Exception as e:  # noqa: E722 reported per item, as moto does
            errors.append((type(e).__name__, str(e), original_item))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    # Phase 2: the writes, with a copy of each touched item to put back if one fails.
    backups = []
    for index, (op_type, op, table_name, table, key) in enumerate(ops):
        try:
            hash_key, range_key = self.get_keys_value(table, key)
            before = table.get_item(hash_key, range_key)
            backups.append((table, hash_key, range_key, copy.deepcopy(before)))
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(table_name, op["Item"], expression_attribute_names=names,
                              expression_attribute_values=values)
            elif op_type == "Delete":
                self.delete_item(table_name, key, expression_attribute_names=names,
                                 expression_attribute_values=values)
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 expression_attribute_names=names,
                                 expression_attribute_values=values)
        except Exception as e:
            for t, h, r, item in reversed(backups):
                _restore(t, h, r, item)
            if isinstance(e, (MultipleTransactionsException, MockValidationException)):
                raise
            failed = [(None, None, None)] * len(ops)
            failed[index] = (type(e).__name__, str(e), None)
            raise TransactionCanceledException(failed)


def _restore(table, hash_key, range_key, item):
    """Puts one item back as it was (absent when item is None)."""
    if range_key is not None:
        if item is None:
            table.items.get(hash_key, {}).pop(range_key, None)
        else:
            table.items[hash_key][range_key] = item
    elif item is None:
        table.items.pop(hash_key, None)
    else:
        table.items[hash_key] = item


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--watch-pid", type=int, default=0)
    args = parser.parse_args()
    if not os.environ.get("MOTO_PORT"):
        sys.exit("moto_launcher: set MOTO_PORT to the router's port")

    patched = patch_start_execution()
    patch_engine_client()
    patch_dynamodb_atomicity()
    cached = patch_jsonpath_cache()
    modules = patch_module_listing()
    print(
        f"moto_launcher: moto {_moto_version()}, start_execution fix "
        f"{'applied' if patched else 'not needed'}, engine retries {RETRY_ATTEMPTS}, "
        f"engine calls go to port {os.environ['MOTO_PORT']}, JSONPath parse cached in "
        f"{len(cached)} modules, {modules} service packages listed once",
        flush=True,
    )
    # One log line per request would grow moto.log without bound; keep warnings and errors.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if args.watch_pid:
        threading.Thread(target=_watch, args=(args.watch_pid,), daemon=True).start()

    from moto.server import main as server_main

    server_main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    main()
