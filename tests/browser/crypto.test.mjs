// The web client's crypto modules (web/js/*.js) under node's WebCrypto,
// checked byte for byte against the C library's vectors: the worked
// envelope example of docs/crypto.md §2.8 (tests/data/envelope_example.json)
// and RFC 9180 A.3.1 (tests/data/hpke_rfc9180_base.json).  A mismatch
// anywhere in the browser's HPKE or envelope code fails here in a second,
// before any browser starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import {
	fromBase64, fromHex, toBase64, toHex, utf8, utf8Json, wellFormed,
} from '../../web/js/bytes.js';
import { deriveKeyPair, setupBaseR, setupBaseS } from '../../web/js/hpke.js';
import { chooseBucket, keyId, seal } from '../../web/js/envelope.js';
import { damm, format, normalise } from '../../web/js/receipt.js';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const example = JSON.parse(readFileSync(
    path.join(top, 'tests/data/envelope_example.json'), 'utf8'));
const rfc = JSON.parse(readFileSync(
    path.join(top, 'tests/data/hpke_rfc9180_base.json'), 'utf8'));

test('DeriveKeyPair reproduces every key of the envelope example', async () => {
	for (const r of example.recipients) {
		const kp = await deriveKeyPair(fromHex(r.ikm));
		assert.equal(toHex(kp.sk), r.skRm);
		assert.equal(toHex(kp.pk), r.pkRm);
		assert.equal(await keyId(kp.pk), r.key_id);
		const e = await deriveKeyPair(fromHex(r.ikmE));
		assert.equal(toHex(e.sk), r.skEm);
		assert.equal(toHex(e.pk), r.pkEm);
	}
});

test('seal() reproduces the worked envelope example byte for byte', async () => {
	const trace = [];
	const env = await seal({
		category: example.category,
		content: utf8(example.plaintext),
		recipients: example.recipients.map((r) => ({
			key_id: r.key_id, public_key: fromHex(r.pkRm),
		})),
		fixed: {
			dek: fromHex(example.dek),
			nonce: fromHex(example.content_nonce),
			ephemerals: example.recipients.map((r) => ({
				sk: fromHex(r.skEm), pk: fromHex(r.pkEm),
			})),
		},
		trace,
	});
	example.recipients.forEach((r, i) => {
		assert.equal(toHex(trace[i].info), r.wrap_info);
		assert.equal(toHex(trace[i].sharedSecret), r.shared_secret);
		assert.equal(toHex(trace[i].key), r.key);
		assert.equal(toHex(trace[i].baseNonce), r.base_nonce);
	});
	assert.equal(chooseBucket(utf8(example.plaintext).length),
	    example.expected.bucket);
	assert.deepEqual(env, example.expected.envelope);
	assert.equal(JSON.stringify(env), JSON.stringify(example.expected.envelope),
	    'member order as in docs/crypto.md §2.5');
});

test('a random envelope opens with the recipient key; tampering fails', async () => {
	const r = example.recipients[0];
	const text = utf8(JSON.stringify({ narrative: 'canary \u0645\u0631\u062d\u0628\u0627' }));
	const env = await seal({
		category: 'honour_violence', content: text,
		recipients: [{ key_id: r.key_id, public_key: fromHex(r.pkRm) }],
		buckets: [4096, 1024],
	});
	assert.equal(fromBase64(env.ciphertext).length, 1024 + 16);
	const w = env.wraps[0];
	const C = Uint8Array.from([1, 15, ...utf8('honour_violence')]);
	const info = Uint8Array.from([...utf8('meldpunt-envelope-wrap'), ...C,
	    ...fromHex(r.key_id)]);
	const aad = Uint8Array.from([...fromBase64(env.content_nonce),
	    ...fromBase64(env.dek_commit)]);
	const ctx = await setupBaseR(env.suite, fromHex(r.skRm), fromHex(r.pkRm),
	    fromBase64(w.enc), info);
	const dek = await ctx.open(aad, fromBase64(w.wrapped_dek));
	const key = await crypto.subtle.importKey('raw', dek, 'AES-GCM', false,
	    ['decrypt']);
	const padded = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM',
	    iv: fromBase64(env.content_nonce),
	    additionalData: Uint8Array.from([...utf8('meldpunt-envelope-content'), ...C]),
	}, key, fromBase64(env.ciphertext)));
	const n = new DataView(padded.buffer).getUint32(0);
	assert.deepEqual(padded.subarray(4, 4 + n), text);
	assert.ok(padded.subarray(4 + n).every((x) => x === 0));

	const ctx2 = await setupBaseR(env.suite, fromHex(r.skRm), fromHex(r.pkRm),
	    fromBase64(w.enc), info);
	const bad = fromBase64(w.wrapped_dek);
	bad[0] ^= 1;
	await assert.rejects(ctx2.open(aad, bad));
});

