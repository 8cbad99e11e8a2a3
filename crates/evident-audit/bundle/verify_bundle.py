#!/usr/bin/env python3
"""Checks an evident evidence bundle with nothing from evident: Python's hashlib
and zipfile, and the `cryptography` package for ed25519.

    python3 verify_bundle.py BUNDLE.zip [ledger.pub]

Exit 0 when every check passes; 1 with the problems, each naming its file.
"""
import base64
import datetime
import hashlib
import os
import shutil
import subprocess
import tempfile
import json
import sys
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf, index, size, path, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def public_key(text):
    lines = text.splitlines()
    if not lines or lines[0] != "evident-ledger-public-key/1" or len(lines) < 2:
        raise ValueError("not an evident public key")
    return bytes.fromhex(lines[1].strip())


def signed(key, signature, message):
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def key_id(name, kind, key):
    """c2sp.org/signed-note: SHA-256(name || 0x0A || type || key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + key).digest()[:4]


def signature_lines(checkpoint):
    """A C2SP note's text (with its final newline) and its (name, bytes) signatures."""
    text, _, sigs = checkpoint.rpartition("\n\n")
    lines = []
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            raise ValueError("not a signature line: %r" % line)
        name, b64 = line[2:].split(" ", 1)
        lines.append((name, base64.b64decode(b64, validate=True)))
    return text + "\n", lines


def read_checkpoint(checkpoint, key):
    """(size, root, signed text, problem) of a checkpoint in either evident form."""
    if checkpoint.startswith("evident-checkpoint/1\n"):
        body, _, rest = checkpoint.partition("\n\n")
        body += "\n\n"
        fields = dict(l.split(": ", 1) for l in body.splitlines()[1:] if ": " in l)
        tail = dict(l.split(": ", 1) for l in rest.splitlines() if ": " in l)
        problem = None
        if bytes.fromhex(tail.get("key", "")) != key:
            problem = "signed by a different key than the one trusted"
        elif not signed(key, bytes.fromhex(tail.get("signature", "")), body.encode()):
            problem = "the signature does not verify"
        return int(fields["size"]), bytes.fromhex(fields["root"]), body, problem
    text, sigs = signature_lines(checkpoint)
    origin, size, root = text.split("\n")[:3]
    want = key_id(origin, 0x01, key)
    own = [raw[4:] for name, raw in sigs if name == origin and raw[:4] == want and len(raw) == 68]
    problem = None
    if not own:
        problem = "signed by a different key than the one trusted"
    elif not signed(key, own[0], text.encode()):
        problem = "the signature does not verify"
    return int(size), base64.b64decode(root), text, problem


