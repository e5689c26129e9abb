// Proof of work in the reference page (issue 17 item 5; web/js/pow.js)
// in a real headless Chromium against a real public meldpuntd with the
// production default (pow_required on, base 16 bits):
//
//  - a normal report passes: the page fetched its challenge while the
//    reporter typed, before "send", and the submission carries a solution
//    the service accepted (201, receipt shown);
//  - the service refuses a submission without one (428) and the page's
//    solver agrees with the independent C solver's definition (the
//    service checks it);
//  - the page's solve speed, printed as figures for docs/benchmarks.md.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser } from './lib/stack.mjs';

const STEP = 30000;

let stack, browser;
const problems = [];

before(async () => {
	stack = await new Stack().start();
	({ context: browser } = await launchBrowser(chromium));
});

after(async () => {
	await browser?.close();
	const codes = await stack?.stop();
	if (codes)
		assert.deepEqual(codes, [0], 'the daemon exits 0 on SIGTERM');
});

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

test('a report passes with the page solving the challenge', {
	timeout: 120000 }, async () => {
	const page = await openPage('/');
	const log = [];	// [what, time] in request order
	const powHeaders = [];
	page.on('request', (r) => {
		const u = new URL(r.url());
		if (u.pathname === '/v1/challenge')
			log.push('challenge');
		if (r.method() === 'POST' && u.pathname === '/v1/reports') {
			log.push('report');
			powHeaders.push(r.headers()['meldpunt-pow']);
		}
	});
	await page.waitForSelector('#report:not([hidden])');
	await page.selectOption('#lang', 'en');
	await page.check('#categories input[value="labour_discrimination"]');
	await page.selectOption('#q-subtype', 'recruitment');
	await page.selectOption('#q-ground', 'religion');
	await page.fill('#narrative', 'They said my name did not fit the team.');
	// Typing started the search; it is hidden behind the review step.
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
	assert.deepEqual(log, ['challenge'], 'the challenge is fetched while ' +
	    'the reporter types, before send');
	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	assert.match((await page.textContent('#receipt')).trim(),
	    /^\d{4} \d{4} \d{4} \d{4}$/);
	assert.deepEqual(log, ['challenge', 'report']);
	assert.equal(powHeaders.length, 1);
	assert.match(powHeaders[0], /^[0-9a-f]{84}:[0-9a-f]{16}$/);
	assert.equal(stack.query('SELECT count(*) FROM intake.envelopes'), '1');
	assert.deepEqual(problems, []);
	await page.close();
});

test('without a solution the service refuses and stores nothing', {
	timeout: 60000 }, async () => {
	const page = await openPage('/');
	await page.waitForSelector('#report:not([hidden])');
	// The page's own api(), without the header: what a client that
	// ignores the proof of work gets.
	const r = await page.evaluate(async () => {
		const res = await fetch('/v1/reports', { method: 'POST',
		    headers: { 'Content-Type': 'application/json' },
		    body: JSON.stringify({ category: 'labour_discrimination',
		    subtype: 'recruitment', report: { narrative: 'x' } }) });
		return { status: res.status, body: await res.json() };
	});
	assert.equal(r.status, 428);
	assert.equal(r.body.error.code, 'pow_required');
	assert.equal(stack.query('SELECT count(*) FROM intake.envelopes'), '1',
	    'only the report of the first test');
	// The 428 was asked for: Chromium logs every 4xx as a console error.
	const i = problems.findIndex((m) => m.includes('428'));
	assert.ok(i >= 0);
	problems.splice(i, 1);
	assert.deepEqual(problems, []);
	await page.close();
});

// The page's solver, timed in the page: hashes per second, and the time
// to solve challenges at the base difficulty.  Printed for
// docs/benchmarks.md ("Proof of work"); the machine is shared, so these
// are figures of one run, not a claim.
test('solve speed in the page (figures)', { timeout: 120000 }, async () => {
	const page = await openPage('/');
	await page.waitForSelector('#report:not([hidden])');
	const fig = await page.evaluate(async () => {
		const pow = await import('/js/pow.js');
		// A made-up challenge with 22 bits: only the speed counts.
		const fake = '0116' + '00'.repeat(40);
		const t0 = performance.now();
		const r = await pow.solve(fake);
		const rate = r.tries / ((performance.now() - t0) / 1000);
		// Ten made-up challenges at the base difficulty (16 bits), so
		// that no real challenge is charged to this source.
		const times = [];
		for (let i = 0; i < 10; i++) {
			const b = crypto.getRandomValues(new Uint8Array(40));
			const c = '0110' + Array.from(b, (x) =>
			    x.toString(16).padStart(2, '0')).join('');
			const s = await pow.solve(c);
			times.push({ bits: 16, ms: s.ms, tries: s.tries });
		}
		return { rate, fakeTries: r.tries, times };
	});
	const ms = fig.times.map((x) => x.ms).sort((a, b) => a - b);
	console.log(`# pow browser: ${(fig.rate / 1e6).toFixed(2)} M hashes/s ` +
	    `(${fig.fakeTries} tries); base ${fig.times[0].bits} bits: median ` +
	    `${ms[4].toFixed(0)} ms, max ${ms[9].toFixed(0)} ms over 10 ` +
	    `challenges; expected at 16/20/24 bits: ` +
	    `${(65536 / fig.rate * 1000).toFixed(0)} / ` +
	    `${(2 ** 20 / fig.rate * 1000).toFixed(0)} / ` +
	    `${(2 ** 24 / fig.rate * 1000).toFixed(0)} ms`);
	assert.ok(fig.rate > 1e5, 'the solver runs at all');
	assert.deepEqual(problems, []);
	await page.close();
});
