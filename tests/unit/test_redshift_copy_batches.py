"""COPY's JSON conversion in batches writes the same rows, and rejects the same lines, as object by object."""

from __future__ import annotations

import pytest

from sandbox.localcloud.redshift_data.copy import BATCH_BYTES, Rejected, _batch_json_csv, _batches, _json_csv, _together

CASES = {
    "the lake's lines": [
        b'{"InvoiceNo":"536365","Quantity":6,"UnitPrice":2.55,"CustomerID":17850,"Country":"United Kingdom"}\n',
        b'{"InvoiceNo":"C536379","Quantity":-1,"UnitPrice":27.5,"CustomerID":null,"Country":"France"}\n'
        b'{"InvoiceNo":"536380","Quantity":24,"UnitPrice":1.0,"Country":"France, \\"Paris\\""}',  # no final newline
    ],
    "int in one object, double in the other": [b'{"Quantity":6,"UnitPrice":3}\n', b'{"Quantity":6.5,"UnitPrice":2.5}\n'],
    "large ints next to doubles": [b'{"Quantity":100000000000,"UnitPrice":1000000}\n', b'{"Quantity":0.5,"UnitPrice":0.25}\n'],
    "keys differing in case": [b'{"Country":"UK","Quantity":1}\n', b'{"country":"France","Quantity":2}\n'],
    "timestamp-like strings next to text": [b'{"InvoiceNo":"2010-12-01 08:26:00"}\n', b'{"InvoiceNo":"536365"}\n'],
    "a line that is not JSON": [b'{"Quantity":1}\n', b'{"Quantity":2}\nnot json\n[1, 2]\n'],
    "a type that changes": [b'{"Quantity":1}\n', b'{"Quantity":"many"}\n'],
    "nested values": [b'{"Quantity":1,"InvoiceNo":{"a":1}}\n', b'{"Quantity":2,"InvoiceNo":[1,2]}\n'],
    "empty objects and blank lines": [b"", b'\n{"Quantity":3}\n\n', b'{"Country":"EIRE"}\n'],
}
COLUMNS = ["invoiceno", "quantity", "unitprice", "customerid", "country"]


@pytest.mark.parametrize("ignorecase", [True, False])
@pytest.mark.parametrize("name", list(CASES))
def test_batch_writes_what_objects_write_one_by_one(name: str, ignorecase: bool) -> None:
    bodies = [(f"orders/part-{i}.gz", body) for i, body in enumerate(CASES[name])]
    columns = COLUMNS if ignorecase else ["InvoiceNo", "Quantity", "UnitPrice", "CustomerID", "Country"]
    one_by_one: list[Rejected] = []
    expected = b"".join(_json_csv(body, columns, ignorecase, key, one_by_one) for key, body in bodies)
    batched: list[Rejected] = []
    assert _batch_json_csv(bodies, columns, ignorecase, batched) == expected
    assert batched == one_by_one


def test_batches_keep_key_order_and_size() -> None:
    keys = [f"k{i:03d}" for i in range(100)]
    sizes = {k: BATCH_BYTES // 80 + 1 for k in keys}  # ten objects per batch
    groups = _batches(keys, sizes)
    assert [k for group in groups for k in group] == keys
    assert [len(g) for g in groups] == [10] * 10


@pytest.mark.parametrize("name, together", [
    ("the lake's lines", True), ("int in one object, double in the other", True),
    ("large ints next to doubles", False), ("keys differing in case", False),
    ("timestamp-like strings next to text", False), ("a line that is not JSON", False),
    ("a type that changes", False), ("nested values", False)])
def test_which_batches_are_parsed_together(name: str, together: bool) -> None:
    joined = b"".join(b if b.endswith(b"\n") else b + b"\n" for b in CASES[name])
    assert (_together(joined, COLUMNS, True) is not None) is together
