// Attachments on the report page: a rejection e-mail, a screenshot, a
// photo of a letter.  Each file is sealed here under the report's DEK
// (docs/crypto.md §14) in chunks of 256 KiB, padded with zeros to a size
// bucket the service lists in GET /v1/forms ("attachments"); its name,
// type and exact size are an item under the same DEK.  The server never
// sees a byte, a name or a type in clear.
//
// Uploads happen after the report is stored, under a reporter session
// that the page opens with the new receipt (docs/reporter-api.md
// "Attachments") and closes again; a file that fails does not undo the
// report, and the page says which files did not arrive.
//
// Metadata: JPEG files lose their APP1 (Exif, XMP: camera, time, GPS),
// APP3–APP13, APP15 and comment segments, PNG files their text, time and
// eXIf chunks; other types are sent as they are.  File names are replaced
// by "attachment-1.jpg" etc. unless the reporter ticks "send the file
// names" (they are sealed either way).  Nothing is kept after leaving.

import { concat, i2osp, toBase64, utf8, wipe } from './bytes.js';
import { $, ApiError, api, el, onWipe, show } from './common.js';
import { lang, t } from './i18n.js';

const subtle = globalThis.crypto?.subtle;

const state = {
	limits: null,	// GET /v1/forms "attachments"
	files: [],	// File objects the reporter chose
	dek: null,	// copy of the last sealed envelope's DEK
};

function wipeAttach() {
	state.files = [];
	if (state.dek)
		wipe(state.dek);
	state.dek = null;
}
onWipe(wipeAttach);

function mib(n) {
	return `${Math.round(n / 104857.6) / 10} MiB`;
}