def cosigned(checkpoint, text, witnesses):
    """(name, UTC time) of each cosignature by a listed witness (c2sp.org/tlog-cosignature)."""
    if checkpoint.startswith("evident-checkpoint/1\n"):
        return []
    keys = {}
    for vkey in witnesses:
        name, _, material = vkey.split("+")
        raw = base64.b64decode(material)
        if raw[0] == 0x04:
            keys[(name, key_id(name, 0x04, raw[1:]))] = raw[1:]
    found = []
    for name, raw in signature_lines(checkpoint)[1]:
        key = keys.get((name, raw[:4]))
        if key is None or len(raw) != 76:
            continue
        when = int.from_bytes(raw[4:12], "big")
        message = ("cosignature/v1\ntime %d\n" % when + text).encode()
        if not signed(key, raw[12:], message):
            raise ValueError("the cosignature by %s does not verify" % name)
        stamp = datetime.datetime.fromtimestamp(when, datetime.timezone.utc)
        found.append((name, stamp.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return found


def time_stamped(checkpoint, text, authority):
    """Checks each RFC 3161 time-stamp by the TSA the bundle names with
    `openssl ts -verify`, the TSA certificate as the trust anchor."""
    name, _, pem = authority.partition("\n")
    tokens = [raw[4:] for n, raw in signature_lines(checkpoint)[1] if n == name]
    problems = []
    for token in tokens:
        if shutil.which("openssl") is None:
            print("time-stamp by %s present; not checked here (no openssl)" % name)
            continue
        with tempfile.TemporaryDirectory() as d:
            paths = {}
            for f, data in [("note", text.encode()), ("token", token), ("tsa.pem", pem.encode())]:
                paths[f] = os.path.join(d, f)
                with open(paths[f], "wb") as out:
                    out.write(data)
            r = subprocess.run(
                ["openssl", "ts", "-verify", "-data", paths["note"], "-in", paths["token"],
                 "-token_in", "-CAfile", paths["tsa.pem"], "-partial_chain"],
                capture_output=True, text=True)
            if r.returncode == 0:
                print("time-stamped by %s (openssl ts -verify: OK)" % name)
            else:
                problems.append("checkpoint.txt: the time-stamp by %s does not verify" % name)
    return problems


MAX_MEMBER = 256 << 20


class Members:
    """The zip's members, each read when asked and never past its size in
    the manifest (or a cap before the manifest is read): a member that
    inflates beyond is named, not read."""

    def __init__(self, z):
        self.z = z
        self.names = z.namelist()
        # Before the manifest is read, the small files it signs get small caps.
        small = ["ledger.pub", "checkpoint.txt", "witnesses.txt", "timestamp-authority.txt",
                 "manifest.sig"]
        self.sizes = {name: 64 << 10 for name in small}

    def __contains__(self, name):
        return name in self.names

    def __iter__(self):
        return iter(self.names)

    def __getitem__(self, name):
        limit = self.sizes.get(name, MAX_MEMBER)
        with self.z.open(name) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise ValueError(
                "%s: holds more than the %d bytes the manifest gives it" % (name, limit))
        return data

    def get(self, name, default=None):
        return self[name] if name in self else default


def check(bundle, trusted_key_text=None):
    try:
        with zipfile.ZipFile(bundle) as z:
            return check_members(Members(z), trusted_key_text)
    except (zipfile.BadZipFile, OSError) as e:
        return ["not a readable zip: %s" % e]


def check_members(files, trusted_key_text):
    problems = []

    key = public_key(trusted_key_text or files["ledger.pub"].decode())
    checkpoint = files["checkpoint.txt"].decode()
    size, root, body, problem = read_checkpoint(checkpoint, key)
    if problem:
        problems.append("checkpoint.txt: " + problem)
    witnesses = files.get("witnesses.txt", b"").decode().split()
    try:
        for name, when in cosigned(checkpoint, body, witnesses):
            print("witnessed by %s at %s" % (name, when))
    except ValueError as e:
        problems.append("checkpoint.txt: %s" % e)
    if "timestamp-authority.txt" in files:
        problems += time_stamped(checkpoint, body, files["timestamp-authority.txt"].decode())

    manifest_bytes = files["manifest.json"]
    sig = bytes.fromhex(files["manifest.sig"].decode().strip())
    if not signed(key, sig, manifest_bytes):
        problems.append("manifest.sig: the manifest's signature does not verify")
    manifest = json.loads(manifest_bytes)
    files.sizes.update(manifest.get("sizes", {}))
    if manifest["tree_size"] != size or manifest["root"] != root.hex():
        problems.append("manifest.json: tree size or root differs from checkpoint.txt")

    for name, want in manifest["files"].items():
        if name not in files:
            problems.append("%s: missing" % name)
            continue
        try:
            data = files[name]
        except ValueError as e:
            problems.append(str(e))
            continue
        if sha256(data) != want:
            problems.append("%s: its SHA-256 differs from the manifest" % name)
    listed = set(manifest["files"]) | {"manifest.json", "manifest.sig"}
    for e in manifest["entries"]:
        listed |= {e["file"], e["blob"]}
        try:
            entry = files.get(e["file"])
        except ValueError as x:
            problems.append(str(x))
            continue
        if entry is None:
            problems.append("%s: missing" % e["file"])
            continue
        leaf = leaf_hash(entry)
        if leaf.hex() != e["leaf_hash"]:
            problems.append("%s: its leaf hash differs from the manifest" % e["file"])
        path = [bytes.fromhex(p) for p in e["proof"]]
        if not verify_inclusion(leaf, e["seq"], size, path, root):
            problems.append("%s: not included in the checkpoint's tree" % e["file"])
        try:
            named = json.loads(entry)["content_sha256"]
        except (ValueError, KeyError):
            named = None
        if named != e["content_sha256"]:
            problems.append("%s: names a different content hash" % e["file"])
        try:
            blob = files.get(e["blob"])
        except ValueError as x:
            problems.append(str(x))
            continue
        if blob is None:
            problems.append("%s: missing" % e["blob"])
        elif sha256(blob) != e["content_sha256"]:
            problems.append("%s: its SHA-256 differs from the entry's" % e["blob"])
    for name in files:
        if name not in listed:
            problems.append("%s: not listed in the manifest" % name)
    return problems


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        return 2
    trusted = open(sys.argv[2]).read() if len(sys.argv) == 3 else None
    try:
        problems = check(sys.argv[1], trusted)
    except (KeyError, ValueError, UnicodeDecodeError) as e:
        problems = ["the bundle is malformed: %r" % (e,)]
    for p in problems:
        print(p)
    if problems:
        return 1
    print("bundle verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
