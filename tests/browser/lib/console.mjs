// Helpers the console's browser tests share: a page on the staff
// process's console or the public reporter page with error and
// cross-origin request recording, sign-in through the console's form
// with a TOTP code computed here, a report sent through the real
// reporter page, and 1280x800 screenshots into build/artifacts/console/.

import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { artifactsDir, totp } from './stack.mjs';

export const STEP = 30000;

export function shotsDir() {
	const dir = path.join(artifactsDir(), 'console');
	mkdirSync(dir, { recursive: true });
	return dir;
}

export async function shot(page, name) {
	await page.screenshot({ path: path.join(shotsDir(), `${name}.png`) });
}

// problems collects console errors, page errors, CSP violations and any
// request to another origin than the page's own.
export async function openPage(browser, base, p, problems) {
	const page = await browser.newPage();
	await page.setViewportSize({ width: 1280, height: 800 });
	page.setDefaultTimeout(STEP);
	const origin = new URL(base).origin;
	page.on('console', (m) => {
		if (m.type() === 'error')
			problems.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	page.on('request', (r) => {
		const u = new URL(r.url());
		if (u.protocol !== 'blob:' && u.protocol !== 'data:' &&
		    u.origin !== origin)
			problems.push(`request to another origin: ${r.url()}`);
	});
	// Every CSP violation the page sees, reported through a binding.
	await page.exposeFunction('__cspViolation', (d) =>
	    problems.push(`CSP violation: ${d}`));
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) =>
		    globalThis.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
	});
	await page.goto(base + p);
	return page;
}

export async function signIn(page, user) {
	await page.waitForSelector('#v-signin:not([hidden])');
	await page.fill('#si-user', user.username);
	await page.fill('#si-pass', user.password);
	// A code from a step not used before: the server refuses a reused
	// step, so a second sign-in within 30 s waits for the next one.
	let code = totp(user.secret);
	if (user.lastCode === code) {
		await new Promise((r) => setTimeout(r, 30000 - Date.now() % 30000 + 200));
		code = totp(user.secret);
	}
	user.lastCode = code;
	await page.fill('#si-totp', code);
	await page.click('#si-go');
	await page.waitForSelector('#nav:not([hidden])');
}

// A report through the real reporter page; returns the receipt.
export async function report(page, { category, subtype, answers = {},
    narrative, lang = 'en' }) {
	await page.waitForSelector('#report:not([hidden])');
	await page.selectOption('#lang', lang);
	await page.check(`#categories input[value="${category}"]`);
	if (subtype)
		await page.selectOption('#q-subtype', subtype);
	for (const [q, v] of Object.entries(answers)) {
		if (v === true)
			await page.check(`#q-${q}-yes`);
		else
			await page.selectOption(`#q-${q}`, v);
	}
	await page.fill('#narrative', narrative);
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	return (await page.textContent('#receipt')).trim();
}
