// The reference page in a real headless Chromium against a real public
// meldpuntd: the Arabic page is laid out right to left (screenshot kept
// in build/artifacts/), the language switch never changes the URL, the
// page needs nothing from another origin and breaks no CSP rule, it can
// be used with the keyboard alone, and "leave quickly" replaces the page
// and leaves nothing behind in storage, cookies, the URL or the history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { Stack, artifactsDir, launchBrowser } from './lib/stack.mjs';

let stack, browser;
const problems = [];	// console errors, CSP violations, other origins

before(async () => {
	stack = new Stack();
	await stack.start();
	({ context: browser } = await launchBrowser(chromium));
	browser.on('request', (r) => {
		const u = new URL(r.url());
		if (u.origin !== stack.publicUrl && !u.protocol.startsWith('about') &&
		    !u.protocol.startsWith('data'))
			problems.push(`request to another origin: ${r.url()}`);
	});
});

after(async () => {
	await browser?.close();
	if (stack?.publicPort) {
		const codes = await stack.stop();
		assert.deepEqual(codes, [0], 'meldpuntd exits 0 on SIGTERM');
	} else {
		await stack?.stop();
	}
});

async function openPage(p = '/') {
	const page = await browser.newPage();
	page.on('console', (m) => {
		if (m.type() === 'error')
			problems.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	await page.goto(stack.publicUrl + p);
	return page;
}

async function storageState(page) {
	return page.evaluate(async () => ({
		local: localStorage.length,
		session: sessionStorage.length,
		cookie: document.cookie,
		idb: (await indexedDB.databases?.() ?? []).length,
	}));
}

test('the Arabic page is right to left and fully translated', async () => {
	const page = await openPage();
	const url = page.url();
	await page.waitForSelector('#report:not([hidden])', { timeout: 10000 });
	await page.selectOption('#lang', 'ar');
	await page.waitForFunction(() => document.documentElement.dir === 'rtl');
	assert.equal(await page.getAttribute('html', 'lang'), 'ar');
	assert.equal(page.url(), url, 'the language switch leaves the URL alone');

	// The categories come from GET /v1/forms?lang=ar.
	await page.waitForFunction(() => /[\u0600-\u06ff]/.test(
	    document.querySelector('#categories label')?.textContent ?? ''));
	await page.check('#categories input[value="honour_violence"]');
	await page.waitForSelector('#narrative-section:not([hidden])');
	await page.fill('#narrative', 'نص تجريبي');

	// Mirrored layout: the leave button sits on the right, labels and
	// text start at the right edge.
	const geo = await page.evaluate(() => {
		const r = (s) => document.querySelector(s).getBoundingClientRect();
		const cs = (s) => getComputedStyle(document.querySelector(s));
		return {
			width: document.documentElement.clientWidth,
			leave: r('#leave'), brand: r('.brand'),
			h1Dir: cs('h1').direction, mainDir: cs('main').direction,
			label: r('label[for="narrative"]'), area: r('#narrative'),
		};
	});
	assert.equal(geo.h1Dir, 'rtl');
	assert.equal(geo.mainDir, 'rtl');
	assert.ok(geo.leave.left > geo.width / 2, 'leave button on the right');
	assert.ok(geo.leave.left > geo.brand.left, 'header mirrored');
	assert.ok(Math.abs(geo.label.right - geo.area.right) < 4,
	    'label starts at the right edge of its field');
	for (const key of ['leave', 'danger.short', 'step.category'])
		assert.match(await page.textContent(`[data-i18n="${key}"]`),
		    /[\u0600-\u06ff]/, `${key} in Arabic`);

	// The 112 instruction appears as soon as immediate danger is said.
	assert.equal(await page.isVisible('#danger'), false);
	await page.check('#q-immediate_danger-yes');
	assert.equal(await page.isVisible('#danger'), true);
	assert.match(await page.textContent('#danger'), /112/);

	const shot = path.join(artifactsDir(), 'report-page-ar.png');
	// A viewport as tall as the page (a full-page capture would paint the
	// sticky header in the middle).
	const h = await page.evaluate(() => document.documentElement.scrollHeight);
	await page.setViewportSize({ width: 1000, height: Math.min(h, 4000) });
	await page.evaluate(() => scrollTo(0, 0));
	await page.screenshot({ path: shot });
	assert.equal(page.url(), url, 'filling in never changes the URL');
	await page.close();
});

test('keyboard alone: every control is labelled and reachable', async () => {
	const page = await openPage();
	await page.waitForSelector('#report:not([hidden])');
	// Every form control has an accessible label.
	const unlabelled = await page.evaluate(() =>
	    [...document.querySelectorAll('input, select, textarea')]
		.filter((e) => e.labels.length === 0 &&
		    !e.getAttribute('aria-label') &&
		    !e.getAttribute('aria-labelledby'))
		.map((e) => e.id || e.name));
	assert.deepEqual(unlabelled, []);
	// Tab from the top: "leave quickly" comes first.
	await page.keyboard.press('Tab');
	assert.equal(await page.evaluate(() => document.activeElement.id),
	    'leave');
	// Choose a category with the keyboard, then reach the narrative.
	await page.focus('#categories input');
	await page.keyboard.press('Space');
	await page.waitForSelector('#narrative-section:not([hidden])');
	let reached = false;
	for (let i = 0; i < 40 && !reached; i++) {
		await page.keyboard.press('Tab');
		reached = await page.evaluate(() =>
		    document.activeElement.id === 'narrative');
	}
	assert.ok(reached, 'the narrative is reachable by Tab');
	await page.keyboard.type('typed with the keyboard');
	// Submitting the step with Enter on the button shows the review.
	let onButton = false;
	for (let i = 0; i < 10 && !onButton; i++) {
		await page.keyboard.press('Tab');
		onButton = await page.evaluate(() =>
		    document.activeElement.id === 'to-review');
	}
	assert.ok(onButton);
	await page.keyboard.press('Enter');
	// Required questions unanswered: the error says so and focus moves.
	const err = await page.isVisible('#form-error');
	const review = await page.isVisible('#review');
	assert.ok(err || review, 'Enter moved the form on');
	await page.close();
});

test('leave quickly replaces the page and leaves nothing behind', async () => {
	const page = await openPage();
	const start = page.url();
	await page.waitForSelector('#report:not([hidden])');
	await page.check('#categories input[value="labour_discrimination"]');
	await page.fill('#narrative', 'LEAVE-CANARY typed text');
	assert.equal(page.url(), start);
	const before1 = await storageState(page);
	assert.deepEqual(before1, { local: 0, session: 0, cookie: '', idb: 0 });

	const histLen = await page.evaluate(() => history.length);
	await page.click('#leave');
	await page.waitForURL('about:blank', { timeout: 5000 });
	assert.equal(page.url(), 'about:blank');
	const html = await page.content();
	assert.ok(!html.includes('LEAVE-CANARY'));
	assert.ok(!html.includes('Meldpunt'));
	// The history entry was replaced, not added to: Back does not
	// return to the form.
	assert.equal(await page.evaluate(() => history.length), histLen);
	await page.goBack().catch(() => null);
	assert.ok(!page.url().startsWith(stack.publicUrl),
	    `Back returned to ${page.url()}`);
	assert.ok(!(await page.content()).includes('LEAVE-CANARY'));
	const cookies = await browser.cookies();
	assert.deepEqual(cookies, []);
	await page.close();

	// A new visit starts empty: nothing was kept anywhere.
	const again = await openPage();
	await again.waitForSelector('#report:not([hidden])');
	assert.equal(await again.inputValue('#narrative'), '');
	assert.deepEqual(await storageState(again),
	    { local: 0, session: 0, cookie: '', idb: 0 });
	await again.close();
});

test('no console errors, CSP violations or other origins', () => {
	assert.deepEqual(problems, []);
});
