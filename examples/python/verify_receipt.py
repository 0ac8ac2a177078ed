#!/usr/bin/env python3
"""Checks a fairquote receipt with no fairquote code: that the checkpoint is signed by the
log's key, and that the quote's record is in the log whose root the checkpoint states.

    python3 verify_receipt.py receipt.json

A receipt (written by quote.py, or by hand from grpcurl's JSON) holds GetCheckpoint's `note`
and `verifier_key`, and ProveInclusion's `position`, `tree_size`, `record` and `hashes` (base64),
and the `quote_id`. Only hashlib and an Ed25519 implementation (the `cryptography` package) are
used: the formats are RFC 6962 / RFC 9162 (the tree) and the signed note of Go's checksum
database and C2SP (the checkpoint), as docs/TRANSPARENCY.md describes them.
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def checkpoint(note, verifier_key):
    """The (size, root) a signed note states, once its signature verifies."""
    name, key_id, key = verifier_key.split("+", 2)
    key = base64.b64decode(key)
    assert key[0] == 1, "not an Ed25519 key"
    body, signatures = note.split("\n\n", 1)
    body += "\n"
    expected_id = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    assert expected_id.hex() == key_id, "the key id does not match the key"
    for line in signatures.splitlines():
        signer, blob = line.removeprefix("\u2014 ").split(" ", 1)
        blob = base64.b64decode(blob)
        if signer == name and blob[:4] == expected_id:
            Ed25519PublicKey.from_public_bytes(key[1:]).verify(blob[4:], body.encode())
            lines = body.splitlines()
            return int(lines[1]), base64.b64decode(lines[2])
    raise AssertionError("no signature by the log's key")


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def included(leaf, index, size, path, root):
    """RFC 9162, 2.1.3.2: the audit path from leaf `index` leads to `root`."""
    if index >= size:
        return False
    f, s, r = index, size - 1, leaf
    for p in path:
        if s == 0:
            return False
        if f & 1 or f == s:
            r = node(p, r)
            while f & 1 == 0 and f != 0:
                f, s = f >> 1, s >> 1
        else:
            r = node(r, p)
        f, s = f >> 1, s >> 1
    return s == 0 and r == root


def main():
    receipt = json.load(open(sys.argv[1]))
    size, root = checkpoint(receipt["note"], receipt["verifier_key"])
    record = base64.b64decode(receipt["record"])
    leaf = hashlib.sha256(b"\x00" + record).digest()
    path = [base64.b64decode(h) for h in receipt["hashes"]]
    assert int(receipt["tree_size"]) == size, "the proof is for another tree than the checkpoint's"
    assert receipt["quote_id"].encode() in record, "the record is not this quote's"
    assert included(leaf, int(receipt["position"]), size, path, root), "the path does not lead to the root"
    print(f"quote {receipt['quote_id']} is record {int(receipt['position']) + 1} of the {size} "
          f"the signed checkpoint of {receipt['note'].splitlines()[3][5:]} covers")


if __name__ == "__main__":
    main()
