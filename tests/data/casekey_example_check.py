#!/usr/bin/env python3
# Independent check of docs/crypto.md section 12: re-derives the worked example
# in tests/data/casekey_example.json (case-key wrap to an epoch key, the outer
# layer, a sealed staff text) from the documented byte layouts alone, with
# HMAC-built HKDF, ECDH P-256 and AES-GCM (no crypto/*.c).  Needs
# python3-cryptography.  Usage:
#   python3 tests/data/casekey_example_check.py [tests/data/casekey_example.json]
#   python3 tests/data/casekey_example_check.py --generate   (prints the JSON)
import json, hmac, hashlib, struct, sys, uuid
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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
def seal(skR_pub, skE, info, pt):
    enc=pub(skE); pkR=skR_pub
    dh=skE.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), pkR))
    prk=lext(KEM_SID,b'',b'eae_prk',dh)
    ss=lexp(KEM_SID,prk,b'shared_secret',enc+pkR,32)
    ksc=b'\0'+lext(HPKE_SID,b'',b'psk_id_hash',b'')+lext(HPKE_SID,b'',b'info_hash',info)
    sec=lext(HPKE_SID,ss,b'secret',b'')
    key=lexp(HPKE_SID,sec,b'key',ksc,32); bn=lexp(HPKE_SID,sec,b'base_nonce',ksc,12)
    return enc, AESGCM(key).encrypt(bn,pt,b''), ss, key, bn

def compute(inp):
    out={}
    cid=uuid.UUID(inp['case_id']).bytes
    ck=bytes.fromhex(inp['case_key'])
    epoch=inp['epoch']
    skR=derive(inp['epoch_ikm'].encode()); skE=derive(inp['ephemeral_ikm'].encode())
    pkR=pub(skR)
    out['epoch_skRm']=skR.private_numbers().private_value.to_bytes(32,'big').hex()
    out['epoch_pkRm']=pkR.hex()
    info=b'meldpunt-case-key-wrap'+struct.pack('>I',epoch)+cid
    out['wrap_info']=info.hex()
    enc,wrapped,ss,key,bn=seal(pkR,skE,info,ck)
    out['enc']=enc.hex(); out['wrapped']=wrapped.hex()
    out['shared_secret']=ss.hex(); out['key']=key.hex(); out['base_nonce']=bn.hex()
    # the outer layer on the wrapped DEK of section 2.8 (recipient 0)
    lab=inp['layer_label'].encode(); ln=bytes.fromhex(inp['layer_nonce'])
    aad=b'meldpunt-case-layer'+b'\x01'+cid+lab
    out['layer_aad']=aad.hex()
    out['layered']=(b'\x01'+ln+AESGCM(ck).encrypt(ln,bytes.fromhex(inp['layer_inner']),aad)).hex()
    # a sealed staff text: an envelope item (section 2.7) under the case key
    txt=inp['text'].encode(); tn=bytes.fromhex(inp['text_nonce'])
    ctx=inp['text_label'].encode()+cid
    padded=struct.pack('>I',len(txt))+txt; padded+=b'\0'*((-len(padded))%256)
    iaad=b'meldpunt-envelope-item'+b'\x01'+ctx
    out['text_aad']=iaad.hex()
    out['text_item']=(b'\x01'+tn+AESGCM(ck).encrypt(tn,padded,iaad)).hex()
    return out

INPUT={
 "epoch": 7,
 "epoch_ikm": "meldpunt-example-epoch-key-00007",
 "ephemeral_ikm": "meldpunt-example-ephemeral-ck-01",
 "case_id": "3f8a1c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
 "case_key": "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
 "layer_label": "dek-wrap:b1dff493f7c3b6fca9ad2b94a67752cc",
 "layer_nonce": "404142434445464748494a4b",
 "layer_inner": "36687f4197d7c73e8ff52c14165d0af4f1af53ddf2cad07651c77541f3ccead8b3de22780bc39407198cba2562b65dae",
 "text_label": "meldpunt-transition-reason",
 "text_nonce": "505152535455565758595a5b",
 "text": "Eerste contact gehad; melder belt terug."
}
if len(sys.argv)>1 and sys.argv[1]=='--generate':
    print(json.dumps({"input":INPUT,"expected":compute(INPUT)},indent=1)); sys.exit(0)
ex=json.load(open(sys.argv[1] if len(sys.argv)>1 else "tests/data/casekey_example.json"))
got=compute(ex['input'])
for k,v in ex['expected'].items():
    assert got[k]==v, k
print('independent implementation reproduces the case-key example: OK')
