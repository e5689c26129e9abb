// Issue 17 item 2: the console's live channel of urgent alerts, in a real
// headless Chromium against a real public and staff meldpuntd.  An urgent
// report sent through the reporter page raises the alarm in a signed-in
// handler's console from GET /v1/staff/alerts: the content-free words
// ("an urgent case is waiting in queue honour_urgent; first response due
// …"), never the narrative; the banner flashes until dismissed.  With the
// staff process's test clock moved 90 minutes on, the half-deadline alert
// follows.  Switched off with the keyboard, the alarm hides at once and a
// further urgent report raises nothing although the channel lists it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser } from './lib/stack.mjs';
import { openPage, report, shot, signIn } from './lib/console.mjs';

let stack, browser, clockFile;
const problems = [];

before(async () => {
	const dir = mkdtempSync(path.join(process.env.MELDPUNT_TEST_TMP ??
	    '/tmp', 'alerts-'));
	clockFile = path.join(dir, 'clock');
	stack = await new Stack({ staff: true, staffConf: ['alert_check_s = 1',
	    `insecure_test_clock_file = ${clockFile}`] }).start();
	({ context: browser } = await launchBrowser(chromium));
});

after(async () => {
	await browser?.close();
	const codes = await stack?.stop();
	if (codes)
		assert.deepEqual(codes, [0, 0], 'both daemons exit 0 on SIGTERM');
});

// The next answer of the alert channel with n alerts.
function channel(page, n) {
	return page.waitForResponse(async (r) => {
		if (!r.url().endsWith('/v1/staff/alerts') || r.status() !== 200)
			return false;
		return (await r.json()).alerts.length === n;
	}, { timeout: 30000 });
}

test('urgent alerts in the console: arrival, half deadline, switch-off',
    { timeout: 170000 }, async () => {
	const h = stack.addHandler('alert_handler', ['labour', 'honour_urgent']);
	const canary = `CANARY-${Date.now()}-alert`;
	const con = await openPage(browser, stack.staffUrl, '/', problems);
	await con.selectOption('#lang', 'en');
	await signIn(con, h);
	await con.waitForSelector('#v-queues:not([hidden])');
	assert.equal(await con.isVisible('#alert'), false);

	const rep = await openPage(browser, stack.publicUrl, '/', problems);
	await report(rep, { category: 'honour_violence', subtype:
	    'forced_marriage', answers: { immediate_danger: true },
	    narrative: `Vannacht. ${canary}` });
	await con.waitForSelector('#alert:not([hidden])', { timeout: 30000 });
	const first = await con.textContent('#alert-text');
	assert.match(first, /^An urgent case is waiting in queue honour_urgent; first response due .+\.$/);
	assert.doesNotMatch(first, new RegExp(canary));
	assert.match(await con.getAttribute('#alert', 'class'), /\bflash\b/);
	await shot(con, '20-urgent-alert');
	// Dismissed with the keyboard.
	await con.focus('#alert-dismiss');
	await con.keyboard.press('Enter');
	assert.equal(await con.isVisible('#alert'), false);
	assert.doesNotMatch(await con.getAttribute('#alert', 'class'), /flash/);

	// 90 minutes on: at most half an hour before the stored due hour.
	writeFileSync(clockFile, '5400\n');
	await con.waitForSelector('#alert:not([hidden])', { timeout: 30000 });
	assert.match(await con.textContent('#alert-text'),
	    /^An urgent case in queue honour_urgent is past half its first-response time/);

	// Switched off with the keyboard: the banner goes at once ...
	await con.focus('#alerts-on');
	await con.keyboard.press('Space');
	assert.equal(await con.isChecked('#alerts-on'), false);
	assert.equal(await con.isVisible('#alert'), false);
	// ... and a new urgent case (both of its alerts at once, the clock
	// being on) reaches the channel but raises nothing.
	const seen = channel(con, 4);
	await rep.goto(stack.publicUrl + '/');
	await report(rep, { category: 'honour_violence', subtype:
	    'forced_marriage', answers: { immediate_danger: true },
	    narrative: `Morgen. ${canary}` });
	await seen;
	// Time for the poll that read it to have raised, had it been on.
	await con.waitForTimeout(1000);
	assert.equal(await con.isVisible('#alert'), false, 'alarm was off');
	await rep.close();
	assert.deepEqual(problems, []);
});
