// HPKE (RFC 9180) base mode with WebCrypto alone: DHKEM(P-256, HKDF-SHA256),
// HKDF-SHA256, AES-256-GCM (the mandatory suite of docs/crypto.md §1) and
// AES-128-GCM (so that RFC 9180 A.3.1 checks this code too).
//
// WebCrypto's HKDF always runs extract and expand together, so the labelled
// steps are built from HMAC-SHA256 `sign` (RFC 5869).  The same module runs
// in a browser and in node >= 20 (globalThis.crypto.subtle), which is how
// tests/browser/crypto.test.mjs checks it against the C library's vectors.

import { concat, i2osp, utf8, wipe } from './bytes.js';

const subtle = globalThis.crypto.subtle;

export const KEM_P256 = 0x0010;
export const KDF_SHA256 = 0x0001;
export const AEAD_AES128GCM = 0x0001;
export const AEAD_AES256GCM = 0x0002;
export const SUITE_DEFAULT = Object.freeze({ kem: 16, kdf: 1, aead: 2 });

const NENC = 65;
const NSECRET = 32;
const NN = 12;
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const ZERO32 = new Uint8Array(32);
const LABEL = utf8('HPKE-v1');
const ECDH_P256 = { name: 'ECDH', namedCurve: 'P-256' };

function aeadNk(aead) {
	if (aead === AEAD_AES256GCM)
		return 32;
	if (aead === AEAD_AES128GCM)
		return 16;
	throw new Error('hpke: unsupported AEAD');
}

function checkSuite(s) {
	if (s.kem !== KEM_P256 || s.kdf !== KDF_SHA256)
		throw new Error('hpke: unsupported suite');
	aeadNk(s.aead);
}

const kemSuiteId = concat(utf8('KEM'), i2osp(KEM_P256, 2));

function hpkeSuiteId(s) {
	return concat(utf8('HPKE'), i2osp(s.kem, 2), i2osp(s.kdf, 2),
	    i2osp(s.aead, 2));
}

