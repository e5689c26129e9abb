// Issue 12 acceptance, the key manifest (docs/crypto.md section 10).
//
// 1. An independent client: Node's WebCrypto and nothing from crypto/ or
//    web/ rebuilds the worked example's canonical text from its fields by
//    the rules of section 10.1 and verifies its signature; a changed byte
//    fails.  The same code verifies a live instance's manifest against the
//    manifest-signing.pub that `meldctl init` wrote, and checks that it
//    covers every key /v1/forms serves.
// 2. The reference page in headless Chromium: on an unsubstituted
//    instance a report is sealed and sent; after a queue key is
//    substituted in the database as mp_admin, the page refuses to seal,
//    sends nothing, and says so in the page's language.  The daemon runs
//    WITHOUT manifest_public_key here, so the refusal is the page's own
//    (with it, the daemon would already withhold the key; e2e tests in C
//    show that).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { webcrypto as wc } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser } from './lib/stack.mjs';
import { setLanguage, t } from '../../web/js/i18n.js';
import { keyId } from '../../web/js/envelope.js';

const top = process.env.MELDPUNT_TOP;
const STEP = 30000;

// ---- the independent verifier, from docs/crypto.md section 10 alone ----

const ex = JSON.parse(readFileSync(path.join(top,
    'tests/data/manifest_example.json'), 'utf8'));

// Section 10.1: header lines, then one "key" line per key, ascending.
function canonical(m) {
	const keys = m.keys.map((k) => ['key', k.purpose, k.category, k.key_id,
	    k.kem, k.kdf, k.aead, k.public_key, k.from].join(' ')).sort();
	return ['meldpunt-key-manifest v1', `version ${m.version}`,
	    `signed ${m.signed}`, `expires ${m.expires}`,
	    `signing-key ${m.signing_key_id}`, ...keys].join('\n') + '\n';
}

async function signerId(pk) {
	const d = new Uint8Array(await wc.subtle.digest('SHA-256', pk));
	return Buffer.from(d.subarray(0, 16)).toString('hex');
}

async function verify(pk, text, sigB64) {
	const key = await wc.subtle.importKey('raw', pk, { name: 'ECDSA',
	    namedCurve: 'P-256' }, false, ['verify']);
	return wc.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key,
	    Buffer.from(sigB64, 'base64'), new TextEncoder().encode(text));
}

// The key lines of a verified text as {purpose, category, key_id, ...}.
function keyLines(text) {
	return text.split('\n').filter((l) => l.startsWith('key ')).map((l) => {
		const f = l.split(' ');
		return { purpose: f[1], category: f[2], key_id: f[3],
		    suite: f.slice(4, 7).join(' '), public_key: f[7] };
	});
}

test('an independent WebCrypto client verifies the worked example', async () => {
	assert.equal(canonical(ex), ex.manifest, 'canonical text from the fields');
	const pk = Buffer.from(ex.signing_public_key, 'base64');
	assert.equal(pk.length, 65);
	assert.equal(await signerId(pk), ex.signing_key_id);
	assert.ok(ex.manifest.includes(`signing-key ${ex.signing_key_id}\n`));
	assert.equal(await verify(pk, ex.manifest, ex.signature), true);
	const bent = ex.manifest.replace('version 3', 'version 4');
	assert.equal(await verify(pk, bent, ex.signature), false,
	    'a changed text does not verify');
	const sig = Buffer.from(ex.signature, 'base64');
	sig[10] ^= 1;
	assert.equal(await verify(pk, ex.manifest, sig.toString('base64')),
	    false, 'a changed signature does not verify');
});

// ---- a live instance ----

let stack, browser;

before(async () => {
	// The daemon does not pin the signing key: the page must notice alone.
	stack = await new Stack({ pinManifest: false }).start();
	({ context: browser } = await launchBrowser(chromium));
});

after(async () => {
	await browser?.close();
	await stack?.stop();
});

async function get(p) {
	const { request } = await import('node:https');
	return new Promise((resolve, reject) => {
		const req = request(stack.publicUrl + p, { rejectUnauthorized:
		    false, timeout: STEP }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (c) => { text += c; });
			res.on('end', () => resolve({ status: res.statusCode, text }));
		});
		req.on('error', reject);
		req.end();
	});
}

test('the live manifest verifies with manifest-signing.pub and covers every served key', async () => {
	const pub = readFileSync(path.join(stack.keysDir,
	    'manifest-signing.pub'), 'utf8');
	const anchor = await get('/manifest-key.txt');
	assert.equal(anchor.status, 200);
	assert.equal(anchor.text, pub, 'the page serves the installed anchor');
	const pk = Buffer.from(pub.split('\n')[1], 'base64');
	const forms = JSON.parse((await get('/v1/forms?lang=en')).text);
	const m = forms.key_manifest;
	assert.equal(await verify(pk, m.text, m.signature), true);
	assert.ok(m.text.includes(`signing-key ${await signerId(pk)}\n`));
	const lines = keyLines(m.text);
	for (const c of forms.categories) {
		const served = [...c.keys.queues.map((k) => ['queue', k]),
		    ['recovery', c.keys.recovery], ['identity', c.keys.identity]];
		for (const [purpose, k] of served)
			assert.ok(lines.some((l) => l.purpose === purpose &&
			    (l.category === c.id || (l.category === '*' &&
			    purpose !== 'queue')) && l.key_id === k.key_id &&
			    l.public_key === k.public_key && l.suite ===
			    `${k.suite.kem} ${k.suite.kdf} ${k.suite.aead}`),
			    `${purpose} key ${k.key_id} of ${c.id} covered`);
	}
});

