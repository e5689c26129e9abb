#!/usr/bin/env python3
# docs/crypto.md §14.3 from the text alone: HKDF-SHA256 and AES-256-GCM of
# Python's `cryptography`, the WebCrypto toolbox.  Prints the values that
# tests/crypto/test_attach.c and the document must both show.
import hashlib
import json
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CHUNK = 256 * 1024
dek = bytes(range(32))
file_id = bytes(range(0x40, 0x50))
chunks = 1
okm = HKDF(hashes.SHA256(), 44, file_id, b"meldpunt-attachment-v1").derive(dek)
key, base_nonce = okm[:32], okm[32:]
index = 0
nonce = base_nonce[:8] + bytes(a ^ b for a, b in zip(base_nonce[8:],
                                                     struct.pack(">I", index)))
aad = (b"meldpunt-attachment-chunk" + b"\x01" + file_id +
       struct.pack(">II", index, chunks))
pt = b"%PDF-1.7 meldpunt".ljust(CHUNK, b"\0")
ct = AESGCM(key).encrypt(nonce, pt, aad)
print(json.dumps({"key": key.hex(), "base_nonce": base_nonce.hex(),
                  "aad": aad.hex(), "ct_len": len(ct),
                  "ct_sha256": hashlib.sha256(ct).hexdigest()}, indent=1))
