// Issue 13: attachment file names are reporter-controlled bytes too, and
// never run in the console.  A reporter attaches five files through the
// real reporter page with "send the file names" ticked; their names carry
// the script, event-handler, javascript: URL, SVG, CSS-injection and
// template payloads of console-xss.test.mjs.  The handler opens the case:
// the attachment list (console/js/attachv.js) shows every name verbatim as
// text, no element of a payload's kind was made, nothing set the canary
// global; opening a file gives a save link whose download name and text
// are the name, still as text.  No request left for another origin, no CSP
// violation, no console or page error.  Were a name put through innerHTML,
// the CSP's Trusted Types would refuse it with a violation and an error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser } from './lib/stack.mjs';
import { openPage, shot, signIn } from './lib/console.mjs';
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

// Five files (the page's limit) share the nine payloads.
const P = PAYLOADS;
const NAMES = [`${P[0]} ${P[1]}.txt`, `${P[2]} ${P[3]}.txt`, `${P[4]}.txt`,
	`${P[5]} ${P[8]}.txt`, `${P[6]} ${P[7]}.txt`];

test('payloads in attachment names are shown as text and never run', {
	timeout: 170000 }, async () => {
	const h = stack.addHandler('xss_att_handler', 'labour');

	const rep = await openPage(browser, stack.publicUrl, '/', problems);
	await rep.waitForSelector('#report:not([hidden])');
	await rep.selectOption('#lang', 'en');
	await rep.check('#categories input[value="labour_discrimination"]');
	await rep.selectOption('#q-subtype', 'recruitment');
	await rep.selectOption('#q-ground', 'religion');
	await rep.fill('#narrative', 'Bijlagen met vreemde namen.');
	await rep.waitForSelector('#attach-section:not([hidden])');
	await rep.setInputFiles('#attach-input', NAMES.map((name, i) => ({
		name, mimeType: 'text/plain', buffer: Buffer.from(`file ${i}\n`) })));
	assert.equal(await rep.locator('#attach-list li').count(), NAMES.length);
	await rep.check('#attach-names');
	await rep.click('#to-review');
	await rep.waitForSelector('#review:not([hidden])');
	await rep.click('#send');
	await rep.waitForSelector('#done:not([hidden])');
	await rep.waitForFunction((n) => document.getElementById('done-attach')
	    ?.textContent.includes(`(${n})`), NAMES.length, { timeout: 90000 });
	const side = await inspect(rep, 'main');
	assert.equal(side.pwned, null, 'a payload ran on the reporter page');
	await rep.close();

	const con = await openPage(browser, stack.staffUrl, '/', problems);
	await con.selectOption('#lang', 'en');
	await signIn(con, h);
	await con.click('article[data-queue="labour"] button');
	await con.click('#case-table button[data-case]');
	await con.waitForSelector('#v-case:not([hidden]) button.att-open');
	const buttons = await con.$$eval('button.att-open',
	    (bs) => bs.map((b) => b.textContent));
	assert.equal(buttons.length, NAMES.length);
	for (const name of NAMES)
		assert.ok(buttons.some((b) => b.includes(name)),
		    `name shown verbatim: ${name}`);
	await con.click('button.att-open >> nth=0');
	const link = await con.waitForSelector('a.att-save');
	assert.equal(await link.getAttribute('download'), NAMES[0]);
	assert.ok((await link.textContent()).includes(NAMES[0]));
	// One poll round and a re-render: late execution would show.
	await con.waitForTimeout(1500);
	const seen = await inspect(con, '#case-body');
	assert.equal(seen.pwned, null, 'a payload ran in the case view');
	assert.deepEqual(seen.made, [], 'elements made from payloads');
	await shot(con, '11-attachment-names');
	await con.close();
});

test('no CSP violation, foreign request, console or page error', () => {
	assert.deepEqual(problems, []);
});
