"""Tests of moto_launcher's patches (DynamoDB transactions against moto in process with mock_aws,
the engine client, JSONPath parsing, the service package listing).

Run by MotoLauncherPatchTest with the launcher's folder on PYTHONPATH."""
import threading
import unittest

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

import moto_launcher

moto_launcher.patch_dynamodb_atomicity()

TABLE = "t"


def _n(v):
    return {"N": str(v)}


def _key(sk):
    return {"pk": {"S": "E#1"}, "sk": {"S": sk}}


class TransactionPatchTest(unittest.TestCase):
    def setUp(self):
        self.mock = mock_aws()
        self.mock.start()
        self.db = boto3.client("dynamodb", region_name="us-east-1")
        self.db.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
        )
        self.db.put_item(TableName=TABLE, Item={**_key("E"), "running": _n(0), "issued": _n(0)})

    def tearDown(self):
        self.mock.stop()

    def _exp(self):
        return self.db.get_item(TableName=TABLE, Key=_key("E"), ConsistentRead=True)["Item"]

    def _issue(self, number):
        """issued = number - 1 -> number, running + 1, and the run item, in one transaction."""
        return self.db.transact_write_items(TransactItems=[
            {"Update": {"TableName": TABLE, "Key": _key("E"),
                        "UpdateExpression": "SET issued = :n, running = running + :one",
                        "ConditionExpression": "issued = :prev",
                        "ExpressionAttributeValues": {":n": _n(number), ":prev": _n(number - 1),
                                                      ":one": _n(1)}}},
            {"Put": {"TableName": TABLE, "Item": {**_key("R#%d" % number)},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])

    def test_transaction_whenAllConditionsHold_writesEveryItem(self):
        self._issue(1)
        self.assertEqual("1", self._exp()["issued"]["N"])
        self.assertEqual("1", self._exp()["running"]["N"])
        self.assertIn("Item", self.db.get_item(TableName=TABLE, Key=_key("R#1")))

    def test_transaction_whenALaterConditionFails_writesNothing_andNamesTheItem(self):
        self.db.put_item(TableName=TABLE, Item=_key("R#1"))
        with self.assertRaises(ClientError) as caught:
            self._issue(1)
        error = caught.exception.response
        self.assertEqual("TransactionCanceledException", error["Error"]["Code"])
        codes = [r.get("Code") for r in error["CancellationReasons"]]
        self.assertEqual(["None", "ConditionalCheckFailed"], codes)
        self.assertEqual("0", self._exp()["issued"]["N"])
        self.assertEqual("0", self._exp()["running"]["N"])

    def test_transaction_whenAWriteFailsAfterTheChecks_putsTheTouchedItemsBack(self):
        # The second update's expression is invalid for the item (adds a number to a string):
        # its condition holds, so the first item is written before the second fails.
        self.db.put_item(TableName=TABLE, Item={**_key("R#1"), "name": {"S": "x"}})
        with self.assertRaises(ClientError):
            self.db.transact_write_items(TransactItems=[
                {"Update": {"TableName": TABLE, "Key": _key("E"),
                            "UpdateExpression": "SET running = running + :one",
                            "ExpressionAttributeValues": {":one": _n(1)}}},
                {"Update": {"TableName": TABLE, "Key": _key("R#1"),
                            "UpdateExpression": "SET #n = #n + :one",
                            "ExpressionAttributeNames": {"#n": "name"},
                            "ExpressionAttributeValues": {":one": _n(1)}}},
            ])
        self.assertEqual("0", self._exp()["running"]["N"])
        run = self.db.get_item(TableName=TABLE, Key=_key("R#1"))["Item"]
        self.assertEqual({"S": "x"}, run["name"])

    def test_cancelledTransactions_neverEraseConcurrentWrites(self):
        # Many threads race to issue the same numbers while others write unrelated items: every
        # number is issued once, and every unrelated write survives the cancelled transactions.
        def issuer():
            for number in range(1, 31):
                try:
                    self._issue(number)
                except ClientError:
                    pass

        def writer(w):
            for i in range(30):
                self.db.put_item(TableName=TABLE, Item=_key("W#%d-%d" % (w, i)))

        threads = [threading.Thread(target=issuer) for _ in range(4)]
        threads += [threading.Thread(target=writer, args=(w,)) for w in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual("30", self._exp()["issued"]["N"])
        self.assertEqual("30", self._exp()["running"]["N"])
        items = self.db.query(TableName=TABLE, KeyConditionExpression="pk = :p",
                              ExpressionAttributeValues={":p": {"S": "E#1"}})["Items"]
        sks = {i["sk"]["S"] for i in items}
        self.assertEqual(30, len([s for s in sks if s.startswith("R#")]))
        self.assertEqual(60, len([s for s in sks if s.startswith("W#")]))


class EngineClientPatchTest(unittest.TestCase):
    def test_engineClient_isBuiltOnce_andSharedByEveryExecutionThread(self):
        moto_launcher.patch_engine_client()
        from moto.stepfunctions.parser.asl.utils import boto_client as module

        seen = []
        threads = [threading.Thread(target=lambda: seen.append(
            module.boto_client_for("us-east-1", "lambda"))) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(4, len(seen))
        self.assertTrue(all(c is seen[0] for c in seen))
        self.assertIsNot(seen[0], module.boto_client_for("us-east-1", "sqs"))


class JsonPathCachePatchTest(unittest.TestCase):
    def test_eachPathIsParsedOnce_andEvaluatesAsBefore(self):
        from moto.stepfunctions.parser.asl.utils import json_path
        from moto.stepfunctions.parser.asl.component.common.path import result_path

        moto_launcher.patch_jsonpath_cache()
        data = {"run": {"id": "r1", "attempt": 2}, "list": [{"v": 1}, {"v": 2}]}
        self.assertEqual("r1", json_path.extract_json("$.run.id", data))
        self.assertEqual([1, 2], json_path.extract_json("$.list[*].v", data))
        # moto answers a path through an index with a list (its issue 7825 rule), patched or not.
        self.assertEqual([2], json_path.extract_json("$.list[1].v", data))
        with self.assertRaises(json_path.NoSuchJsonPathError):
            json_path.extract_json("$.run.missing", data)
        self.assertIs(json_path.parse("$.run.id"), json_path.parse("$.run.id"))
        self.assertIs(result_path.parse("$.result"), result_path.parse("$.result"))
        # A shared expression writes into the document it is given, never into another.
        first, second = {"a": 1}, {"a": 2}
        result_path.parse("$.result").update_or_create(first, {"x": 1})
        result_path.parse("$.result").update_or_create(second, {"x": 2})
        self.assertEqual({"a": 1, "result": {"x": 1}}, first)
        self.assertEqual({"a": 2, "result": {"x": 2}}, second)

    def test_patchingTwice_keepsOneCache(self):
        from moto.stepfunctions.parser.asl.utils import json_path

        moto_launcher.patch_jsonpath_cache()
        cached = json_path.parse
        self.assertEqual([], moto_launcher.patch_jsonpath_cache())
        self.assertIs(cached, json_path.parse)


class ModuleListingPatchTest(unittest.TestCase):
    def test_servicePackagesAreListedOnce_withTheSameNames(self):
        from moto import backends

        before = list(backends.list_of_moto_modules())
        moto_launcher.patch_module_listing()
        self.assertEqual(before, list(backends.list_of_moto_modules()))
        self.assertIn("stepfunctions", before)
        self.assertIn("dynamodb", before)


if __name__ == "__main__":
    unittest.main()
