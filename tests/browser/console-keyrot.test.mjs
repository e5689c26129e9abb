// Issue 15 item 5: a handler replaces her own key pair from the console
// (POST /v1/staff/key/rotate).  She signs in, opens a case, reaches "My
// key" from the navigation by keyboard; a wrong password shows the error
// and changes nothing (her second session still works, no success
// message); her password and a fresh TOTP code replace the key: the
// success message, the second session ended, the case still opens in
// this session and, after a new sign-in, through the new key's wraps.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser, totp } from './lib/stack.mjs';
import { openPage, report, shot, signIn } from './lib/console.mjs';

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

// A code from a TOTP step this user has not used yet (a step works once).
async function freshCode(u) {
	let code = totp(u.secret);
	while (code === u.lastCode) {
		await new Promise((r) => setTimeout(r, 30000 - Date.now() % 30000 + 200));
		code = totp(u.secret);
	}
	u.lastCode = code;
	return code;
}

// The session token a page sends, recorded from its requests.
function tokenOf(page) {
	const box = { token: null };
	page.on('request', (r) => {
		const a = r.headers().authorization;
		if (a)
			box.token = a.slice(7);
	});
	return box;
}

const meStatus = (page, tok) => page.evaluate(async (t) => (await fetch(
    '/v1/staff/me', { headers: { Authorization: `Bearer ${t}` } })).status, tok);

async function openCase(con, id, narrative) {
	await con.click('.navb[data-view="cases"]');
	await con.waitForSelector('#v-cases:not([hidden])');
	await con.fill('#find-id', id);
	await con.click('#find button');
	await con.waitForFunction((i) => document.querySelector('#h-case .caseid')
	    ?.textContent === i, id);
	await con.waitForSelector('#v-case:not([hidden]) .report');
	assert.equal(await con.textContent('.report p.pre'), narrative);
}

test('a handler replaces her key pair in the console', { timeout: 200000 },
    async () => {
	const h = stack.addHandler('keyrot_handler', ['labour']);
	const narrative = `Afgewezen om mijn naam. KEYROT-${Date.now()}`;
	const rep = await openPage(browser, stack.publicUrl, '/', problems);
	await report(rep, { category: 'labour_discrimination', subtype:
	    'recruitment', answers: { ground: 'religion' }, narrative,
	    lang: 'nl' });
	await rep.close();

	const con = await openPage(browser, stack.staffUrl, '/', problems);
	const other = await openPage(browser, stack.staffUrl, '/', problems);
	try {
		await con.selectOption('#lang', 'en');
		await signIn(con, h);
		// The case, opened from the list.
		await con.click('.navb[data-view="cases"]');
		await con.waitForSelector('#v-cases:not([hidden]) #case-table table');
		await con.click('#case-table button[data-case]');
		await con.waitForSelector('#v-case:not([hidden]) .report');
		assert.equal(await con.textContent('.report p.pre'), narrative);
		const caseId = (await con.textContent('#h-case .caseid')).trim();

		// A second session of hers (another device).
		const otherTok = tokenOf(other);
		await signIn(other, h);
		await other.waitForSelector('#v-queues:not([hidden])');
		assert.match(otherTok.token ?? '', /^[0-9a-f]{64}$/);

		// "My key" by keyboard: focus the navigation button, Enter.
		await con.focus('.navb[data-view="account"]');
		await con.keyboard.press('Enter');
		await con.waitForSelector('#v-account:not([hidden])');
		assert.equal(await con.textContent('#h-account'), 'Replace my key');
		assert.equal(await con.getAttribute('.navb[data-view="account"]',
		    'aria-current'), 'page');
		assert.match(await con.textContent('#acct-intro'),
		    /new key pair.*same password.*other sessions/is);
		assert.equal(await con.evaluate(() => document.activeElement.id),
		    'h-account');

		// A wrong password: the error, nothing changed.
		const code = await freshCode(h);
		const mark = problems.length;
		await con.fill('#acct-pass', 'not the password');
		await con.fill('#acct-totp', code);
		await con.click('#acct-go');
		await con.waitForSelector('#acct-error:not([hidden])');
		assert.equal(await con.textContent('#acct-error'),
		    'Wrong password or code. Nothing was changed.');
		assert.equal(await con.getAttribute('#acct-error', 'role'), 'alert');
		assert.equal(await con.isVisible('#acct-done'), false);
		assert.equal(await con.inputValue('#acct-pass'), '', 'password cleared');
		assert.equal(await meStatus(other, otherTok.token), 200,
		    'the other session still works');
		await shot(con, '30-keyrot-refused');
		// The account backs off after a failure.
		await new Promise((r) => setTimeout(r, 3000));

		// The rotation (the same, unused step: the password failed first).
		await con.fill('#acct-pass', h.password);
		await con.fill('#acct-totp', code);
		await con.click('#acct-go');
		await con.waitForSelector('#acct-done:not([hidden])');
		assert.equal(await con.textContent('#acct-done'),
		    'Your key has been replaced. Other sessions ended: 1.');
		assert.equal(await con.isVisible('#acct-error'), false);
		await shot(con, '31-keyrot-done');
		assert.equal(await meStatus(other, otherTok.token), 401,
		    'the other session ended');
		await other.waitForSelector('#v-signin:not([hidden])',
		    { timeout: 20000 });
		// Chromium logs the refused answers (403, 401) as console errors.
		const extra = problems.splice(mark);
		assert.ok(extra.every((p) => /40[13]/.test(p)), extra.join('\n'));

		// The case still opens, in this session and after a new sign-in
		// (its queue key now wrapped to the new key pair).
		await openCase(con, caseId, narrative);
		await con.click('#signout');
		await con.waitForSelector('#v-signin:not([hidden])');
		await signIn(con, h);
		await openCase(con, caseId, narrative);
	} catch (e) {
		await shot(con, 'failure-keyrot');
		e.message += `\nstatus: ${await con.textContent('#status')}` +
		    `\nproblems: ${problems.join('\n')}`;
		throw e;
	}
	await other.close();
	await con.close();
});

test('no console or page errors, no CSP violation, no foreign request', () => {
	assert.deepEqual(problems, []);
});
