// Issue 17 item 6: the rough edges a real reporter hits, each tried on
// the real page in headless Chromium against a real public and staff
// meldpuntd (one database, keys from `meldctl init`):
//  * a queue key rotated (and a new manifest signed, as an operator
//    does) while the report waits on the review step: one press of
//    "send" gets 409 unknown_key, fetches the form and keys again,
//    verifies the manifest, seals the same text again and sends it; the
//    text is intact and the handler reads exactly it;
//  * Escape leaves quickly (twice while typing in a field), links
//    between the hotline's pages and "leave quickly" replace the
//    history entry, so Back lands on the page before the hotline;
//  * an error names its field next to the field and focuses it, both
//    the page's own check and the server's answer;
//  * the receipt page and the check page give the same dates under the
//    same words (confirmed on / due by), in every language;
//  * on a phone-sized screen, the heading after login is not under the
//    sticky header;
//  * a narrative holding a lone surrogate is sealed as UTF-8 (U+FFFD),
//    so the handler reads text, not a broken escape.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser, meldctl, totp } from './lib/stack.mjs';

const STEP = 30000;

let stack, browser;
const problems = [];

before(async () => {
	stack = await new Stack({ staff: true }).start();
	({ context: browser } = await launchBrowser(chromium));
});

after(async () => {
	await browser?.close();
	if (stack?.staffPort) {
		const logs = `public:\n${stack.log('public')}\nstaff:\n` +
		    `${stack.log('staff')}`;
		// Under the sanitizers a report makes the exit status non-zero.
		assert.deepEqual(await stack.stop(), [0, 0],
		    `both daemons exit 0 on SIGTERM\n${logs}`);
	} else {
		await stack?.stop();
	}
});

// GET or POST over TLS with node's client (self-signed loopback cert).
async function call(base, method, p, { body, token } = {}) {
	const { request } = await import('node:https');
	return new Promise((resolve, reject) => {
		const data = body === undefined ? null : JSON.stringify(body);
		const req = request(base + p, {
			method, rejectUnauthorized: false, timeout: STEP,
			headers: {
				...(data ? { 'Content-Type': 'application/json',
				    'Content-Length': Buffer.byteLength(data) } : {}),
				...(token ? { Authorization: `Bearer ${token}` } : {}),
			},
		}, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (c) => { text += c; });
			res.on('end', () => {
				let json = null;
				try {
					json = JSON.parse(text);
				} catch {
					/* left null */
				}
				resolve({ status: res.statusCode, json, text });
			});
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', reject);
		if (data)
			req.write(data);
		req.end();
	});
}

