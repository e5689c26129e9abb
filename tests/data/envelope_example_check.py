#!/usr/bin/env python3
# Independent check of docs/crypto.md section 2: re-derives the worked example
# in tests/data/envelope_example.json from the documented byte layout alone,
# with HMAC-built HKDF, ECDH P-256 and AES-GCM (what a WebCrypto client has),
# without using crypto/*.c.  Needs python3-cryptography.  Usage:
#   python3 tests/data/envelope_example_check.py [tests/data/envelope_example.json]
import json, hmac, hashlib, base64, struct, sys
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
ex = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "tests/data/envelope_example.json"))
H = lambda b: hashlib.sha256(b).digest()
def extract(salt, ikm): return hmac.new(salt or b'\0'*32, ikm, hashlib.sha256).digest()
def expand(prk, info, L):
    t=b''; o=b''; i=1
    while len(o)<L:
        t=hmac.new(prk,t+info+bytes([i]),hashlib.sha256).digest(); o+=t; i+=1
    return o[:L]
def lext(sid, salt, label, ikm): return extract(salt, b'HPKE-v1'+sid+label+ikm)
def lexp(sid, prk, label, info, L): return expand(prk, struct.pack('>H',L)+b'HPKE-v1'+sid+label+info, L)
KEM_SID=b'KEM'+struct.pack('>H',0x10)
HPKE_SID=b'HPKE'+struct.pack('>HHH',0x10,1,2)
n=0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
def derive(ikm):
    prk=lext(KEM_SID,b'',b'dkp_prk',ikm)
    for c in range(256):
        sk=int.from_bytes(lexp(KEM_SID,prk,b'candidate',bytes([c]),32),'big')
        if 0<sk<n: return ec.derive_private_key(sk, ec.SECP256R1())
def pub(k):
    p=k.public_key().public_numbers(); return b'\x04'+p.x.to_bytes(32,'big')+p.y.to_bytes(32,'big')
cat=ex['category'].encode(); C=bytes([1,len(cat)])+cat
dek=bytes.fromhex(ex['dek']); nonce=bytes.fromhex(ex['content_nonce'])
pt=ex['plaintext'].encode()
commit=H(b'meldpunt-envelope-commit'+dek)
e=ex['expected']
assert commit.hex()==e['dek_commit']
aad=b'meldpunt-envelope-content'+C
assert aad.hex()==e['content_aad']
padded=struct.pack('>I',len(pt))+pt; padded+=b'\0'*(1024-len(padded))
ct=AESGCM(dek).encrypt(nonce,padded,aad)
env=e['envelope']
assert base64.b64encode(ct).decode()==env['ciphertext'], 'ciphertext'
assert base64.b64encode(nonce).decode()==env['content_nonce']
assert base64.b64encode(commit).decode()==env['dek_commit']
waad=nonce+commit; assert waad.hex()==e['wrap_aad']
for r,w in zip(ex['recipients'],env['wraps']):
    skR=derive(bytes.fromhex(r['ikm'])); skE=derive(bytes.fromhex(r['ikmE']))
    pkR=pub(skR); assert pkR.hex()==r['pkRm']
    kid=H(b'meldpunt-key-id'+struct.pack('>H',0x10)+pkR)[:16]
    assert kid.hex()==r['key_id']==w['key_id']
    enc=pub(skE); assert base64.b64encode(enc).decode()==w['enc']
    dh=skE.exchange(ec.ECDH(), skR.public_key())
    prk=lext(KEM_SID,b'',b'eae_prk',dh)
    ss=lexp(KEM_SID,prk,b'shared_secret',enc+pkR,32); assert ss.hex()==r['shared_secret']
    info=b'meldpunt-envelope-wrap'+C+kid; assert info.hex()==r['wrap_info']
    ksc=b'\0'+lext(HPKE_SID,b'',b'psk_id_hash',b'')+lext(HPKE_SID,b'',b'info_hash',info)
    sec=lext(HPKE_SID,ss,b'secret',b'')
    key=lexp(HPKE_SID,sec,b'key',ksc,32); bn=lexp(HPKE_SID,sec,b'base_nonce',ksc,12)
    assert key.hex()==r['key'] and bn.hex()==r['base_nonce']
    wd=AESGCM(key).encrypt(bn,dek,waad)
    assert base64.b64encode(wd).decode()==w['wrapped_dek'], 'wrapped_dek'
# binary form
b=b'MPE'+bytes([1])+struct.pack('>HHH',16,1,2)+bytes([len(cat)])+cat+nonce+commit+struct.pack('>I',len(ct))+ct+bytes([len(env['wraps'])])
for w in env['wraps']:
    b+=bytes.fromhex(w['key_id'])+base64.b64decode(w['enc'])+base64.b64decode(w['wrapped_dek'])
assert len(b)==e['binary_length'] and H(b).hex()==e['binary_sha256']
print('independent implementation reproduces the example: OK')