function fmt(key, vars) {
	return t(key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

function renderList() {
	const ul = $('attach-list');
	ul.replaceChildren(...state.files.map((f, i) => {
		const rm = el('button', { type: 'button', class: 'link',
		    text: t('attach.remove') });
		rm.addEventListener('click', () => {
			state.files.splice(i, 1);
			renderList();
		});
		return el('li', {}, el('span', { text: `${f.name} (${mib(f.size)}) ` }),
		    rm);
	}));
}

function onChoose(ev) {
	const err = $('attach-error');
	show(err, false);
	const max = state.limits.max_files;
	for (const f of ev.target.files) {
		if (state.files.length >= max) {
			err.textContent = fmt('attach.too_many', { n: max });
			show(err, true);
			break;
		}
		if (f.size > state.limits.max_bytes) {
			err.textContent = fmt('attach.too_large', { name: f.name,
			    max: mib(state.limits.max_bytes) });
			show(err, true);
			continue;
		}
		state.files.push(f);
	}
	ev.target.value = '';
	renderList();
}

// The attachment step of the form, from the forms document; hidden when
// the service takes no attachments.  Called on every render (language).
export function attachSetup(forms) {
	const lim = forms?.attachments;
	const sec = $('attach-section');
	state.limits = lim && lim.max_files > 0 ? lim : null;
	show(sec, state.limits !== null);
	if (state.limits === null)
		return;
	$('attach-help').textContent = fmt('attach.help', {
	    n: state.limits.max_files, max: mib(state.limits.max_bytes) });
	const input = $('attach-input');
	if (!input.dataset.wired) {
		input.dataset.wired = '1';
		input.addEventListener('change', onChoose);
	}
	renderList();
}

// Review step: the files go in the encrypted column.
export function attachReview(dl) {
	if (state.files.length === 0)
		return;
	dl.append(el('dt', { text: t('attach.label') }),
	    el('dd', { text: state.files.map((f) => f.name).join(', ') }));
}

export function attachPending() {
	return state.files.length;
}

// envelope.js hands each sealed envelope's DEK here (a copy to keep).
export function attachKeepDek(dek) {
	if (state.dek)
		wipe(state.dek);
	state.dek = Uint8Array.from(dek);
}

/* ---- metadata ---- */

// JPEG: keep every segment but APP1, APP3..APP13, APP15 and COM.
function stripJpeg(b) {
	if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8)
		return b;
	const out = [b.subarray(0, 2)];
	let i = 2;
	while (i + 4 <= b.length && b[i] === 0xff) {
		const m = b[i + 1];
		if (m === 0xda)		// start of scan: the rest is image data
			break;
		const len = (b[i + 2] << 8) | b[i + 3];
		if (len < 2 || i + 2 + len > b.length)
			return b;	// not a JPEG we understand: as it is
		const drop = m === 0xfe || m === 0xe1 || (m >= 0xe3 && m <= 0xed) ||
		    m === 0xef;
		if (!drop)
			out.push(b.subarray(i, i + 2 + len));
		i += 2 + len;
	}
	out.push(b.subarray(i));
	return concat(...out);
}

// PNG: drop tEXt, zTXt, iTXt, tIME and eXIf chunks (each carries its own
// CRC, so the others stay valid).
function stripPng(b) {
	const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
	if (b.length < 8 || sig.some((x, k) => b[k] !== x))
		return b;
	const out = [b.subarray(0, 8)];
	let i = 8;
	while (i + 12 <= b.length) {
		const len = ((b[i] << 24) >>> 0) + (b[i + 1] << 16) +
		    (b[i + 2] << 8) + b[i + 3];
		if (i + 12 + len > b.length)
			return b;
		const type = String.fromCharCode(...b.subarray(i + 4, i + 8));
		if (!['tEXt', 'zTXt', 'iTXt', 'tIME', 'eXIf'].includes(type))
			out.push(b.subarray(i, i + 12 + len));
		i += 12 + len;
	}
	return concat(...out);
}

export function stripMetadata(bytes, type) {
	if (type === 'image/jpeg')
		return stripJpeg(bytes);
	if (type === 'image/png')
		return stripPng(bytes);
	return bytes;
}

/* ---- sealing (docs/crypto.md §14) ---- */

function bucketFor(size) {
	const C = state.limits.chunk_size;
	for (const n of state.limits.buckets)
		if (n * C >= size)
			return n;
	return null;
}

// An envelope item (docs/crypto.md §2.7) under key with context ctx.
async function sealItem(key, ctx, content) {
	const size = Math.ceil((content.length + 4) / 256) * 256;
	const padded = new Uint8Array(size);
	padded.set(i2osp(content.length, 4));
	padded.set(content, 4);
	const nonce = crypto.getRandomValues(new Uint8Array(12));
	const k = await subtle.importKey('raw', key, 'AES-GCM', false,
	    ['encrypt']);
	const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM',
	    iv: nonce, additionalData: concat(utf8('meldpunt-envelope-item'),
	    new Uint8Array([1]), ctx) }, k, padded));
	wipe(padded);
	return concat(new Uint8Array([1]), nonce, ct);
}

// key || base nonce = HKDF-SHA256(DEK, salt = file id,
// info = "meldpunt-attachment-v1", 44 bytes).
export async function chunkKey(dek, fileId) {
	const ikm = await subtle.importKey('raw', dek, 'HKDF', false,
	    ['deriveBits']);
	const okm = new Uint8Array(await subtle.deriveBits({ name: 'HKDF',
	    hash: 'SHA-256', salt: fileId,
	    info: utf8('meldpunt-attachment-v1') }, ikm, 44 * 8));
	const key = await subtle.importKey('raw', okm.subarray(0, 32),
	    'AES-GCM', false, ['encrypt']);
	const base = okm.slice(32, 44);
	wipe(okm);
	return { key, base };
}

export async function sealChunk(ck, fileId, index, count, pt) {
	const nonce = Uint8Array.from(ck.base);
	const ix = i2osp(index, 4);
	for (let k = 0; k < 4; k++)
		nonce[8 + k] ^= ix[k];
	const aad = concat(utf8('meldpunt-attachment-chunk'),
	    new Uint8Array([1]), fileId, ix, i2osp(count, 4));
	return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM',
	    iv: nonce, additionalData: aad }, ck.key, pt));
}

const EXT = { 'image/jpeg': '.jpg', 'image/png': '.png',
    'application/pdf': '.pdf', 'text/plain': '.txt', 'image/heic': '.heic',
    'image/webp': '.webp', 'message/rfc822': '.eml' };

/* ---- upload ---- */