test('seal() refuses a key whose id does not match, and oversized content', async () => {
	const r = example.recipients[0];
	await assert.rejects(seal({ category: 'labour_discrimination',
	    content: utf8('x'),
	    recipients: [{ key_id: example.recipients[1].key_id,
	    public_key: fromHex(r.pkRm) }] }), /key id/);
	await assert.rejects(seal({ category: 'labour_discrimination',
	    content: new Uint8Array(262141),
	    recipients: [{ key_id: r.key_id, public_key: fromHex(r.pkRm) }] }),
	    /too large/);
	await assert.rejects(seal({ category: 'Bad-Category', content: utf8('x'),
	    recipients: [{ key_id: r.key_id, public_key: fromHex(r.pkRm) }] }));
	const notOnCurve = fromHex(r.pkRm);
	notOnCurve[64] ^= 1;
	await assert.rejects(seal({ category: 'labour_discrimination',
	    content: utf8('x'), recipients: [{ key_id: await keyId(notOnCurve),
	    public_key: notOnCurve }] }));
});

test('HPKE matches RFC 9180 A.3.1 (P-256, SHA-256, AES-128-GCM)', async () => {
	const v = rfc.find((x) => x.kem_id === 16);
	assert.ok(v, 'A.3.1 vector present');
	const suite = { kem: v.kem_id, kdf: v.kdf_id, aead: v.aead_id };
	const kpR = await deriveKeyPair(fromHex(v.ikmR));
	const kpE = await deriveKeyPair(fromHex(v.ikmE));
	assert.equal(toHex(kpR.sk), v.skRm);
	assert.equal(toHex(kpE.pk), v.pkEm);
	const trace = {};
	const { enc, ctx } = await setupBaseS(suite, fromHex(v.pkRm),
	    fromHex(v.info), { ephemeral: kpE, trace });
	assert.equal(toHex(enc), v.enc);
	assert.equal(toHex(trace.sharedSecret), v.shared_secret);
	assert.equal(toHex(trace.key), v.key);
	assert.equal(toHex(trace.baseNonce), v.base_nonce);
	assert.equal(toHex(trace.exporterSecret), v.exporter_secret);
	const rctx = await setupBaseR(suite, fromHex(v.skRm), fromHex(v.pkRm),
	    enc, fromHex(v.info));
	// The file lists sequence numbers 0, 1, 2, 4, 255, 256: the number of
	// each encryption follows from its nonce.
	const base = fromHex(v.base_nonce);
	for (const e of v.encryptions) {
		const nonce = fromHex(e.nonce);
		let seq = 0;
		for (let i = 4; i < 12; i++)
			seq = seq * 256 + (base[i] ^ nonce[i]);
		ctx.seq = rctx.seq = seq;
		const ct = await ctx.seal(fromHex(e.aad), fromHex(e.plaintext));
		assert.equal(toHex(ct), e.ciphertext);
		assert.equal(toHex(await rctx.open(fromHex(e.aad), ct)), e.plaintext);
	}
	for (const x of v.exports ?? [])
		assert.equal(toHex(await ctx.export(fromHex(x.exporter_context), x.L)),
		    x.exported_value);
});

