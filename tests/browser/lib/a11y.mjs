// Accessibility helpers the console's browser tests share: axe-core
// (npm, test-only) run in the page, reporting serious and critical
// violations only; a check that Tab reaches every visible, enabled
// control of the current view; Tab until a given control has focus.
// axe is evaluated in the page, so the browser context must bypass the
// page CSP (launchBrowser(chromium, { bypassCSP: true })).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = readFileSync(createRequire(import.meta.url)
    .resolve('axe-core/axe.min.js'), 'utf8');

// Serious and critical violations on the page as it is now.
export async function axe(page, name) {
	if (!(await page.evaluate(() => 'axe' in globalThis)))
		await page.evaluate(axeSource);
	const res = await page.evaluate(() => globalThis.axe.run(document,
	    { resultTypes: ['violations'] }));
	const bad = res.violations.filter((v) => v.impact === 'serious' ||
	    v.impact === 'critical').map((v) => `${name}: ${v.id} (${v.impact}): ` +
	    v.nodes.map((n) => n.target.join(' ')).join(', '));
	assert.deepEqual(bad, [], `axe on ${name}`);
}

// Every visible, enabled control of the current view, marked; then Tab
// through the page and check each was focused.
export async function allReachedByTab(page, name) {
	const n = await page.evaluate(() => {
		const sel = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
		let i = 0;
		for (const e of document.querySelectorAll(sel)) {
			if (e.disabled || e.closest('[hidden]') || e.offsetParent === null)
				continue;
			e.dataset.kbd = String(i++);
		}
		globalThis.__kbdSeen = new Set();
		document.addEventListener('focusin', (ev) => {
			if (ev.target.dataset?.kbd)
				globalThis.__kbdSeen.add(ev.target.dataset.kbd);
		});
		document.body.focus();
		return i;
	});
	for (let k = 0; k < n * 2 + 10; k++)
		await page.keyboard.press('Tab');
	const missed = await page.evaluate(() => [...document.querySelectorAll(
	    '[data-kbd]')].filter((e) => !globalThis.__kbdSeen.has(e.dataset.kbd))
	    .map((e) => e.outerHTML.slice(0, 80)));
	assert.deepEqual(missed, [], `${name}: controls Tab does not reach`);
	await page.evaluate(() => {
		for (const e of document.querySelectorAll('[data-kbd]'))
			delete e.dataset.kbd;
	});
}

// Tab until the focused element matches sel (at most 80 presses).
export async function tabTo(page, sel) {
	for (let k = 0; k < 80; k++) {
		await page.keyboard.press('Tab');
		if (await page.evaluate((s) => document.activeElement?.matches(s), sel))
			return;
	}
	assert.fail(`Tab never reached ${sel}`);
}
