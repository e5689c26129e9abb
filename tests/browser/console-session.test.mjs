// Issue 13: the console's session handling.  With session_idle_s = 30 the
// console warns after 15 s without input (role=alertdialog, a countdown,
// focus on "Stay signed in"); staying resets the clock; left alone it
// signs out at 30 s, ends the server session (the old token is refused)
// and shows why.  The alarm switch: with it off, a new urgent report
// shows no alert (the counts still update); the language switch
// re-labels the page in Dutch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser } from './lib/stack.mjs';
import { openPage, report, shot, signIn } from './lib/console.mjs';

let stack, browser;
const problems = [];

before(async () => {
	stack = await new Stack({ staff: true,
	    staffConf: ['session_idle_s = 30'] }).start();
	({ context: browser } = await launchBrowser(chromium));
});

after(async () => {
	await browser?.close();
	const codes = await stack?.stop();
	if (codes)
		assert.deepEqual(codes, [0, 0], 'both daemons exit 0 on SIGTERM');
});

test('idle warning, stay, then idle sign-out; alarm off; Dutch labels', {
	timeout: 150000 }, async () => {
	const h = stack.addHandler('idle_handler', ['labour', 'honour_urgent']);
	const con = await openPage(browser, stack.staffUrl, '/', problems);
	await con.selectOption('#lang', 'nl');
	assert.equal(await con.textContent('#h-signin'), 'Aanmelden');
	// Every request the console sends, to find its token afterwards.
	let token = null;
	con.on('request', (r) => {
		const a = r.headers().authorization;
		if (a)
			token = a.slice(7);
	});
	await signIn(con, h);
	assert.equal(await con.textContent('#h-queues'), 'Wachtrijen');

	// The alarm switched off: a new urgent report raises nothing.
	await con.uncheck('#alerts-on');
	const rep = await openPage(browser, stack.publicUrl, '/', problems);
	await report(rep, { category: 'honour_violence', subtype:
	    'forced_marriage', answers: { immediate_danger: true },
	    narrative: 'Vannacht.' });
	await rep.close();
	await con.waitForFunction(() => document.querySelector(
	    'article[data-queue="honour_urgent"] .n-open')?.textContent === '1',
	    null, { timeout: 20000 });
	assert.equal(await con.isVisible('#alert'), false, 'alarm was off');

	// Idle: the warning, then "stay" (keyboard), then the sign-out.
	await con.waitForSelector('#idle:not([hidden])', { timeout: 30000 });
	assert.equal(await con.getAttribute('#idle', 'role'), 'alertdialog');
	assert.match(await con.textContent('#idle-text'), /\d+ seconden/);
	assert.equal(await con.evaluate(() => document.activeElement.id),
	    'idle-stay');
	await shot(con, '11-idle-warning');
	await con.keyboard.press('Enter');
	assert.equal(await con.isVisible('#idle'), false);
	assert.equal(await con.isVisible('#nav'), true);
	await con.waitForSelector('#v-signin:not([hidden])', { timeout: 45000 });
	assert.match(await con.textContent('#status'), /niet actief/);
	assert.equal(await con.isVisible('#nav'), false);
	assert.match(token ?? '', /^[0-9a-f]{64}$/);
	// The server session ended with it.
	const res = await con.evaluate(async (t) => (await fetch('/v1/staff/me',
	    { headers: { Authorization: `Bearer ${t}` } })).status, token);
	assert.equal(res, 401);
	// (Chromium logs that expected 401 as a console error.)
	const i = problems.findIndex((p) => /401/.test(p));
	if (i >= 0)
		problems.splice(i, 1);
	await con.close();
});

test('no console or page errors, no CSP violation, no foreign request', () => {
	assert.deepEqual(problems, []);
});