async function putChunk(token, upload, index, ct) {
	for (let attempt = 0; ; attempt++) {
		let res = null;
		try {
			res = await fetch('/v1/reporter/attachments/chunk?upload=' +
			    `${encodeURIComponent(upload)}&index=${index}`, {
				method: 'PUT', body: ct, credentials: 'omit',
				cache: 'no-store', referrerPolicy: 'no-referrer',
				redirect: 'error',
				headers: { Authorization: `Bearer ${token}`,
				    'Content-Type': 'application/octet-stream',
				    'Accept-Language': lang() },
			});
		} catch {
			res = null;
		}
		if (res?.ok)
			return;
		// A chunk may be sent again: it replaces itself.
		if ((res && res.status < 500 && res.status !== 429) ||
		    attempt >= 2) {
			let e = {};
			try {
				e = (await res?.json())?.error ?? {};
			} catch {
				/* keep the generic message */
			}
			throw new ApiError(res?.status ?? 0, e.code, e.message);
		}
		await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
	}
}

async function uploadOne(token, file, i, keepNames, progress) {
	const type = file.type || 'application/octet-stream';
	const raw = new Uint8Array(await file.arrayBuffer());
	const bytes = stripMetadata(raw, type);
	const count = bucketFor(bytes.length);
	if (count === null)
		throw new ApiError(413, 'attachment_too_large',
		    fmt('attach.too_large', { name: file.name,
		    max: mib(state.limits.max_bytes) }));
	const fileId = crypto.getRandomValues(new Uint8Array(16));
	const name = keepNames ? file.name :
	    `attachment-${i + 1}${EXT[type] ?? ''}`;
	const meta = utf8(JSON.stringify({ name, type, size: bytes.length }));
	const item = await sealItem(state.dek,
	    concat(utf8('meldpunt-attachment-meta'), fileId), meta);
	const begun = await api('POST', '/v1/reporter/attachments', { token,
	    lang: lang(), body: { file_id: toBase64(fileId), chunks: count,
	    meta: toBase64(item) } });
	const ck = await chunkKey(state.dek, fileId);
	const C = state.limits.chunk_size;
	const pt = new Uint8Array(C);
	try {
		for (let k = 0; k < count; k++) {
			pt.fill(0);
			pt.set(bytes.subarray(k * C, Math.min(bytes.length,
			    (k + 1) * C)));
			const ct = await sealChunk(ck, fileId, k, count, pt);
			await putChunk(token, begun.upload, k, ct);
			progress(k + 1, count);
		}
	} finally {
		wipe(pt);
		wipe(raw);
		if (bytes !== raw)
			wipe(bytes);
	}
	await api('POST', '/v1/reporter/attachments/commit', { token,
	    lang: lang(), body: { upload: begun.upload } });
}

// After the report is stored: open a session with its receipt, upload
// every chosen file, close the session.  Shows progress and the outcome
// in #done-attach; returns how many files arrived.
export async function attachUpload(receipt) {
	const box = $('done-attach');
	const files = state.files.slice();
	const keepNames = $('attach-names')?.checked === true;
	if (files.length === 0 || state.dek === null || state.limits === null) {
		show(box, false);
		wipeAttach();
		return 0;
	}
	show(box, true);
	const say = (text) => { box.textContent = text; };
	let sent = 0;
	const failed = [];
	let token = null;
	try {
		token = (await api('POST', '/v1/reporter/session', { lang: lang(),
		    body: { receipt } })).token;
		for (let i = 0; i < files.length; i++) {
			try {
				await uploadOne(token, files[i], i, keepNames,
				    (k, n) => say(fmt('attach.progress', {
				    i: i + 1, n: files.length,
				    pct: Math.round(100 * k / n) })));
				sent++;
			} catch (e) {
				failed.push(`${files[i].name}` +
				    (e instanceof ApiError && e.message ?
				    ` (${e.message})` : ''));
			}
		}
	} catch {
		for (const f of files.slice(sent + failed.length))
			failed.push(f.name);
	} finally {
		if (token)
			api('DELETE', '/v1/reporter/session', { token })
			    .catch(() => {});
		wipeAttach();
		renderList();
	}
	say(failed.length === 0 ? fmt('attach.sent', { n: sent }) :
	    fmt('attach.failed', { n: sent, names: failed.join(', ') }));
	return sent;
}
