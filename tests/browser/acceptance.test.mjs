// Issue 8 acceptance: the whole path in a real headless Chromium against
// a real public and staff meldpuntd (one database; keys from a real
// `meldctl init`).  A reporter fills in a report on the real page; the
// page seals it with its own WebCrypto HPKE (the request carries only the
// envelope, never the text); the receipt is shown; the check page logs in
// with it and shows the acknowledgement, and sends more information.  A
// handler made with the real `meldctl user add` and `queue members add
// --recovery-key` logs in to the staff API with a TOTP code computed
// here, finds the case in her queue and reads EXACTLY the narrative typed
// in the browser -- so the browser's HPKE and the server's agree -- and
// the reporter's follow-up; her reply shows on the check page.  A second
// test takes the immediate-danger path: the 112 box before sending, and
// the server's emergency instruction after.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser, totp } from './lib/stack.mjs';
import { staffRequest } from './lib/staffapi.mjs';

const STEP = 30000;	// ms; also the per-wait bound of the page steps

let stack, browser;
const problems = [];	// console errors and page errors

before(async () => {
	stack = await new Stack({ staff: true }).start();
	({ context: browser } = await launchBrowser(chromium));
});

after(async () => {
	await browser?.close();
	if (stack?.staffPort) {
		const logs = () => `public:\n${stack.log('public')}\n` +
		    `staff:\n${stack.log('staff')}`;
		const codes = await stack.stop();
		// Under the sanitizers a report makes the exit status non-zero.
		assert.deepEqual(codes, [0, 0],
		    `both daemons exit 0 on SIGTERM\n${logs()}`);
	} else {
		await stack?.stop();
	}
});

// The staff API over TLS with node's own HTTPS client (the loopback
// certificate is self-signed, so verification is off for this agent
// only).
function staff(method, p, opts = {}) {
	return staffRequest(stack.staffUrl, method, p, { ...opts,
	    timeout: STEP });
}

async function handlerLogin(h) {
	const r = await staff('POST', '/v1/staff/session', { body: {
	    username: h.username, password: h.password, totp: totp(h.secret) } });
	assert.equal(r.status, 201, r.text);
	assert.match(r.json.token, /^[0-9a-f]{64}$/);
	return r.json.token;
}

