// Issue 13: reporter-controlled bytes never run in the console.  Every
// field a reporter can fill -- the narrative, a follow-up message and the
// four contact fields (name, phone, email, note; sent in plaintext mode
// by rewriting the reporter page's request) -- carries script,
// event-handler, javascript: URL, SVG, CSS-injection and template
// payloads, as do the staff texts shown to others (note, reply, identity
// request reason).  The handler opens the case, the privacy officer
// approves the identity request and reads the contact.  Then: every
// payload is shown verbatim as text; no element of a payload's kind was
// made; nothing set the canary global; no request left for another
// origin; no CSP violation was reported; no console or page error.  The
// test fails if a single field went through innerHTML (which the CSP's
// Trusted Types would refuse with a violation and an error) or if a
// payload ran.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser } from './lib/stack.mjs';
import { openPage, report, shot, signIn } from './lib/console.mjs';
import { PAYLOADS, inspect } from './lib/xss.mjs';

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

function payload(tag) {
	return `${tag}: ${PAYLOADS.join(' ')}`;
}

// For fields of at most 500 characters (the identity request reason).
function short(tag) {
	return `${tag}: ${PAYLOADS.slice(0, 4).join(' ')}`;
}

test('payloads in every reporter field are shown as text and never run', {
	timeout: 200000 }, async () => {
	const h = stack.addHandler('xss_handler', 'labour');
	const o = stack.addOfficer('xss_officer', 'labour');

	// The reporter: the narrative on the page, contact details added to
	// the page's request (the page has no contact form), a follow-up
	// from the check page.
	const rep = await openPage(browser, stack.publicUrl, '/', problems);
	// (name, phone and email take 200 bytes each: the payloads are
	// spread over them; the note, 1000 bytes, takes them all.)
	const P = PAYLOADS;
	const contact = { name: `${P[0]} ${P[1]}`, phone: `${P[2]} ${P[4].slice(0, 60)}`,
	    email: `${P[3]} ${P[5].slice(0, 50)}`, note: payload('note') };
	for (const [k, v] of Object.entries(contact))
		assert.ok(Buffer.byteLength(v) <= (k === 'note' ? 1000 : 200),
		    `${k}: ${Buffer.byteLength(v)} bytes`);
	await rep.route('**/v1/reports', async (route) => {
		const body = JSON.parse(route.request().postData());
		body.contact_details = contact;
		await route.continue({ postData: JSON.stringify(body) });
	});
	const receipt = await report(rep, { category: 'labour_discrimination',
	    subtype: 'recruitment', answers: { ground: 'religion' },
	    narrative: payload('narrative') });
	await rep.goto(`${stack.publicUrl}/check.html`);
	await rep.fill('#receipt-input', receipt);
	await rep.click('#open');
	await rep.waitForSelector('#case:not([hidden])');
	await rep.fill('#message', payload('message'));
	await rep.click('#message-send');
	await rep.waitForSelector('#message-status:not([hidden])');
	await rep.close();

	// The handler reads, notes, replies and asks for the identity.
	const con = await openPage(browser, stack.staffUrl, '/', problems);
	await con.selectOption('#lang', 'en');
	await signIn(con, h);
	await con.click('article[data-queue="labour"] button');
	await con.click('#case-table button[data-case]');
	await con.waitForSelector('#v-case:not([hidden]) .report');
	await con.fill('form.note textarea', payload('staff note'));
	await con.click('form.note button[type="submit"]');
	await con.waitForFunction(() => document.querySelector('ol.notes'));
	await con.fill('form.reply textarea', payload('reply'));
	await con.click('form.reply button[type="submit"]');
	// The case is read again after sending: wait for the new thread
	// (the old one may already hold two items) before the next form.
	await con.waitForFunction((r) => document.querySelector('ol.thread')
	    ?.textContent.includes(r), payload('reply'));
	await con.fill('form.identity input', short('reason'));
	await con.click('form.identity button[type="submit"]');
	await con.waitForFunction(() => /privacy officer|[Ee]rror|[Ee]xpected|[Ii]nvalid/.test(
	    document.querySelector('#status').textContent));
	assert.match(await con.textContent('#status'), /privacy officer/);
	// Wait one poll round and a re-render: late execution would show.
	await con.waitForTimeout(1500);
	const seen = await inspect(con, '#case-body');
	assert.equal(seen.pwned, null, 'a payload ran in the case view');
	assert.deepEqual(seen.made, [], 'elements made from payloads');
	for (const f of ['narrative', 'message', 'staff note', 'reply'])
		assert.ok(seen.text.includes(payload(f)), `${f} shown verbatim`);
	await shot(con, '07-case-payloads');

	// The officer approves and reads the contact details.
	const off = await openPage(browser, stack.staffUrl, '/', problems);
	await off.selectOption('#lang', 'en');
	await signIn(off, o);
	await off.click('.navb[data-view="officer"]');
	await off.waitForSelector('#officer-list table');
	const list = await inspect(off, '#officer-list');
	assert.ok(list.text.includes(short('reason')), 'reason shown verbatim');
	assert.deepEqual(list.made, []);
	await shot(off, '08-officer-requests');
	// A refusal needs a reason; with one it is recorded, sealed, and the
	// handler reads it in the case history as text (schema 0254).
	await off.click('#officer-list button:text-is("Refuse")');
	await off.waitForFunction(() => /reason to refuse/.test(
	    document.querySelector('#status').textContent));
	assert.equal(await off.isVisible('#officer-list table'), true);
	await off.fill('#officer-list input.decision-reason', short('refusal'));
	await off.click('#officer-list button:text-is("Refuse")');
	await off.waitForFunction(() => !document.querySelector(
	    '#officer-list table'));
	assert.equal(stack.query('SELECT count(*) FROM identity.requests ' +
	    "WHERE status = 'refused' AND decision_reason_sealed IS NOT NULL"),
	    '1');
	await con.click('#back-to-list');
	await con.click('#case-table button[data-case]');
	await con.waitForFunction(() => /Identity request refused/.test(
	    document.querySelector('ol.history')?.textContent ?? ''));
	const refused = await inspect(con, 'ol.history');
	assert.equal(refused.pwned, null, 'a payload ran in the history');
	assert.deepEqual(refused.made, []);
	const line = await con.$$eval('ol.history li', (li) => li.map((x) =>
	    x.textContent).find((x) => x.includes('Identity request refused')));
	assert.ok(line.includes(short('refusal')), `reason verbatim: ${line}`);
	assert.ok(line.includes(o.username), line);
	// Asked again, and approved this time.
	await con.fill('form.identity input', short('reason again'));
	await con.click('form.identity button[type="submit"]');
	await con.waitForFunction(() => /privacy officer/.test(
	    document.querySelector('#status').textContent));
	await off.click('.navb[data-view="officer"]');
	await off.waitForSelector('#officer-list table');
	await off.click('#officer-list button:text-is("Approve")');
	await off.click('#officer-list .approved button');
	await off.waitForSelector('#contact-details');
	const got = await inspect(off, '#officer-contact');
	assert.equal(got.pwned, null, 'a payload ran in the officer view');
	assert.deepEqual(got.made, []);
	for (const [k, v] of Object.entries(contact))
		assert.ok(got.text.includes(v), `contact ${k} shown verbatim`);
	await shot(off, '09-officer-contact');
	assert.equal(await con.evaluate(() => globalThis.__pwned ?? null), null);
	await off.close();
	await con.close();
});

test('no CSP violation, foreign request, console or page error', () => {
	assert.deepEqual(problems, []);
});