export async function hmacSha256(key, data) {
	const k = await subtle.importKey('raw', key,
	    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
	return new Uint8Array(await subtle.sign('HMAC', k, data));
}

export async function sha256(data) {
	return new Uint8Array(await subtle.digest('SHA-256', data));
}

// RFC 5869 Extract: an empty salt means 32 zero bytes.
export function hkdfExtract(salt, ikm) {
	return hmacSha256(salt.length > 0 ? salt : ZERO32, ikm);
}

// RFC 5869 Expand: T(i) = HMAC(prk, T(i-1) || info || i).
export async function hkdfExpand(prk, info, len) {
	if (len > 255 * 32)
		throw new RangeError('hkdf: output too long');
	const out = new Uint8Array(len);
	let t = new Uint8Array(0);
	for (let i = 1, o = 0; o < len; i++) {
		t = await hmacSha256(prk, concat(t, info, new Uint8Array([i])));
		out.set(t.subarray(0, Math.min(32, len - o)), o);
		o += 32;
	}
	return out;
}

export function labeledExtract(suiteId, salt, label, ikm) {
	return hkdfExtract(salt, concat(LABEL, suiteId, utf8(label), ikm));
}

export function labeledExpand(suiteId, prk, label, info, len) {
	return hkdfExpand(prk, concat(i2osp(len, 2), LABEL, suiteId,
	    utf8(label), info), len);
}

function b64url(b) {
	let s = '';
	for (const x of b)
		s += String.fromCharCode(x);
	return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(s) {
	const t = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
	return Uint8Array.from(t, (c) => c.charCodeAt(0));
}

// The 65-byte uncompressed point only; WebCrypto refuses points that are
// not on the curve.
export async function importPublicKey(raw) {
	if (!(raw instanceof Uint8Array) || raw.length !== NENC || raw[0] !== 4)
		throw new Error('hpke: public key must be a 65-byte P-256 point');
	return subtle.importKey('raw', raw, ECDH_P256, true, []);
}

export async function exportPublicKey(key) {
	return new Uint8Array(await subtle.exportKey('raw', key));
}

// A private scalar and its public point as a non-extractable ECDH key.
export async function importPrivateKey(sk, pk) {
	const jwk = {
		kty: 'EC', crv: 'P-256', ext: false,
		d: b64url(sk), x: b64url(pk.subarray(1, 33)),
		y: b64url(pk.subarray(33, 65)),
	};
	return subtle.importKey('jwk', jwk, ECDH_P256, false, ['deriveBits']);
}

// PKCS#8 ECPrivateKey with no public key: WebCrypto computes the point.
const PKCS8_P256_PREFIX = Uint8Array.from([
	0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
	0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
]);

async function publicFromScalar(sk) {
	const der = concat(PKCS8_P256_PREFIX, sk);
	const k = await subtle.importKey('pkcs8', der, ECDH_P256, true,
	    ['deriveBits']);
	wipe(der);
	const jwk = await subtle.exportKey('jwk', k);
	return concat(new Uint8Array([4]), fromB64url(jwk.x), fromB64url(jwk.y));
}

// DeriveKeyPair (RFC 9180 §7.1.3) for P-256, for test vectors; real keys
// come from the CSPRNG.  Returns { sk, pk } as raw bytes.
export async function deriveKeyPair(ikm) {
	const prk = await labeledExtract(kemSuiteId, new Uint8Array(0),
	    'dkp_prk', ikm);
	for (let c = 0; c < 256; c++) {
		const b = await labeledExpand(kemSuiteId, prk, 'candidate',
		    new Uint8Array([c]), 32);
		b[0] &= 0xff;
		let v = 0n;
		for (const x of b)
			v = (v << 8n) | BigInt(x);
		if (v !== 0n && v < P256_ORDER)
			return { sk: b, pk: await publicFromScalar(b) };
	}
	throw new Error('hpke: DeriveKeyPair failed');
}

async function extractAndExpand(dh, kemContext) {
	const prk = await labeledExtract(kemSuiteId, new Uint8Array(0),
	    'eae_prk', dh);
	return labeledExpand(kemSuiteId, prk, 'shared_secret', kemContext,
	    NSECRET);
}

// Encap: a fresh ephemeral key unless the caller supplies one (tests).
async function encap(pkRm, ephemeral) {
	const pkR = await importPublicKey(pkRm);
	let skE, enc;
	if (ephemeral !== undefined) {
		skE = await importPrivateKey(ephemeral.sk, ephemeral.pk);
		enc = Uint8Array.from(ephemeral.pk);
	} else {
		const kp = await subtle.generateKey(ECDH_P256, false,
		    ['deriveBits']);
		skE = kp.privateKey;
		enc = await exportPublicKey(kp.publicKey);
	}
	const dh = new Uint8Array(await subtle.deriveBits(
	    { name: 'ECDH', public: pkR }, skE, 256));
	const ss = await extractAndExpand(dh, concat(enc, pkRm));
	wipe(dh);
	return { sharedSecret: ss, enc };
}

async function decap(enc, skR, pkRm) {
	const pkE = await importPublicKey(enc);
	const dh = new Uint8Array(await subtle.deriveBits(
	    { name: 'ECDH', public: pkE }, skR, 256));
	const ss = await extractAndExpand(dh, concat(enc, pkRm));
	wipe(dh);
	return ss;
}

async function keySchedule(suite, sharedSecret, info) {
	const sid = hpkeSuiteId(suite);
	const none = new Uint8Array(0);
	const pskIdHash = await labeledExtract(sid, none, 'psk_id_hash', none);
	const infoHash = await labeledExtract(sid, none, 'info_hash', info);
	const ksc = concat(new Uint8Array([0]), pskIdHash, infoHash);
	const secret = await labeledExtract(sid, sharedSecret, 'secret', none);
	const keyRaw = await labeledExpand(sid, secret, 'key', ksc,
	    aeadNk(suite.aead));
	const baseNonce = await labeledExpand(sid, secret, 'base_nonce', ksc, NN);
	const exporterSecret = await labeledExpand(sid, secret, 'exp', ksc, 32);
	wipe(secret);
	return new Context(keyRaw, baseNonce, exporterSecret, sid);
}

// An HPKE context: sequence numbers below 2^53 are plenty for a browser.
class Context {
	constructor(keyRaw, baseNonce, exporterSecret, suiteId) {
		this.keyRaw = keyRaw;
		this.baseNonce = baseNonce;
		this.exporterSecret = exporterSecret;
		this.suiteId = suiteId;
		this.seq = 0;
		this.key = null;
	}

	async aesKey() {
		if (this.key === null) {
			this.key = await subtle.importKey('raw', this.keyRaw,
			    'AES-GCM', false, ['encrypt', 'decrypt']);
			wipe(this.keyRaw);
		}
		return this.key;
	}

	nonce() {
		const n = Uint8Array.from(this.baseNonce);
		const s = i2osp(this.seq, 8);
		for (let i = 0; i < 8; i++)
			n[NN - 8 + i] ^= s[i];
		return n;
	}

	async seal(aad, pt) {
		const ct = await subtle.encrypt({ name: 'AES-GCM', iv: this.nonce(),
		    additionalData: aad }, await this.aesKey(), pt);
		this.seq++;
		return new Uint8Array(ct);
	}

	async open(aad, ct) {
		const pt = await subtle.decrypt({ name: 'AES-GCM', iv: this.nonce(),
		    additionalData: aad }, await this.aesKey(), ct);
		this.seq++;
		return new Uint8Array(pt);
	}

	export(exporterContext, len) {
		return labeledExpand(this.suiteId, this.exporterSecret, 'sec',
		    exporterContext, len);
	}
}

// SetupBaseS(pkR, info): returns { enc, ctx }.  opts.ephemeral = { sk, pk }
// fixes the ephemeral key (test vectors only).  opts.trace, if an object,
// receives the intermediate values for tests.
export async function setupBaseS(suite, pkRm, info, opts = {}) {
	checkSuite(suite);
	const { sharedSecret, enc } = await encap(pkRm, opts.ephemeral);
	if (opts.trace)
		opts.trace.sharedSecret = Uint8Array.from(sharedSecret);
	const ctx = await keySchedule(suite, sharedSecret, info);
	if (opts.trace) {
		opts.trace.key = Uint8Array.from(ctx.keyRaw);
		opts.trace.baseNonce = Uint8Array.from(ctx.baseNonce);
		opts.trace.exporterSecret = Uint8Array.from(ctx.exporterSecret);
	}
	wipe(sharedSecret);
	return { enc, ctx };
}

// SetupBaseR(skR, enc, info) with skR/pkR as raw bytes (tests, tools).
export async function setupBaseR(suite, skRm, pkRm, enc, info) {
	checkSuite(suite);
	const skR = await importPrivateKey(skRm, pkRm);
	const ss = await decap(enc, skR, pkRm);
	const ctx = await keySchedule(suite, ss, info);
	wipe(ss);
	return ctx;
}