async function fillReport(page, l) {
	await page.goto(stack.publicUrl + '/');
	await page.waitForSelector('#report:not([hidden])');
	await page.selectOption('#lang', l);
	await page.waitForFunction((x) => document.documentElement.lang === x, l);
	await page.check('#categories input[value="labour_discrimination"]');
	await page.selectOption('#q-subtype', 'recruitment');
	await page.fill('#narrative', `manifest test ${l}`);
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
}

function recordSubmissions(page) {
	const sent = [];
	page.on('request', (r) => {
		if (r.method() === 'POST' && new URL(r.url()).pathname ===
		    '/v1/reports')
			sent.push(r.url());
	});
	return sent;
}

test('a key substituted as mp_admin makes the page refuse to seal, in its language', {
	timeout: 150000 }, async () => {
	const page = await browser.newPage();
	page.setDefaultTimeout(STEP);
	const sent = recordSubmissions(page);
	// Unsubstituted: the page verifies, seals and sends.
	await fillReport(page, 'nl');
	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	assert.equal(sent.length, 1, 'one report sent');
	assert.match((await page.textContent('#receipt')).trim(),
	    /^\d{4} \d{4} \d{4} \d{4}$/);

	// The insider: a valid P-256 point of her own under the same key id.
	const { publicKey } = await wc.subtle.generateKey({ name: 'ECDH',
	    namedCurve: 'P-256' }, true, ['deriveBits']);
	const evil = Buffer.from(await wc.subtle.exportKey('raw', publicKey));
	stack.sqlAsAdmin(`UPDATE casework.queue_keys SET public_key = ` +
	    `'\\x${evil.toString('hex')}' WHERE current AND queue_id = ` +
	    `(SELECT id FROM casework.queues WHERE name = 'labour')`);
	// The daemon (not pinned) serves the new key after its refresh.
	const b64 = evil.toString('base64');
	for (let i = 0; i < 100; i++) {
		const f = JSON.parse((await get('/v1/forms?lang=en')).text);
		if (JSON.stringify(f).includes(b64))
			break;
		await new Promise((r) => setTimeout(r, 100));
	}
	assert.ok((await get('/v1/forms?lang=en')).text.includes(b64),
	    'the substituted key is served');

	for (const l of ['ar', 'tr', 'en', 'nl']) {
		await fillReport(page, l);
		await page.click('#send');
		await page.waitForSelector('#send-error:not([hidden])');
		setLanguage(l, { documentElement: {}, querySelectorAll: () => [] });
		const want = t('error.keys');
		assert.notEqual(want, 'error.keys', 'the message exists');
		assert.equal((await page.textContent('#send-error')).trim(), want,
		    `the refusal in ${l}`);
		assert.equal(await page.isVisible('#done'), false);
	}
	assert.equal(sent.length, 1, 'nothing sealed to the substituted key ' +
	    'was sent');

	// A better insider: a new current key row whose id IS the hash of her
	// key, so the page's key-id check cannot notice; only the manifest can.
	const { publicKey: pk2 } = await wc.subtle.generateKey({ name: 'ECDH',
	    namedCurve: 'P-256' }, true, ['deriveBits']);
	const evil2 = Buffer.from(await wc.subtle.exportKey('raw', pk2));
	const id2 = await keyId(new Uint8Array(evil2));
	stack.sqlAsAdmin(`UPDATE casework.queue_keys SET current = false ` +
	    `WHERE current AND queue_id = (SELECT id FROM casework.queues ` +
	    `WHERE name = 'labour'); INSERT INTO casework.queue_keys (key_id, ` +
	    `queue_id, kem_id, kdf_id, aead_id, public_key) SELECT '${id2}', ` +
	    `id, 16, 1, 2, '\\x${evil2.toString('hex')}' FROM ` +
	    `casework.queues WHERE name = 'labour'`);
	for (let i = 0; i < 100; i++) {
		if ((await get('/v1/forms?lang=en')).text.includes(id2))
			break;
		await new Promise((r) => setTimeout(r, 100));
	}
	assert.ok((await get('/v1/forms?lang=en')).text.includes(id2),
	    'the inserted key is served under its own id');
	await fillReport(page, 'ar');
	await page.click('#send');
	await page.waitForSelector('#send-error:not([hidden])');
	setLanguage('ar', { documentElement: {}, querySelectorAll: () => [] });
	assert.equal((await page.textContent('#send-error')).trim(),
	    t('error.keys'), 'refused in Arabic');
	assert.equal(sent.length, 1, 'still nothing sent');
	await page.close();
});
