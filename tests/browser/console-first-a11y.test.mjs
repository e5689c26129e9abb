// Issue 13: the first sign-in's views are accessible and keyboard-usable.
// A handler made by `meldctl user add` without --no-forced-change signs in
// with the keyboard; on the password-change view and then on the TOTP
// enrolment view axe-core reports no serious or critical violation (in
// Dutch and English), Tab reaches every visible control, and each view is
// operated by keyboard only: the password form is filled and sent with
// Enter, "new key" is pressed with Enter (a new secret is shown), and the
// code of that secret is typed and sent with Enter, which enrols and shows
// the queues.  Screenshots of both views (1280x800) go to
// build/artifacts/console/.  The browser context bypasses the page CSP
// only so that axe can be evaluated in the page (the CSP is tested by
// console.test.mjs and console-xss.test.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser, totp } from './lib/stack.mjs';
import { openPage, shot } from './lib/console.mjs';
import { allReachedByTab, axe, tabTo } from './lib/a11y.mjs';

let stack, browser;
const problems = [];

before(async () => {
	stack = await new Stack({ staff: true }).start();
	({ context: browser } = await launchBrowser(chromium, { bypassCSP: true }));
});

after(async () => {
	await browser?.close();
	const codes = await stack?.stop();
	if (codes)
		assert.deepEqual(codes, [0, 0], 'both daemons exit 0 on SIGTERM');
});

// A code of a time step after `afterStep` (the server refuses a used step).
async function codeAfter(secret, afterStep) {
	while (Math.floor(Date.now() / 30000) <= afterStep)
		await new Promise((r) => setTimeout(r, 500));
	return { code: totp(secret), step: Math.floor(Date.now() / 30000) };
}

test('first sign-in views: axe clean, every control by keyboard', {
	timeout: 170000 }, async () => {
	const h = stack.addHandler('first_a11y', 'labour', { forced: true });
	const con = await openPage(browser, stack.staffUrl, '/', problems);
	await con.selectOption('#lang', 'en');

	// Sign in by keyboard only.
	await con.waitForSelector('#v-signin:not([hidden])');
	await con.focus('#si-user');
	await con.keyboard.type(h.username);
	await con.keyboard.press('Tab');
	await con.keyboard.type(h.password);
	await con.keyboard.press('Tab');
	let c = await codeAfter(h.secret, 0);
	await con.keyboard.type(c.code);
	await con.keyboard.press('Enter');

	// The password change.
	await con.waitForSelector('#v-password:not([hidden])');
	for (const lang of ['nl', 'en']) {
		await con.selectOption('#lang', lang);
		await axe(con, `password ${lang}`);
		await allReachedByTab(con, `password ${lang}`);
	}
	await shot(con, '22-first-password-a11y');
	await tabTo(con, '#pw-old');
	await con.keyboard.type(h.password);
	await tabTo(con, '#pw-new');
	await con.keyboard.type('a long passphrase of my own');
	await tabTo(con, '#pw-totp');
	c = await codeAfter(h.secret, c.step);
	await con.keyboard.type(c.code);
	let enrol = con.waitForResponse((r) =>
	    r.url().endsWith('/v1/staff/totp/enrol'));
	await con.keyboard.press('Enter');
	const first = await (await enrol).json();

	// The enrolment.
	await con.waitForSelector('#v-totp:not([hidden])');
	await con.waitForFunction(() =>
	    document.getElementById('totp-secret').textContent.length > 0);
	for (const lang of ['nl', 'en']) {
		await con.selectOption('#lang', lang);
		await axe(con, `totp ${lang}`);
		await allReachedByTab(con, `totp ${lang}`);
	}
	await shot(con, '23-first-totp-a11y');

	// "New key" by keyboard: a new secret is shown.
	enrol = con.waitForResponse((r) =>
	    r.url().endsWith('/v1/staff/totp/enrol'));
	await tabTo(con, '#totp-again');
	await con.keyboard.press('Enter');
	const again = await (await enrol).json();
	assert.notEqual(again.secret, first.secret);
	await con.waitForFunction((s) => document.getElementById('totp-secret')
	    .textContent.replace(/ /g, '') === s, again.secret);

	// The code of that secret, typed and sent with Enter, enrols.
	await tabTo(con, '#totp-code');
	await con.keyboard.type(totp(again.secret));
	await con.keyboard.press('Enter');
	await con.waitForSelector('#v-queues:not([hidden])');
	assert.equal(stack.query("SELECT count(*) FROM audit.events WHERE " +
	    "action = 'totp.enrol'"), '1');
	await con.close();
});

test('no console or page errors', () => {
	assert.deepEqual(problems, []);
});
