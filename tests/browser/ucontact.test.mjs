// Issue 17 item 1: contact details for a call-back, in a real headless
// Chromium against a real public and staff meldpuntd (keys from a real
// `meldctl init`).  A reporter of an urgent honour-violence report is
// asked for contact details before the narrative, gives them with the
// consent "the urgent team may call me right away", and the page seals
// them itself: to the identity key, and -- consenting -- to every queue
// key (the wire carries no clear contact).  A handler of the urgent queue
// reads exactly what was typed through the staff API and in the console
// (one audited read each), and the reporter's inbox shows the consent and
// that the team read it.  A second urgent report with contact details but
// without consent: the urgent handler is refused (403 no_consent); an
// officer reads the details after a handler's request and another
// officer's approval (art. 16(3)).  Nothing of the contact in the logs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { openPage as openConsole, signIn } from './lib/console.mjs';
import { Stack, launchBrowser, totp } from './lib/stack.mjs';
import { staffRequest } from './lib/staffapi.mjs';

const STEP = 30000;

let stack, browser;
const problems = [];

before(async () => {
	stack = await new Stack({ staff: true }).start();
	({ context: browser } = await launchBrowser(chromium));
});

after(async () => {
	await browser?.close();
	const codes = await stack?.stop();
	if (codes)
		assert.deepEqual(codes, [0, 0], 'both daemons exit 0 on SIGTERM');
});

function staff(method, p, opts = {}) {
	return staffRequest(stack.staffUrl, method, p, { ...opts,
	    timeout: STEP });
}

async function login(u) {
	// signIn() (console.mjs) waits for the next step after this one.
	u.lastCode = totp(u.secret);
	const r = await staff('POST', '/v1/staff/session', { body: {
	    username: u.username, password: u.password, totp: u.lastCode } });
	assert.equal(r.status, 201, r.text);
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

// Fill an urgent honour-violence report up to the contact step; returns
// the bodies POSTed to /v1/reports.
async function urgentReport(page, { phone, note, consent }) {
	const sent = [];
	page.on('request', (r) => {
		if (r.method() === 'POST' && new URL(r.url()).pathname ===
		    '/v1/reports')
			sent.push(r.postData() ?? '');
	});
	await page.waitForSelector('#report:not([hidden])');
	await page.selectOption('#lang', 'en');
	await page.check('#categories input[value="honour_violence"]');
	await page.selectOption('#q-subtype', 'forced_marriage');
	// Not urgent yet: the contact step comes after the narrative.
	assert.equal(await page.evaluate(() => document.querySelector(
	    '#contact-section').previousElementSibling.id), 'narrative-section');
	await page.check('#q-immediate_danger-yes');
	// Urgent: asked for first (before the narrative), consent offered
	// once something is filled in.
	assert.equal(await page.evaluate(() => document.querySelector(
	    '#contact-section').nextElementSibling.id), 'narrative-section');
	assert.equal(await page.isVisible('#contact-urgent-ask'), true);
	assert.match(await page.textContent('#contact-section'),
	    /privacy officers/);
	assert.equal(await page.isVisible('#contact-consent'), false);
	await page.fill('#contact-phone', phone);
	await page.fill('#contact-note', note);
	assert.equal(await page.isVisible('#contact-consent'), true);
	if (consent)
		await page.check('#contact-consent');
	await page.fill('#narrative', 'They take my sister abroad tonight.');
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
	assert.ok((await page.textContent('#review-encrypted')).includes(phone),
	    'the review lists the contact under "encrypted"');
	assert.ok(!(await page.textContent('#review-clear')).includes(phone));
	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	const receipt = (await page.textContent('#receipt')).trim();
	assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
	assert.equal(await page.inputValue('#contact-phone'), '',
	    'the contact fields are emptied once sent');
	return { sent, receipt };
}

async function inboxText(page, receipt) {
	await page.goto(`${stack.publicUrl}/check.html`);
	await page.waitForSelector('#login');
	await page.selectOption('#lang', 'en');
	await page.fill('#receipt-input', receipt);
	await page.click('#open');
	await page.waitForSelector('#case:not([hidden])');
	const text = await page.textContent('#messages');
	await page.click('#logout');
	await page.waitForSelector('#login:not([hidden])');
	return text;
}

test('urgent report: contact with consent, read by the urgent team', {
	timeout: 200000 }, async () => {
	const canary = `CANARY-${Date.now()}-ucontact`;
	const phone = '+31 6 5555 0101';
	const note = `Only after 22:00, never leave a message. ${canary}`;
	const page = await openPage('/');
	const { sent, receipt } = await urgentReport(page, { phone, note,
	    consent: true });
	assert.match(await page.textContent('#ack'), /urgent team can read/);

	// On the wire: sealed copies only.
	assert.equal(sent.length, 1);
	const body = JSON.parse(sent[0]);
	assert.equal(body.contact_consent, true);
	assert.deepEqual(Object.keys(body.contact).sort(),
	    ['ciphertext', 'enc', 'key_id']);
	assert.equal(body.urgent_contact.length, 2,
	    'one copy per queue key of the category (honour, honour_urgent)');
	assert.equal(Buffer.from(body.contact.ciphertext, 'base64').length,
	    256 + 16);
	for (const c of body.urgent_contact)
		assert.equal(c.ciphertext.length, body.contact.ciphertext.length);
	for (const needle of [canary, phone, '5555 0101'])
		assert.ok(!sent[0].includes(needle), `${needle} sent in clear`);

	// The inbox shows the consent; not yet a read.
	let inbox = await inboxText(page, receipt);
	assert.match(inbox, /You agreed that the urgent team/);
	assert.doesNotMatch(inbox, /urgent team has now read/);

	// A handler of the urgent queue reads exactly what was typed.
	const h = stack.addHandler('urgent_handler', 'honour_urgent');
	const token = await login(h);
	const list = await staff('GET', '/v1/staff/cases?queue=honour_urgent',
	    { token });
	assert.equal(list.status, 200, list.text);
	assert.equal(list.json.cases.length, 1, list.text);
	const id = list.json.cases[0].id;
	const c = await staff('GET', `/v1/staff/case?id=${id}`, { token });
	assert.equal(c.json.contact_consent, true, c.text);
	const r = await staff('GET', `/v1/staff/case/urgent-contact?id=${id}`,
	    { token });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json.contact, { phone, note });
	assert.equal(stack.query("SELECT count(*) FROM audit.events WHERE " +
	    `action = 'contact.urgent_read' AND object = 'case:${id}'`), '1');

	// The same in the console: the who-can-see wording, then the button.
	const con = await openConsole(browser, stack.staffUrl, '/', problems);
	await signIn(con, h);
	await con.click('article[data-queue="honour_urgent"] button');
	await con.waitForSelector('#v-cases:not([hidden]) #case-table table');
	await con.click('#case-table button[data-case]');
	const showButton = 'button:text-is("Show contact details (recorded)")';
	await con.waitForSelector(`#v-case:not([hidden]) ${showButton}`);
	assert.match(await con.textContent('#case-body'),
	    /Only members of the urgent queue/);
	assert.ok(!(await con.textContent('#case-body')).includes(phone),
	    'the details are not shown before the click');
	await con.click(showButton);
	await con.waitForSelector('.ucontact-value');
	const shown = await con.textContent('.ucontact');
	assert.ok(shown.includes(phone) && shown.includes(note), shown);
	await con.close();
	assert.equal(stack.query("SELECT count(*) FROM audit.events WHERE " +
	    `action = 'contact.urgent_read' AND object = 'case:${id}'`), '2',
	    'every read is audited');

	// The inbox now says the team read it.
	inbox = await inboxText(page, receipt);
	assert.match(inbox, /urgent team has now read your contact details/);
	await page.close();

	for (const role of ['public', 'staff'])
		assert.ok(!stack.log(role).includes(canary) &&
		    !stack.log(role).includes('5555 0101'),
		    `the contact reached the ${role} log`);
});