async function openPage(p = '/', opts = {}) {
	const page = await browser.newPage();
	page.setDefaultTimeout(STEP);
	if (opts.viewport)
		await page.setViewportSize(opts.viewport);
	page.on('console', (m) => {
		// The 409 and 422 the tests provoke on purpose are logged by
		// Chromium as failed loads; anything else counts.
		if (m.type() === 'error' &&
		    !/status of (409|422)/.test(m.text()))
			problems.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	if (p !== null)
		await page.goto(stack.publicUrl + p);
	return page;
}

function labourQueueKey(forms) {
	const c = forms.categories.find((x) => x.id === 'labour_discrimination');
	return c.keys.queues.map((k) => k.key_id).sort().join(',');
}

// Fill in a labour report up to the review step.
async function toReview(page, narrative, lang = 'nl') {
	await page.waitForSelector('#report:not([hidden])');
	await page.selectOption('#lang', lang);
	await page.check('#categories input[value="labour_discrimination"]');
	await page.selectOption('#q-subtype', 'recruitment');
	await page.selectOption('#q-ground', 'religion');
	await page.fill('#narrative', narrative);
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
}

async function handlerReads(username) {
	const h = stack.addHandler(username, 'labour');
	const s = await call(stack.staffUrl, 'POST', '/v1/staff/session', {
	    body: { username: h.username, password: h.password,
	    totp: totp(h.secret) } });
	assert.equal(s.status, 201, s.text);
	const token = s.json.token;
	const list = await call(stack.staffUrl, 'GET',
	    '/v1/staff/cases?queue=labour', { token });
	assert.equal(list.status, 200, list.text);
	const out = [];
	for (const c of list.json.cases) {
		const r = await call(stack.staffUrl, 'GET',
		    `/v1/staff/case?id=${encodeURIComponent(c.id)}`, { token });
		assert.equal(r.status, 200, r.text);
		out.push(r.json);
	}
	return out;
}

test('a key rotation during review: send re-seals and succeeds, text intact',
    { timeout: 180000 }, async () => {
	const canary = `ROTATE-${Date.now()}`;
	const narrative = `Tijdens de review werd de sleutel vervangen. ${canary}`;
	const page = await openPage('/');
	const answers = [];
	page.on('response', async (r) => {
		if (r.request().method() === 'POST' &&
		    new URL(r.url()).pathname === '/v1/reports')
			answers.push({ status: r.status(),
			    body: r.request().postData() ?? '',
			    text: await r.text().catch(() => '') });
	});
	await toReview(page, narrative);

	// The operator rotates the labour queue's key and signs a new
	// manifest with the offline key, while the page waits on review.
	const old = await call(stack.publicUrl, 'GET', '/v1/forms?lang=nl');
	assert.equal(old.status, 200);
	const oldKey = labourQueueKey(old.json);
	meldctl(stack.admin, 'keys', 'rotate', 'labour');
	meldctl(stack.admin, 'keys', 'sign', '--signing-key',
	    path.join(stack.keysDir, 'manifest-signing.key'));
	let now = oldKey;
	for (let i = 0; i < 100 && now === oldKey; i++) {
		await new Promise((r) => setTimeout(r, 200));
		const f = await call(stack.publicUrl, 'GET', '/v1/forms?lang=nl');
		if (f.status === 200)
			now = labourQueueKey(f.json);
	}
	assert.notEqual(now, oldKey, 'the daemon serves the new key');

	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	assert.match((await page.textContent('#receipt')).trim(),
	    /^\d{4} \d{4} \d{4} \d{4}$/);
	// First the stale keys (nothing stored), then the re-sealed report.
	assert.equal(answers.length, 2, JSON.stringify(answers));
	assert.equal(answers[0].status, 409);
	assert.equal(JSON.parse(answers[0].text).error.code, 'unknown_key');
	assert.equal(answers[1].status, 201);
	const ids = (b) => JSON.parse(b).envelope.wraps.map((w) => w.key_id);
	assert.ok(ids(answers[0].body).includes(oldKey));
	assert.ok(ids(answers[1].body).includes(now),
	    'sealed again to the new queue key');
	for (const a of answers)
		assert.ok(!a.body.includes(canary), 'never sent in clear');
	// Nothing written to the device while refreshing.
	assert.deepEqual(await page.evaluate(() => [localStorage.length,
	    sessionStorage.length, document.cookie]), [0, 0, '']);

	const cases = await handlerReads('rotation_handler');
	assert.equal(cases.length, 1);
	assert.equal(cases[0].content.narrative, narrative,
	    'the handler reads exactly the text typed before the rotation');
	await page.close();
});

test('Escape leaves quickly; the hotline keeps one history entry',
    { timeout: 120000 }, async () => {
	const page = await openPage(null);
	// Some other site before the hotline (here: the staff daemon's
	// health check, another origin).
	await page.goto(`${stack.staffUrl}/healthz`);
	await page.goto(`${stack.publicUrl}/`);
	await page.waitForSelector('#report:not([hidden])');
	const len = await page.evaluate(() => history.length);
	assert.equal(await page.getAttribute('#leave', 'aria-keyshortcuts'),
	    'Escape');
	assert.match(await page.textContent('#leave-key'), /Esc/);

	// A link to the check page replaces the entry: no second one.
	await page.click('footer a');
	await page.waitForSelector('#login');
	assert.equal(new URL(page.url()).pathname, '/check.html');
	assert.equal(await page.evaluate(() => history.length), len);

	// While typing, one Escape does nothing (it may close a picker or
	// an input method); two far apart neither.
	await page.fill('#receipt-input', '1234');
	await page.focus('#receipt-input');
	await page.keyboard.press('Escape');
	await page.waitForTimeout(1700);
	await page.keyboard.press('Escape');
	await page.waitForTimeout(300);
	assert.equal(new URL(page.url()).pathname, '/check.html');
	assert.equal(await page.inputValue('#receipt-input'), '1234');
	// Twice in a row leaves.
	await page.keyboard.press('Escape');
	await page.keyboard.press('Escape');
	await page.waitForURL('about:blank', { timeout: 5000 });
	assert.equal(await page.evaluate(() => history.length), len,
	    'the hotline entry was replaced, not added to');
	await page.goBack();
	assert.ok(page.url().startsWith(stack.staffUrl),
	    `Back lands before the hotline, not on it: ${page.url()}`);
	await page.close();

	// Not in a field: one Escape leaves at once.
	const p2 = await openPage('/');
	await p2.waitForSelector('#report:not([hidden])');
	await p2.check('#categories input[value="labour_discrimination"]');
	await p2.fill('#narrative', 'ESC-CANARY');
	await p2.focus('#categories input[value="labour_discrimination"]');
	await p2.keyboard.press('Escape');
	await p2.waitForURL('about:blank', { timeout: 5000 });
	assert.ok(!(await p2.content()).includes('ESC-CANARY'));
	await p2.close();
});

test('an error names its field next to the field and focuses it',
    { timeout: 120000 }, async () => {
	const page = await openPage('/');
	await page.waitForSelector('#report:not([hidden])');
	await page.selectOption('#lang', 'en');
	// The page's own check: the subtype is missing.
	await page.check('#categories input[value="labour_discrimination"]');
	await page.fill('#narrative', 'some text');
	await page.click('#to-review');
	const sub = await page.waitForSelector(
	    '[data-field="/subtype"] .field-error');
	assert.match(await sub.textContent(), /^Which fits best\? — /);
	assert.equal(await page.evaluate(() => document.activeElement.id),
	    'q-subtype');
	assert.equal(await page.getAttribute('#q-subtype', 'aria-invalid'),
	    'true');
	assert.match(await page.textContent('#form-error'), /Which fits best/);
	// Choosing clears it.
	await page.selectOption('#q-subtype', 'recruitment');
	assert.equal(await page.$('[data-field="/subtype"] .field-error'), null);

	// The server's check: a choice the form no longer offers (as after a
	// form change, or from a tampered page) -- the request is altered on
	// its way, the real server answers 422 unknown_value at
	// /answers/ground with the label in Turkish, and the page goes back
	// to the form and marks the question.
	await page.selectOption('#lang', 'tr');
	await page.selectOption('#q-ground', 'religion');
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
	await page.route('**/v1/reports', (route) => {
		const b = JSON.parse(route.request().postData());
		b.answers.ground = 'no_such_ground';
		route.continue({ postData: JSON.stringify(b) });
	});
	const [res] = await Promise.all([
		page.waitForResponse((r) => new URL(r.url()).pathname ===
		    '/v1/reports'),
		page.click('#send'),
	]);
	await page.unroute('**/v1/reports');
	assert.equal(res.status(), 422);
	const err = (await res.json()).error;
	assert.equal(err.field, '/answers/ground');
	assert.equal(err.label, await page.evaluate(() => document
	    .querySelector('label[for="q-ground"]').firstChild.textContent));
	assert.ok(err.message.startsWith(`${err.label} — `),
	    JSON.stringify(err));
	const box = await page.waitForSelector(
	    '[data-field="/answers/ground"] .field-error');
	assert.equal(await box.textContent(), err.message);
	assert.ok(await page.isVisible('#report'));
	assert.equal(await page.isVisible('#review'), false);
	assert.equal(await page.evaluate(() => document.activeElement.id),
	    'q-ground');
	assert.equal(await page.inputValue('#narrative'), 'some text',
	    'the text is kept');
	await page.close();
});

// Rows of a <dl> as [dt, dd] pairs.
async function rows(page, sel) {
	return page.$$eval(`${sel} dt`, (dts) => dts.map((dt) =>
	    [dt.textContent, dt.nextElementSibling?.textContent ?? '']));
}

test('receipt and check page: the same words for the same dates; the ' +
    'heading after login is not under the sticky header (phone)',
    { timeout: 240000 }, async () => {
	const phone = { width: 375, height: 667 };
	for (const lang of ['nl', 'en', 'tr', 'ar']) {
		const page = await openPage('/', { viewport: phone });
		await toReview(page, `Tekst in ${lang}`, lang);
		await page.click('#send');
		await page.waitForSelector('#done:not([hidden])');
		const receipt = (await page.textContent('#receipt')).trim();
		const done = await rows(page, '#deadlines');
		// The heading of the receipt page is in view, below the header.
		await checkHeadingVisible(page, '#h-done', lang);

		await page.click('#done a.button');
		await page.waitForSelector('#login');
		await page.selectOption('#lang', lang);
		await page.fill('#receipt-input', receipt);
		// As on a phone: scrolled down to the button before tapping it.
		await page.evaluate(() => scrollTo(0, document.body.scrollHeight));
		await page.click('#open');
		await page.waitForSelector('#case:not([hidden])');
		await checkHeadingVisible(page, '#h-state', lang);
		const check = await rows(page, '#case-deadlines');
		// Same label, same date for "receipt confirmed on" and for every
		// due date the receipt page gave.
		const byLabel = new Map(check);
		assert.equal(done.length, 3, `${lang}: ${JSON.stringify(done)}`);
		for (const [label, date] of done)
			assert.equal(byLabel.get(label), date,
			    `${lang}: "${label}" ${date} on the receipt page, ` +
			    `${JSON.stringify(check)} on the check page`);
		// And "confirmed on" (a date that happened) is worded apart from
		// the due date of a handler's first look.
		assert.notEqual(done[0][0], done[1][0]);
		await page.close();
	}
});

async function checkHeadingVisible(page, sel, lang) {
	const geo = await page.evaluate((s) => {
		const h = document.querySelector(s).getBoundingClientRect();
		const top = document.querySelector('header.top')
		    .getBoundingClientRect();
		return { h: [h.top, h.bottom], header: top.bottom,
		    vh: innerHeight, focused: document.activeElement ===
		    document.querySelector(s) };
	}, sel);
	assert.ok(geo.h[0] >= geo.header - 1 && geo.h[1] <= geo.vh,
	    `${lang}: ${sel} at ${geo.h} is hidden (header ends at ` +
	    `${geo.header}, viewport ${geo.vh})`);
	assert.ok(geo.focused, `${lang}: the focus is on ${sel}`);
}

test('a lone surrogate in the text is sealed as UTF-8', {
	timeout: 120000 }, async () => {
	const canary = `UTF8-${Date.now()}`;
	const page = await openPage('/');
	await toReview(page, 'x');
	await page.click('#back');
	// A string no UTF-8 can hold as is: a lone high surrogate.
	await page.evaluate((c) => {
		const n = document.getElementById('narrative');
		n.value = `broken \ud800 paste ${c}`;
		n.dispatchEvent(new Event('input', { bubbles: true }));
	}, canary);
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	await page.close();
	const cases = await handlerReads('utf8_handler');
	const mine = cases.find((c) => JSON.stringify(c.content ?? '')
	    .includes(canary));
	assert.ok(mine, 'the handler finds the report');
	assert.equal(mine.content_error, undefined);
	assert.equal(mine.content.narrative, `broken \ufffd paste ${canary}`);
});

test('no console errors or page errors', () => {
	assert.deepEqual(problems, []);
});
