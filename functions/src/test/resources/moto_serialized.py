# Starts moto with DynamoDB calls serialized. moto 5.2.1's transact_write_items backs up whole
# tables with deepcopy and rolls back by swapping them in, so a concurrent write (moto's server is
# threaded) can be erased by another request's rollback. One lock restores DynamoDB's atomicity.
import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_lock = threading.RLock()
for _name in ("transact_write_items", "put_item", "update_item", "delete_item", "get_item",
              "query", "scan", "batch_get_item", "transact_get_items"):
    _orig = getattr(DynamoDBBackend, _name, None)
    if _orig is None:
        continue

    def _wrap(f):
        @functools.wraps(f)
        def locked(*a, **kw):
            with _lock:
                return f(*a, **kw)
        return locked

    setattr(DynamoDBBackend, _name, _wrap(_orig))

sys.exit(main(sys.argv[1:]))