test('without consent: the urgent team is refused, an officer reads it ' +
    'after approval', { timeout: 200000 }, async () => {
	const phone = '+31 6 5555 0202';
	const note = 'Write, do not call.';
	const page = await openPage('/');
	const { sent } = await urgentReport(page, { phone, note,
	    consent: false });
	assert.match(await page.textContent('#ack'), /privacy officer/);
	const body = JSON.parse(sent[0]);
	assert.equal(body.contact_consent, undefined);
	assert.equal(body.urgent_contact, undefined);
	await page.close();

	const h = stack.addHandler('urgent_handler2', 'honour_urgent');
	const token = await login(h);
	const list = await staff('GET', '/v1/staff/cases?queue=honour_urgent',
	    { token });
	const mine = list.json.cases.filter((x) => x.contact_given);
	const c = [];
	for (const x of mine) {
		const v = await staff('GET', `/v1/staff/case?id=${x.id}`, { token });
		if (v.json.contact_consent === false)
			c.push(x.id);
	}
	assert.equal(c.length, 1, list.text);
	const id = c[0];
	const refused = await staff('GET',
	    `/v1/staff/case/urgent-contact?id=${id}`, { token });
	assert.equal(refused.status, 403, refused.text);
	assert.equal(refused.json.error.code, 'no_consent');

	// The identity workflow (art. 16(3)) is unchanged.
	const o = stack.addOfficer('officer_one', []);
	const otoken = await login(o);
	const req = await staff('POST', '/v1/staff/identity/request', { token,
	    body: { case: id, reason: 'Need to reach the reporter safely.' } });
	assert.equal(req.status, 201, req.text);
	const early = await staff('GET',
	    `/v1/staff/identity/contact?request=${req.json.request}`,
	    { token: otoken });
	assert.equal(early.status, 409, early.text);
	const ok = await staff('POST', '/v1/staff/identity/decide', {
	    token: otoken, body: { request: req.json.request, approve: true } });
	assert.equal(ok.status, 200, ok.text);
	const read = await staff('GET',
	    `/v1/staff/identity/contact?request=${req.json.request}`,
	    { token: otoken });
	assert.equal(read.status, 200, read.text);
	assert.deepEqual(read.json.contact, { phone, note });
});

test('no console errors or page errors', () => {
	assert.deepEqual(problems, []);
});
