// Issue 13: the console is accessible and keyboard-usable.  axe-core
// (npm, test-only) reports no serious or critical violation on any
// console page: sign-in, queues (with the urgent alarm showing), case
// list, case view, the privacy officer's page and the researcher's page
// with an export shown.  The browser context bypasses the page CSP only
// so that axe itself can be evaluated in the page (the CSP is tested by
// console.test.mjs and console-xss.test.mjs).  Then the keyboard: the
// handler signs in, opens a case and claims it with Tab and Enter only,
// and every visible control of every page is reached by Tab.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser, totp } from './lib/stack.mjs';
import { openPage, report, shot, signIn } from './lib/console.mjs';
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

test('axe: no serious or critical violation on any console page; all by keyboard', {
	timeout: 170000 }, async () => {
	const h = stack.addHandler('a11y_handler', ['labour', 'honour_urgent']);
	const o = stack.addOfficer('a11y_officer', 'labour');
	const r = stack.addUser('a11y_researcher', 'researcher');
	const rep = await openPage(browser, stack.publicUrl, '/', problems);
	await rep.route('**/v1/reports', async (route) => {
		const body = JSON.parse(route.request().postData());
		body.contact_details = { name: 'A. Melder', phone: '0612345678' };
		await route.continue({ postData: JSON.stringify(body) });
	});
	await report(rep, { category: 'labour_discrimination',
	    subtype: 'recruitment', answers: { ground: 'religion' },
	    narrative: 'Een melding om de console mee te toetsen.' });
	await rep.close();

	for (const lang of ['nl', 'en']) {
		const con = await openPage(browser, stack.staffUrl, '/', problems);
		await con.selectOption('#lang', lang);
		await axe(con, `signin ${lang}`);
		await allReachedByTab(con, `signin ${lang}`);

		// Sign-in by keyboard only.
		await con.focus('#si-user');
		await con.keyboard.type(h.username);
		await con.keyboard.press('Tab');
		await con.keyboard.type(h.password);
		await con.keyboard.press('Tab');
		let code = totp(h.secret);
		if (code === h.lastCode) {
			await con.waitForTimeout(30000 - Date.now() % 30000 + 200);
			code = totp(h.secret);
		}
		h.lastCode = code;
		await con.keyboard.type(code);
		await con.keyboard.press('Enter');
		await con.waitForSelector('#v-queues:not([hidden]) article');
		await axe(con, `queues ${lang}`);
		await allReachedByTab(con, `queues ${lang}`);

		// To the labour queue's cases, then the case, by keyboard.
		await tabTo(con, 'article[data-queue="labour"] button');
		await con.keyboard.press('Enter');
		await con.waitForSelector('#v-cases:not([hidden]) #case-table table');
		await axe(con, `cases ${lang}`);
		await allReachedByTab(con, `cases ${lang}`);
		await tabTo(con, '#case-table button[data-case]');
		await con.keyboard.press('Enter');
		await con.waitForSelector('#v-case:not([hidden]) .report');
		await axe(con, `case ${lang}`);
		await allReachedByTab(con, `case ${lang}`);
		if (lang === 'nl') {
			await tabTo(con, '.actions button');
			await con.keyboard.press('Enter');
			await con.waitForFunction((u) => document.querySelector('.facts')
			    .textContent.includes(`${u} ✓`), h.username);
		}
		// "My key" (replace one's own key pair), by keyboard.
		await tabTo(con, '.navb[data-view="account"]');
		await con.keyboard.press('Enter');
		await con.waitForSelector('#v-account:not([hidden]) #acct-go');
		await axe(con, `account ${lang}`);
		await allReachedByTab(con, `account ${lang}`);
		await tabTo(con, '#signout');
		await con.keyboard.press('Enter');
		await con.waitForSelector('#v-signin:not([hidden])');
		await con.close();
	}

	// The officer's page, with a pending request.
	const hc = await openPage(browser, stack.staffUrl, '/', problems);
	await signIn(hc, h);
	await hc.click('.navb[data-view="cases"]');
	await hc.selectOption('#f-queue', 'labour');
	await hc.click('#filters button[type="submit"]');
	await hc.click('#case-table button[data-case]');
	await hc.fill('form.identity input', 'Politie vraagt om getuige.');
	await hc.click('form.identity button[type="submit"]');
	await hc.waitForFunction(() => document.querySelector('#status').textContent.length > 0);
	await hc.close();
	const off = await openPage(browser, stack.staffUrl, '/', problems);
	await off.selectOption('#lang', 'en');
	await signIn(off, o);
	await off.click('.navb[data-view="officer"]');
	await off.waitForSelector('#officer-list table');
	await axe(off, 'officer');
	await allReachedByTab(off, 'officer');
	await tabTo(off, '#officer-list button');
	await off.keyboard.press('Enter');
	await off.waitForSelector('#officer-list .approved button');
	await tabTo(off, '#officer-list .approved button');
	await off.keyboard.press('Enter');
	await off.waitForSelector('#contact-details');
	assert.match(await off.textContent('#contact-details'), /A\. Melder/);
	await axe(off, 'officer contact');
	await off.close();

	// The researcher's page with an export shown.
	const res = await openPage(browser, stack.staffUrl, '/', problems);
	await res.selectOption('#lang', 'en');
	await signIn(res, r);
	await res.waitForSelector('#v-research:not([hidden])');
	await axe(res, 'research');
	await allReachedByTab(res, 'research');
	await tabTo(res, '#r-go');
	await res.keyboard.press('Enter');
	await res.waitForSelector('#r-out table, #r-error:not([hidden])');
	assert.equal(await res.isVisible('#r-error'), false,
	    await res.textContent('#r-error'));
	await axe(res, 'research export');
	await allReachedByTab(res, 'research export');
	await shot(res, '10-research');
	await res.close();
});

test('no console or page errors', () => {
	assert.deepEqual(problems, []);
});
