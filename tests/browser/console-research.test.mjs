// Issue 13: the researcher's page.  Five reports go through the real
// reporter page; a researcher made with `meldctl user add` signs in to
// the console, exports year x category for this year with k = 5 and
// ε = 0, sees the table and the chart with the budget left, and downloads
// the CSV; its bytes are exactly what `meldctl stats export` gives for
// the same parameters (so its numbers match), and the labour row shows
// the five reports.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser, meldctl } from './lib/stack.mjs';
import { openPage, report, shot, signIn } from './lib/console.mjs';

let stack, browser;
const problems = [];

before(async () => {
	stack = await new Stack({ staff: true,
	    staffConf: ['research_k = 5'] }).start();
	({ context: browser } = await launchBrowser(chromium));
});

after(async () => {
	await browser?.close();
	const codes = await stack?.stop();
	if (codes)
		assert.deepEqual(codes, [0, 0], 'both daemons exit 0 on SIGTERM');
});

test('a researcher downloads a CSV that matches meldctl stats export', {
	timeout: 170000 }, async () => {
	const rep = await openPage(browser, stack.publicUrl, '/', problems);
	for (let i = 0; i < 5; i++) {
		if (i > 0)
			await rep.goto(`${stack.publicUrl}/`);
		await report(rep, { category: 'labour_discrimination',
		    subtype: 'recruitment', answers: { ground: 'religion' },
		    narrative: `Melding ${i} voor de statistiek.` });
	}
	await rep.close();
	const r = stack.addUser('console_researcher', 'researcher');
	// Exact counts (ε = 0) need an administrator's opt-out, for the
	// researcher and for the CLI's actor alike (docs/research.md).
	meldctl(stack.admin, 'stats', 'budget', '--researcher', r.username,
	    '--allow-exact', '--actor', 'test');
	meldctl(stack.admin, 'stats', 'budget', '--operator', 'test',
	    '--allow-exact', '--actor', 'test');
	const page = await openPage(browser, stack.staffUrl, '/', problems);
	await page.selectOption('#lang', 'en');
	await signIn(page, r);
	await page.waitForSelector('#v-research:not([hidden])');
	const year = new Date().getUTCFullYear();
	const month = new Date().toISOString().slice(0, 7);
	for (const d of ['month', 'quarter', 'subtype', 'province', 'ground',
	    'sector', 'outcome'])
		assert.equal(await page.isChecked(`#rg-${d}`), false);
	await page.check('#rg-year');
	await page.check('#rg-category');
	await page.fill('#r-from', `${year}-01`);
	await page.fill('#r-to', month);
	await page.fill('#r-k', '5');
	await page.fill('#r-eps', '0');
	await page.click('#r-go');
	await page.waitForSelector('#r-out table, #r-error:not([hidden])');
	assert.equal(await page.isVisible('#r-error'), false,
	    await page.textContent('#r-error'));
	assert.match(await page.textContent('#r-budget'), /\d/);
	const table = await page.textContent('#r-out table');
	assert.match(table, /labour_discrimination\s*5/, table);
	assert.equal(await page.locator('#r-out svg rect.bar').count() > 0, true);
	await shot(page, '10-research');

	const [dl] = await Promise.all([page.waitForEvent('download'),
	    page.click('#r-csv')]);
	const csv = readFileSync(await dl.path(), 'utf8');
	const research = stack.admin.replace('user=mp_admin', 'user=mp_research');
	const cli = meldctl(research, 'stats', 'export', '--group',
	    'year,category', '--from', `${year}-01`, '--to', month,
	    '--format', 'csv', '--k', '5', '--epsilon', '0', '--actor', 'test');
	assert.equal(csv, cli, 'the console\'s CSV is the CLI\'s');
	assert.match(csv, /labour_discrimination,5\b/);
	await page.close();
});

test('no console or page errors, no CSP violation, no foreign request', () => {
	assert.deepEqual(problems, []);
});
