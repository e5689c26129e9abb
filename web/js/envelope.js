// Report envelopes (docs/crypto.md §2) sealed in the browser: the content is
// padded to a size bucket and encrypted once under a fresh data key (DEK);
// the DEK is wrapped with HPKE to every listed recipient key.  The result
// is the JSON form of §2.5 that POST /v1/reports carries.

import { concat, fromHex, i2osp, toBase64, toHex, utf8, wipe } from './bytes.js';
import { SUITE_DEFAULT, importPublicKey, setupBaseS, sha256 } from './hpke.js';

const subtle = globalThis.crypto.subtle;

export const VERSION = 1;
export const BUCKETS = Object.freeze([1024, 4096, 16384, 65536, 262144]);
export const MAX_WRAPS = 16;

// C = I2OSP(version, 1) || I2OSP(len(category), 1) || category
function categoryBytes(category) {
	if (typeof category !== 'string' || !/^[a-z0-9_]{1,64}$/.test(category))
		throw new Error('envelope: bad category');
	const c = utf8(category);
	return concat(new Uint8Array([VERSION, c.length]), c);
}

// SHA-256("meldpunt-key-id" || I2OSP(kem_id, 2) || pkRm)[0..16], lowercase hex.
export async function keyId(pkRm, kem = SUITE_DEFAULT.kem) {
	const h = await sha256(concat(utf8('meldpunt-key-id'), i2osp(kem, 2), pkRm));
	return toHex(h.subarray(0, 16));
}

// The smallest allowed bucket that holds the content plus its 4-byte length.
export function chooseBucket(contentLength, buckets = BUCKETS) {
	const sorted = buckets.filter((b) => BUCKETS.includes(b))
	    .sort((a, b) => a - b);
	for (const b of sorted)
		if (contentLength + 4 <= b)
			return b;
	return null;
}

export function pad(content, bucket) {
	if (content.length + 4 > bucket)
		throw new Error('envelope: content too large for the bucket');
	const out = new Uint8Array(bucket);
	out.set(i2osp(content.length, 4), 0);
	out.set(content, 4);
	return out;
}

function randomBytes(n) {
	return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

// seal({ category, content, recipients, buckets, fixed, trace })
//   content:     Uint8Array (the UTF-8 JSON of the report)
//   recipients:  [{ key_id: hex, public_key: Uint8Array(65) }, ...] — every
//                queue key listed for the category and the recovery key
//   buckets:     allowed buckets from GET /v1/forms (default: all five)
//   fixed:       { dek, nonce, ephemerals: [{ sk, pk }] } — test vectors only
//   onDek:       called with the DEK before it is wiped (attach.js copies it)
// Each recipient's key id is recomputed from its key and must match, so a
// mangled key list fails here rather than on the server.
export async function seal(args) {
	const { category, content, recipients } = args;
	const C = categoryBytes(category);
	if (!Array.isArray(recipients) || recipients.length < 1 ||
	    recipients.length > MAX_WRAPS)
		throw new Error('envelope: 1 to 16 recipients');
	const ids = new Set();
	for (const r of recipients) {
		if (await keyId(r.public_key) !== r.key_id)
			throw new Error('envelope: key id does not match its key');
		if (ids.has(r.key_id))
			throw new Error('envelope: duplicate key id');
		ids.add(r.key_id);
		await importPublicKey(r.public_key);	/* on the curve */
	}
	const bucket = chooseBucket(content.length, args.buckets);
	if (bucket === null)
		throw new Error('envelope: report too large');

	const fixed = args.fixed;
	const dek = fixed ? Uint8Array.from(fixed.dek) : randomBytes(32);
	const nonce = fixed ? Uint8Array.from(fixed.nonce) : randomBytes(12);
	const padded = pad(content, bucket);
	try {
		const dekCommit = await sha256(concat(
		    utf8('meldpunt-envelope-commit'), dek));
		const contentAad = concat(utf8('meldpunt-envelope-content'), C);
		const aesKey = await subtle.importKey('raw', dek, 'AES-GCM', false,
		    ['encrypt']);
		const ciphertext = new Uint8Array(await subtle.encrypt(
		    { name: 'AES-GCM', iv: nonce, additionalData: contentAad },
		    aesKey, padded));
		const wrapAad = concat(nonce, dekCommit);
		const wraps = [];
		for (let i = 0; i < recipients.length; i++) {
			const r = recipients[i];
			const info = concat(utf8('meldpunt-envelope-wrap'), C,
			    fromHex(r.key_id));
			const trace = args.trace ? {} : undefined;
			const { enc, ctx } = await setupBaseS(SUITE_DEFAULT,
			    r.public_key, info, {
				ephemeral: fixed ? fixed.ephemerals[i] : undefined,
				trace,
			    });
			const wrapped = await ctx.seal(wrapAad, dek);
			if (args.trace)
				args.trace.push({ info, ...trace });
			wraps.push({ key_id: r.key_id, enc: toBase64(enc),
			    wrapped_dek: toBase64(wrapped) });
		}
		// Attachments are sealed under the same DEK (docs/crypto.md
		// §14): the caller may keep a copy.
		args.onDek?.(dek);
		return {
			version: VERSION,
			suite: { ...SUITE_DEFAULT },
			category,
			content_nonce: toBase64(nonce),
			dek_commit: toBase64(dekCommit),
			ciphertext: toBase64(ciphertext),
			wraps,
		};
	} finally {
		wipe(dek);
		wipe(padded);
	}
}