async function openPage(p) {
	const page = await browser.newPage();
	page.setDefaultTimeout(STEP);
	page.on('console', (m) => {
		if (m.type() === 'error')
			problems.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	await page.goto(stack.publicUrl + p);
	return page;
}

// Every POST /v1/reports the page makes, as sent on the wire.
function recordSubmissions(page) {
	const sent = [];
	page.on('request', (r) => {
		if (r.method() === 'POST' && new URL(r.url()).pathname ===
		    '/v1/reports')
			sent.push(r.postData() ?? '');
	});
	return sent;
}

test('a report typed in the browser reaches the handler exactly', {
	timeout: 150000 }, async () => {
	const canary = `CANARY-${Date.now()}-browser`;
	// Quotes, a backslash, a line break, accents, Arabic and an emoji:
	// every byte must survive WebCrypto sealing and the server's opening.
	const narrative = 'Bij het sollicitatiegesprek zei men: "met die ' +
	    'hoofddoek kan het niet" \\ datum 3 maart.\nTweede regel: ' +
	    '\u00e9\u00e8\u00fc \u0645\u0631\u062d\u0628\u0627 \u{1F642} ' + canary;
	const page = await openPage('/');
	const sent = recordSubmissions(page);
	await page.waitForSelector('#report:not([hidden])');
	await page.selectOption('#lang', 'nl');
	await page.check('#categories input[value="labour_discrimination"]');
	await page.selectOption('#q-subtype', 'recruitment');
	await page.selectOption('#q-ground', 'religion');
	await page.fill('#narrative', narrative);
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
	assert.ok((await page.textContent('#review-encrypted')).includes(canary),
	    'the review lists the narrative under "encrypted"');
	assert.ok(!(await page.textContent('#review-clear')).includes(canary),
	    'and not under "sent in clear"');
	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	const receipt = (await page.textContent('#receipt')).trim();
	assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
	const ack = (await page.textContent('#ack')).trim();
	assert.match(ack, /Bedankt/, 'the acknowledgement, in Dutch');
	assert.equal(await page.isVisible('#done-danger'), false);
	assert.equal(await page.inputValue('#narrative'), '',
	    'the form is emptied once sent');

	// What went over the wire: the clear routing fields and an envelope
	// sealed to the category's queue key and the recovery key; the text
	// itself nowhere, in no encoding.
	assert.equal(sent.length, 1);
	const body = JSON.parse(sent[0]);
	assert.deepEqual(Object.keys(body).sort(), ['answers', 'category',
	    'envelope', 'form_version', 'lang', 'subtype']);
	assert.equal(body.category, 'labour_discrimination');
	assert.deepEqual(body.answers, { ground: 'religion' });
	assert.equal(body.envelope.wraps.length, 2);
	assert.equal(Buffer.from(body.envelope.ciphertext, 'base64').length,
	    1024 + 16, 'padded to the smallest bucket');
	for (const needle of [canary, 'hoofddoek',
	    Buffer.from(canary).toString('base64').slice(0, 16)])
		assert.ok(!sent[0].includes(needle), `${needle} sent in clear`);

	// The check page: the receipt opens the case and shows the
	// acknowledgement; more information is sent from the page.
	await page.click('#done a[href^="/check.html"]');
	await page.waitForSelector('#login');
	// The link carries the chosen language (the browser's is English)
	// and nothing else: no receipt in the URL.
	assert.equal(new URL(page.url()).search, '?lang=nl');
	await page.waitForSelector('#lang option', { state: 'attached' });
	assert.equal(await page.inputValue('#lang'), 'nl');
	await page.fill('#receipt-input', receipt);
	await page.click('#open');
	await page.waitForSelector('#case:not([hidden])');
	assert.match(await page.textContent('#state'), /\S/);
	const inbox = await page.textContent('#messages');
	assert.ok(inbox.includes(ack), `the acknowledgement in the inbox: ${inbox}`);
	const more = `Aanvulling: het gebeurde twee keer. ${canary}-2`;
	await page.fill('#message', more);
	await page.click('#message-send');
	await page.waitForSelector('#message-status:not([hidden])');
	assert.ok((await page.textContent('#messages')).includes(more));

	// The handler: made with meldctl, logged in with password and TOTP.
	const h = stack.addHandler('browser_handler', 'labour');
	const token = await handlerLogin(h);
	const list = await staff('GET', '/v1/staff/cases?queue=labour',
	    { token });
	assert.equal(list.status, 200, list.text);
	assert.equal(list.json.cases.length, 1, list.text);
	const id = list.json.cases[0].id;
	const c = await staff('GET', `/v1/staff/case?id=${encodeURIComponent(id)}`,
	    { token });
	assert.equal(c.status, 200, c.text);
	assert.equal(c.json.content.narrative, narrative,
	    'the handler reads exactly what was typed in the browser');
	// The page seals the reporter's language with the narrative; the
	// staff API shows it once opened.
	assert.deepEqual(Object.keys(c.json.content).sort(), ['lang',
	    'narrative']);
	assert.equal(c.json.lang, 'nl');
	assert.ok(c.json.messages.some((m) => m.text === more),
	    `the reporter's follow-up: ${c.text}`);

	// The handler's reply reaches the check page.
	const reply = `Dank u, wij nemen contact op. ${canary}-3`;
	const r = await staff('POST', '/v1/staff/case/messages', { token,
	    body: { case: id, text: reply } });
	assert.equal(r.status, 201, r.text);
	await page.selectOption('#lang', 'en');	// the page reloads the case
	await page.waitForFunction((t) => document.querySelector('#messages')
	    .textContent.includes(t), reply);
	await page.click('#logout');
	await page.waitForSelector('#login:not([hidden])');
	await page.close();
	assert.equal((await staff('DELETE', '/v1/staff/session', { token }))
	    .status, 200);

	for (const role of ['public', 'staff'])
		assert.ok(!stack.log(role).includes(canary),
		    `the narrative reached the ${role} log`);
});

test('immediate danger: 112 before sending and after', {
	timeout: 90000 }, async () => {
	const page = await openPage('/');
	await page.waitForSelector('#report:not([hidden])');
	await page.selectOption('#lang', 'en');
	await page.check('#categories input[value="honour_violence"]');
	await page.selectOption('#q-subtype', 'forced_marriage');
	assert.equal(await page.isVisible('#danger'), false);
	await page.check('#q-immediate_danger-yes');
	assert.equal(await page.isVisible('#danger'), true);
	assert.match(await page.textContent('#danger'), /112/);
	await page.check('#q-immediate_danger-no');
	assert.equal(await page.isVisible('#danger'), false);
	await page.check('#q-immediate_danger-yes');
	await page.fill('#narrative', 'They are taking her abroad tonight.');
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	// The server's answer says "emergency": the box is shown again,
	// prominently, with the receipt and the urgent first-response date.
	assert.equal(await page.isVisible('#done-danger'), true);
	assert.match(await page.textContent('#done-danger'), /112/);
	assert.match((await page.textContent('#receipt')).trim(),
	    /^\d{4} \d{4} \d{4} \d{4}$/);
	assert.match(await page.textContent('#deadlines'), /\S/);
	await page.close();
});

// Issue 14: the answer to a stored report is lost on the way back (the
// connection is cut after the service answered).  The page sends the
// same bytes again under the same Idempotency-Key and shows the receipt
// of the report the service stored: exactly one case exists.
test('a lost answer is retried with the same id; one case, its receipt', {
	timeout: 90000 }, async () => {
	const before = Number(stack.query('SELECT count(*) FROM casework.cases'));
	// Not openPage(): the cut connection is a console error on purpose.
	const page = await browser.newPage();
	page.setDefaultTimeout(STEP);
	const seen = [];
	let cut = false;
	await page.route('**/v1/reports', async (route) => {
		const req = route.request();
		seen.push({ key: await req.headerValue('idempotency-key'),
		    body: req.postData() });
		if (!cut) {
			cut = true;
			await route.fetch();	// the service stores it...
			await route.abort('connectionreset');	// ...the answer is lost
			return;
		}
		await route.continue();
	});
	await page.goto(stack.publicUrl + '/');
	await page.waitForSelector('#report:not([hidden])');
	await page.selectOption('#lang', 'en');
	await page.check('#categories input[value="labour_discrimination"]');
	await page.selectOption('#q-subtype', 'recruitment');
	await page.selectOption('#q-ground', 'religion');
	await page.fill('#narrative', 'Lost answer, sent once.');
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	const receipt = (await page.textContent('#receipt')).trim();
	assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
	assert.equal(seen.length, 2, 'one retry');
	assert.match(seen[0].key, /^[A-Za-z0-9_-]{22}$/);
	assert.equal(seen[1].key, seen[0].key, 'the same submission id');
	assert.equal(seen[1].body, seen[0].body, 'the same bytes');
	assert.equal(Number(stack.query('SELECT count(*) FROM casework.cases')),
	    before + 1, 'exactly one case stored');
	// The receipt shown is the stored case's: it logs in.
	const login = await page.evaluate(async (r) => (await fetch(
	    '/v1/reporter/session', { method: 'POST', headers: {
	    'Content-Type': 'application/json' }, body: JSON.stringify({
	    receipt: r }) })).status, receipt);
	assert.equal(login, 200);
	await page.close();
});

test('no console errors or page errors', () => {
	assert.deepEqual(problems, []);
});