test('strict base64 accepts one spelling per byte string', () => {
	assert.deepEqual(fromBase64('Zg=='), Uint8Array.from([0x66]));
	assert.throws(() => fromBase64('Zh=='));
	assert.throws(() => fromBase64('Zg'));
	assert.throws(() => fromBase64('Zg==\n'));
	assert.throws(() => fromBase64('-_=='));
	assert.equal(toBase64(new Uint8Array(0)), '');
	for (let n = 0; n < 40; n++) {
		const b = crypto.getRandomValues(new Uint8Array(n));
		assert.deepEqual(fromBase64(toBase64(b)), b);
		assert.equal(toBase64(b), Buffer.from(b).toString('base64'));
	}
});

test('receipts: Damm check digit, normalisation and display', () => {
	assert.equal(damm('572'), 4);
	assert.equal(damm('482177301195006'), 2);
	assert.equal(normalise('4821 7730 1195 0062'), '4821773011950062');
	assert.equal(normalise('4821-7730-1195-0062'), '4821773011950062');
	assert.equal(normalise('4821 7730 1195 0063'), null);
	assert.equal(normalise('4821 7730 1195 0026'), null, 'transposition');
	assert.equal(normalise('4821\t7730 1195 0062'), null);
	// Digits of any script (issue 17), as crypto/receipt.c accepts them.
	assert.equal(normalise('4821 7730 1195 006\u0662'), '4821773011950062');
	assert.equal(normalise('٤٨٢١ ٧٧٣٠ ١١٩٥ ٠٠٦٢'), '4821773011950062');
	assert.equal(normalise('۴۸۲۱-۷۷۳۰-۱۱۹۵-۰۰۶۲'), '4821773011950062');
	assert.equal(normalise('４８２１\u3000７７３０\u3000１１９５\u3000００６２'),
	    '4821773011950062');
	assert.equal(normalise('\u200f٤٨٢١\u200f ٧٧٣٠ ١١٩٥ ٠٠٦٢'),
	    '4821773011950062', 'direction marks pasted along');
	assert.equal(normalise('٤٨٢١ ٧٧٣٠ ١١٩٥ ٠٠٦٣'), null, 'check digit');
	assert.equal(normalise('\u1369821 7730 1195 0062'), null,
	    'Ethiopic numerals are not decimal digits');
	assert.equal(normalise('一821 7730 1195 0062'), null);
	assert.equal(normalise('4821.7730.1195.0062'), null);
	assert.equal(format('4821773011950062'), '4821 7730 1195 0062');
});

// docs/crypto.md §2.2: the content is UTF-8 JSON.  JSON.stringify alone
// writes a lone surrogate as the ASCII escape "\ud800" (which no UTF-8
// JSON parser accepts); utf8Json makes every string well-formed first.
test('content bytes are UTF-8 JSON even from a lone surrogate', () => {
	const lone = { narrative: 'a\ud800b \udc00 c \u{1F642}' };
	assert.ok(JSON.stringify(lone).includes('\\ud800'),
	    'the trap utf8Json avoids');
	const bytes = utf8Json(lone);
	const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	assert.ok(!/\\u[dD][89a-fA-F]/.test(text), text);
	assert.deepEqual(JSON.parse(text),
	    { narrative: 'a\ufffdb \ufffd c \u{1F642}' });
	// Well-formed text passes unchanged, pairs included.
	const ok = { narrative: 'é \u{1F642} \u0645', n: 1 };
	assert.deepEqual(utf8Json(ok), utf8(JSON.stringify(ok)));
	// The fallback for browsers without String.prototype.toWellFormed
	// (a String object whose method is hidden) agrees with it.
	for (const x of ['\ud83d\ude42\ud800', '\udc00\ud83d', 'a\ud800\ud800b',
	    'plain', '\udbff\udfff']) {
		const o = Object.assign(new String(x), { toWellFormed: undefined });
		assert.equal(wellFormed(o), wellFormed(x), JSON.stringify(x));
	}
	assert.equal(wellFormed('\ud83d\ude42\ud800'), '\u{1F642}\ufffd');
});
