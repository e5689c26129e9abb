// GET /v1/forms?lang= and the bits of its answer the page needs: the
// categories with their subtypes and (clear) questions, the content
// fields that go inside the envelope, and per category the public keys
// to seal to (every queue key plus the recovery key) and the allowed
// padding buckets.  docs/reporter-api.md describes the document.

import { fromBase64, fromHex } from './bytes.js';
import { api } from './common.js';
import { BUCKETS } from './envelope.js';

export async function loadForms(lang) {
	const doc = await api('GET', `/v1/forms?lang=${encodeURIComponent(lang)}`,
	    { lang });
	if (!doc || !Array.isArray(doc.categories))
		throw new Error('forms: unexpected document');
	return doc;
}

function keyBytes(k) {
	const v = k.public_key ?? k.key ?? k.pk;
	if (typeof v !== 'string')
		throw new Error('forms: key without public_key');
	return /^[0-9a-f]{130}$/i.test(v) ? fromHex(v) : fromBase64(v);
}

function purposeOf(k) {
	return k.purpose ?? k.role ?? k.kind ?? 'queue';
}

function suiteOk(k) {
	const s = k.suite ?? { kem: 16, kdf: 1, aead: 2 };
	return s.kem === 16 && s.kdf === 1 && s.aead === 2;
}

// The keys listed for a category: "keys": {"queues": [...], "recovery":
// {...}, "identity": {...}} inside each category.
function rawKeys(doc, cat) {
	const k = cat.keys ?? doc.keys?.[cat.id];
	if (Array.isArray(k))
		return k;
	if (k && typeof k === 'object')
		return [...(k.queues ?? []).map((q) => ({ ...q, purpose: 'queue' })),
		    ...(k.recovery ? [{ ...k.recovery, purpose: 'recovery' }] : []),
		    ...(k.identity ? [{ ...k.identity, purpose: 'identity' }] : [])];
	return [];
}

// Recipients of the report's data key: every queue key and the recovery
// key (never the identity key, which is for contact details only).
export function recipients(doc, cat) {
	const out = [];
	let recovery = 0;
	for (const k of rawKeys(doc, cat)) {
		const p = purposeOf(k);
		if (p !== 'queue' && p !== 'recovery')
			continue;
		if (!suiteOk(k))
			throw new Error('forms: key with an unsupported suite');
		out.push({ key_id: k.key_id ?? k.id, public_key: keyBytes(k),
		    purpose: p });
		if (p === 'recovery')
			recovery++;
	}
	const top = doc.recovery ?? doc.recovery_key;
	if (recovery === 0 && top) {
		out.push({ key_id: top.key_id ?? top.id, public_key: keyBytes(top),
		    purpose: 'recovery' });
		recovery++;
	}
	if (recovery === 0 || out.length < 2)
		throw new Error('forms: category lacks its queue or recovery keys');
	return out;
}

export function buckets(doc) {
	const b = doc.buckets ?? doc.padding_buckets ?? doc.envelope?.buckets;
	return Array.isArray(b) && b.length > 0 ? b : BUCKETS;
}

export function contentFields(doc) {
	const f = doc.content?.fields;
	return Array.isArray(f) && f.length > 0 ? f :
	    [{ id: 'narrative', label: '', help: '' }];
}
