// The signed key manifest (docs/crypto.md section 10): before anything is
// sealed, every key the report will be sealed to must be listed, byte for
// byte, in the manifest that /v1/forms carries, and that manifest must be
// signed (ECDSA P-256 / SHA-256) by the key in manifest-key.txt -- a
// static file written at installation, never something the database can
// change.  Anything missing, different, unsigned or expired: the page
// refuses to seal (KeyTrustError) and says so in the reporter's language.
//
// Nothing is remembered between visits: a "highest version seen" in
// localStorage would be a trace on the reporter's device that this site
// was used (docs/crypto.md section 10.5).

import { fromBase64, toHex, utf8 } from './bytes.js';

export class KeyTrustError extends Error {}

const ANCHOR_URL = '/manifest-key.txt';
const ANCHOR_HEAD = 'meldpunt-key v1 manifest-signing public';
const MAGIC = 'meldpunt-key-manifest v1';

function refuse(why) {
	throw new KeyTrustError(why);
}

// The pinned signing key: the key file of docs/crypto.md section 7.
async function anchor() {
	let text;
	try {
		const r = await fetch(ANCHOR_URL, { cache: 'no-store',
		    credentials: 'omit', referrerPolicy: 'no-referrer' });
		if (!r.ok)
			refuse('no manifest-key.txt');
		text = await r.text();
	} catch (e) {
		if (e instanceof KeyTrustError)
			throw e;
		refuse('manifest-key.txt unreachable');
	}
	const lines = text.split('\n');
	if (lines.length !== 3 || lines[0] !== ANCHOR_HEAD || lines[2] !== '')
		refuse('manifest-key.txt malformed');
	const pk = fromBase64(lines[1]);
	if (pk.length !== 65 || pk[0] !== 4)
		refuse('manifest-key.txt is not a P-256 point');
	return pk;
}

function time(s) {
	if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(s))
		refuse('bad time');
	return Date.parse(s);
}

// Strict parse of the verified text; returns the key lines as objects.
function parse(text, signerId) {
	const lines = text.split('\n');
	if (lines.pop() !== '' || lines.length < 6 || lines[0] !== MAGIC)
		refuse('not a manifest');
	const field = (i, name) => {
		const [k, v, ...rest] = lines[i].split(' ');
		if (k !== name || v === undefined || rest.length)
			refuse(`bad ${name}`);
		return v;
	};
	if (!/^[1-9]\d{0,15}$/.test(field(1, 'version')))
		refuse('bad version');
	const signed = time(field(2, 'signed'));
	const expires = time(field(3, 'expires'));
	if (!(expires > signed) || expires <= Date.now())
		refuse('manifest expired');
	if (field(4, 'signing-key') !== signerId)
		refuse('signed by another key');
	const keys = [];
	for (let i = 5; i < lines.length; i++) {
		if (i > 5 && !(lines[i - 1] < lines[i]))
			refuse('key lines not sorted');
		const f = lines[i].split(' ');
		if (f.length !== 9 || f[0] !== 'key' ||
		    !/^[0-9a-f]{32}$/.test(f[3]))
			refuse('bad key line');
		keys.push({ purpose: f[1], category: f[2], key_id: f[3],
		    suite: `${f[4]} ${f[5]} ${f[6]}`, public_key: f[7] });
	}
	return keys;
}

async function verified(doc) {
	const m = doc?.key_manifest;
	if (!m || typeof m.text !== 'string' || typeof m.signature !== 'string')
		refuse('no key manifest');
	const pk = await anchor();
	const sig = fromBase64(m.signature);
	if (sig.length !== 64)
		refuse('bad signature length');
	const key = await crypto.subtle.importKey('raw', pk,
	    { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
	const ok = await crypto.subtle.verify({ name: 'ECDSA',
	    hash: 'SHA-256' }, key, sig, utf8(m.text));
	if (!ok)
		refuse('signature does not verify');
	const id = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256',
	    pk)).subarray(0, 16));
	return parse(m.text, id);
}

function b64(bytes) {
	let s = '';
	for (const b of bytes)
		s += String.fromCharCode(b);
	return btoa(s);
}

// Every recipient ({key_id, public_key bytes, purpose}) of a report in
// category must be covered; the suite of every served key is 16 1 2.
export async function checkCovered(doc, category, recipients) {
	const keys = await verified(doc);
	for (const r of recipients) {
		const hit = keys.find((k) => k.purpose === r.purpose &&
		    (k.category === category || (k.category === '*' &&
		    r.purpose !== 'queue')) && k.key_id === r.key_id &&
		    k.suite === '16 1 2' && k.public_key === b64(r.public_key));
		if (!hit)
			refuse(`${r.purpose} key ${r.key_id} not covered`);
	}
}
