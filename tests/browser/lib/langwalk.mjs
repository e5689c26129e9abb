// Issue 17 items 4 and 7 (and issue 13's "reporter's language shown") in
// a real headless Chromium against a real public and staff meldpuntd on
// one database.  For each of nl, en, tr, ar, ti and zh a reporter opens
// the page with ?lang=, walks every category, the questions, the date
// chooser, the review and the receipt, follows the link to the check page
// (which must open in the same language), logs in with the receipt typed
// in the digits of their script (Eastern Arabic for ar, full-width for
// zh) and reads the inbox with dates in the page's locale.  On every step
// each visible text is compared with the English texts of the form and
// the page: an English text that the language does not itself use is an
// untranslated key or an English fallback, and fails the test, as does an
// i18n key shown as text.  A screenshot of the form and of the inbox per
// language goes to build/artifacts/.  The operator's trust content comes
// from a trust_file and must appear in each language.  Then a handler
// reads each case: the staff API gives the reporter's language (sealed by
// the page inside the envelope), and a dump of the whole database holds
// it nowhere in clear.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { Stack, artifactsDir, launchBrowser, totp } from './stack.mjs';
import { TEXTS, langName } from '../../../web/js/i18n.js';

const STEP = 30000;

// The operator's trust content, a different text in every language.
const L6 = (nl, en, tr, ar, ti, zh) => ({ nl, en, tr, ar, ti, zh });
const TRUST = {
	organisation: L6('Meldpunt Gelijke Behandeling Testregio',
	    'Equal Treatment Hotline Test Region',
	    'Eşit Muamele Bildirim Hattı Test Bölgesi',
	    'خط الإبلاغ عن المساواة في المعاملة – منطقة الاختبار',
	    'መቕረቢ ጸብጻብ ማዕርነት ኣተሓሕዛ – ዞባ ፈተነ',
	    '平等待遇报告热线（测试地区）'),
	privacy: L6('Wij bewaren alleen wat de wet vraagt.',
	    'We keep only what the law asks.',
	    'Yalnızca yasanın istediğini saklarız.',
	    'لا نحتفظ إلا بما يطلبه القانون.',
	    'ሕጊ ዝሓቶ ጥራይ ኢና ንዕቅብ።',
	    '我们只保存法律要求的内容。'),
	contacts: [{
		name: L6('Veilig Thuis Testregio', 'Veilig Thuis Test Region',
		    'Veilig Thuis Test Bölgesi', 'Veilig Thuis – منطقة الاختبار',
		    'Veilig Thuis – ዞባ ፈተነ', 'Veilig Thuis（测试地区）'),
		phone: '0800-2000',
		url: 'https://veiligthuis.nl',
		hours: L6('dag en nacht', 'day and night', 'gece gündüz',
		    'ليلاً ونهاراً', 'ለይትን መዓልትን', '全天 24 小时'),
	}],
};

// One stack and browser per test file (node runs each file in a process).
let stack, browser;
const problems = [];

// GET or POST over TLS with node's client (self-signed loopback cert).
async function call(base, method, p, { body, token } = {}) {
	const { request } = await import('node:https');
	return new Promise((resolve, reject) => {
		const data = body === undefined ? null : JSON.stringify(body);
		const req = request(base + p, {
			method, rejectUnauthorized: false, timeout: STEP,
			headers: {
				...(data ? { 'Content-Type': 'application/json',
				    'Content-Length': Buffer.byteLength(data) } : {}),
				...(token ? { Authorization: `Bearer ${token}` } : {}),
			},
		}, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (c) => { text += c; });
			res.on('end', () => {
				let json = null;
				try {
					json = JSON.parse(text);
				} catch {
					/* left null: the assertion shows text */
				}
				resolve({ status: res.statusCode, json, text });
			});
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', reject);
		if (data)
			req.write(data);
		req.end();
	});
}

// Every text a reporter reads in a /v1/forms document.
function formTexts(doc, out = new Set()) {
	if (Array.isArray(doc)) {
		for (const v of doc)
			formTexts(v, out);
	} else if (doc && typeof doc === 'object') {
		for (const [k, v] of Object.entries(doc)) {
			if (typeof v === 'string' && ['label', 'help', 'intro',
			    'emergency', 'organisation', 'privacy', 'name',
			    'hours', 'note', 'notice'].includes(k))
				out.add(v.trim());
			else
				formTexts(v, out);
		}
	}
	return out;
}

async function forms(l) {
	const r = await call(stack.publicUrl, 'GET', `/v1/forms?lang=${l}`);
	assert.equal(r.status, 200, r.text);
	return r.json;
}

// English texts that language l does not use itself: seeing one on the
// page in l is an untranslated text.
async function englishOnly(l) {
	const en = formTexts(await forms('en'));
	for (const v of Object.values(TEXTS.en))
		en.add(v.trim());
	const own = formTexts(await forms(l));
	for (const v of Object.values(TEXTS[l]))
		own.add(v.trim());
	return new Set([...en].filter((s) => !own.has(s) && s.length >= 3));
}

// The texts a reporter sees: visible text nodes, option labels, titles.
function visibleTexts(page) {
	return page.evaluate(() => {
		const out = [];
		const walk = (n) => {
			for (const c of n.childNodes) {
				if (c.nodeType === Node.TEXT_NODE) {
					const s = c.textContent.trim();
					if (s && c.parentElement.checkVisibility())
						out.push(s);
				} else if (c.nodeType === Node.ELEMENT_NODE &&
				    c.checkVisibility()) {
					if (c.tagName === 'SELECT')
						out.push(...[...c.options].map((o) =>
						    o.textContent.trim()));
					else
						walk(c);
				}
			}
		};
		walk(document.body);
		for (const e of document.querySelectorAll('[title]'))
			if (e.checkVisibility())
				out.push(e.title.trim());
		return out.filter((s) => s !== '');
	});
}

function inScript(receipt, zero) {
	return receipt.replace(/[0-9]/g, (d) => String.fromCodePoint(zero +
	    Number(d)));
}

// expect401: the page is meant to get a 401 (a receipt that opens
// nothing), which Chromium logs as a console error.
async function openPage(p, { expect401 = false } = {}) {
	const page = await browser.newPage();
	page.setDefaultTimeout(STEP);
	page.on('console', (m) => {
		if (m.type() === 'error' && !(expect401 &&
		    /status of 401/.test(m.text())))
			problems.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	await page.goto(stack.publicUrl + p);
	return page;
}

async function shot(page, name) {
	const h = await page.evaluate(() => document.documentElement.scrollHeight);
	await page.setViewportSize({ width: 1000, height: Math.min(h, 4000) });
	await page.evaluate(() => scrollTo(0, 0));
	await page.screenshot({ path: path.join(artifactsDir(), name) });
}

const MONTH = {
	nl: /(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)/,
	en: /(January|February|March|April|May|June|July|August|September|October|November|December)/,
	tr: /(Ocak|Şubat|Mart|Nisan|Mayıs|Haziran|Temmuz|Ağustos|Eylül|Ekim|Kasım|Aralık)/,
	ar: /[\u0600-\u06ff]/,
	ti: /[\u1200-\u137f]/,
	zh: /年/,
};
// A text that is an i18n key: a key some language lacks entirely.
const KEYS = new Set(Object.keys(TEXTS.en));
const SCRIPT = { ar: /[\u0600-\u06ff]/, ti: /[\u1200-\u137f]/,
    zh: /[\u4e00-\u9fff]/ };

// One reporter's whole way in language l; returns what went wrong.
async function walk(l) {
	const bad = [];
	const foreign = l === 'en' ? new Set() : await englishOnly(l);
	const page = await openPage(`/?lang=${l}`);
	const check = async (where) => {
		for (const s of await visibleTexts(page)) {
			if (foreign.has(s))
				bad.push(`${l} ${where}: English "${s}"`);
			if (KEYS.has(s))
				bad.push(`${l} ${where}: key "${s}" shown`);
		}
	};
	await page.waitForSelector('#report:not([hidden])');
	assert.equal(await page.getAttribute('html', 'lang'), l);
	assert.equal(await page.inputValue('#lang'), l);
	if (SCRIPT[l])
		assert.match(await page.textContent('h1'), SCRIPT[l]);
	// The operator's trust content, in this language.
	await page.waitForFunction((o) => document.querySelector('.brand')
	    ?.textContent === o, TRUST.organisation[l]);
	assert.ok((await page.textContent('#trust-contacts'))
	    .includes(TRUST.contacts[0].name[l]), `${l} contact name`);
	assert.ok((await page.textContent('#trust-contacts'))
	    .includes(TRUST.contacts[0].hours[l]), `${l} contact hours`);
	assert.equal(await page.textContent('#trust-privacy'),
	    TRUST.privacy[l]);
	await page.click('#trust-privacy-box summary');
	await check('start');

	for (const cat of ['labour_discrimination', 'foreign_interference',
	    'honour_violence']) {
		await page.check(`#categories input[value="${cat}"]`);
		await page.waitForSelector('#narrative-section:not([hidden])');
		await check(cat);
	}
	await page.selectOption('#q-subtype', 'forced_marriage');
	await page.check('#q-immediate_danger-yes');
	assert.equal(await page.isVisible('#danger'), true);
	await check('danger');
	await page.check('#q-immediate_danger-no');

	// The date chooser: no native date input, months in the language,
	// fields in its order.
	assert.equal(await page.$('input[type="date"]'), null);
	const months = await page.$$eval('#q-travel_date-month option',
	    (os) => os.map((o) => o.textContent));
	assert.equal(months.length, 13);
	assert.match(months[3], l === 'zh' ? /月/ : MONTH[l],
	    `${l} months: ${months}`);
	const order = await page.$$eval('#q-travel_date select',
	    (ss) => ss.map((s) => s.id.replace(/^q-travel_date-/, '')));
	if (l === 'zh')
		assert.deepEqual(order, ['year', 'month', 'day']);
	else
		assert.equal(order[2], 'year', `${l} date order ${order}`);
	const year = new Date().getUTCFullYear() + 1;
	await page.selectOption('#q-travel_date-day', '15');
	await page.selectOption('#q-travel_date-month', '3');
	await page.selectOption('#q-travel_date-year', String(year));
	await page.selectOption('#q-province', 'utrecht');
	await page.fill('#narrative', `Walk in ${l}: ${langName(l)}.`);
	await check('filled');
	await shot(page, `lang-form-${l}.png`);

	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
	await check('review');
	const clear = await page.textContent('#review-clear');
	assert.ok(!clear.includes(`${year}-03-15`), `${l}: ISO date shown`);
	assert.match(clear, MONTH[l], `${l}: review date ${clear}`);
	assert.ok((await page.textContent('#review-encrypted'))
	    .includes(langName(l)), `${l}: the language is listed as sealed`);
	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	await check('done');
	const receipt = (await page.textContent('#receipt')).trim();
	assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
	assert.match(await page.textContent('#deadlines'), MONTH[l]);

	// The check page opens in the same language: the link carries it.
	await page.click('#done a[href^="/check.html"]');
	await page.waitForSelector('#login');
	// The static HTML says lang="nl" until check.js has run: wait for
	// the script (it fills the language list right after choosing).
	await page.waitForSelector('#lang option', { state: 'attached' });
	assert.equal(await page.getAttribute('html', 'lang'), l,
	    `${l}: the language is kept across pages`);
	assert.equal(await page.inputValue('#lang'), l);
	assert.equal(new URL(page.url()).search, l === 'en' ? '' :
	    `?lang=${l}`, 'only the language in the address');
	await page.waitForFunction((o) => document.querySelector('.brand')
	    ?.textContent === o, TRUST.organisation[l]);
	await check('check');
	// The receipt in the digits of the reporter's script.
	const typed = l === 'ar' ? inScript(receipt, 0x660) :
	    l === 'zh' ? inScript(receipt, 0xff10) : receipt;
	await page.fill('#receipt-input', typed);
	await page.click('#open');
	await page.waitForSelector('#case:not([hidden])');
	await check('inbox');
	const dl = await page.textContent('#case-deadlines');
	assert.doesNotMatch(dl, /\b\d{1,2}\/\d{1,2}\/\d{4}\b/, `${l}: ${dl}`);
	assert.match(dl, MONTH[l], `${l}: inbox dates ${dl}`);
	await shot(page, `lang-inbox-${l}.png`);
	// The link back to the report page keeps the language too.
	await page.click('footer a[href^="/"]');
	await page.waitForSelector('#report:not([hidden])');
	assert.equal(await page.getAttribute('html', 'lang'), l);
	await page.close();
	return bad;
}

// The tests for the languages LANGS, on a stack of their own (split over
// two files so that each stays within node's per-file time bound).
export function langTests(LANGS) {
	before(async () => {
		const file = path.join(process.env.MELDPUNT_TEST_TMP ?? '/tmp',
		    `trust-${process.pid}.json`);
		writeFileSync(file, JSON.stringify(TRUST));
		stack = await new Stack({ staff: true,
		    publicConf: [`trust_file = ${file}`] }).start();
		({ context: browser } = await launchBrowser(chromium));
	});

	after(async () => {
		await browser?.close();
		if (stack?.staffPort) {
			const codes = await stack.stop();
			assert.deepEqual(codes, [0, 0], 'both daemons exit 0 on SIGTERM');
		} else {
			await stack?.stop();
		}
	});

	for (const l of LANGS) {
		test(`${l}: the whole way, no text left in English`, {
			timeout: 240000 }, async () => {
			assert.deepEqual(await walk(l), []);
		});
	}

	// With the Arabic walk only.
	if (LANGS.includes('ar'))
	test('the page accepts Eastern Arabic digits itself (no server help)', {
		timeout: 60000 }, async () => {
		// A typo in Eastern Arabic digits is caught by the page's check
		// digit before any request; a valid one is sent as ASCII digits.
		const page = await openPage('/check.html?lang=ar',
		    { expect401: true });
		const sent = [];
		page.on('request', (r) => {
			if (new URL(r.url()).pathname === '/v1/reporter/session')
				sent.push(r.postData() ?? '');
		});
		await page.waitForSelector('#login');
		await page.fill('#receipt-input', '٤٨٢١ ٧٧٣٠ ١١٩٥ ٠٠٦٣');
		await page.click('#open');
		await page.waitForSelector('#login-error:not([hidden])');
		assert.equal(sent.length, 0, 'a wrong check digit never leaves');
		await page.fill('#receipt-input', '٤٨٢١ ٧٧٣٠ ١١٩٥ ٠٠٦٢');
		await page.click('#open');
		await page.waitForFunction(() => !document.querySelector('#open')
		    .disabled);
		assert.equal(sent.length, 1);
		assert.equal(JSON.parse(sent[0]).receipt, '4821773011950062');
		await page.close();
	});

	test('the handler sees each reporter\'s language; the database does not', {
		timeout: 120000 }, async () => {
		const h = stack.addHandler('lang_handler', ['honour',
		    'honour_urgent']);
		const s = await call(stack.staffUrl, 'POST', '/v1/staff/session', {
		    body: { username: h.username, password: h.password,
		    totp: totp(h.secret) } });
		assert.equal(s.status, 201, s.text);
		const token = s.json.token;
		const seen = [];
		for (const q of ['honour', 'honour_urgent']) {
			const list = await call(stack.staffUrl, 'GET',
			    `/v1/staff/cases?queue=${q}`, { token });
			assert.equal(list.status, 200, list.text);
			for (const c of list.json.cases) {
				const r = await call(stack.staffUrl, 'GET',
				    `/v1/staff/case?id=${encodeURIComponent(c.id)}`,
				    { token });
				assert.equal(r.status, 200, r.text);
				assert.equal(r.json.lang, r.json.content.lang);
				assert.ok(r.json.content.narrative.includes(
				    langName(r.json.lang)), 'the language is the one the ' +
				    `reporter wrote in: ${r.text}`);
				seen.push(r.json.lang);
			}
		}
		assert.deepEqual(seen.sort(), [...LANGS].sort());

		// Nowhere in clear: no column for it, and a dump of every row holds
		// neither the sealed member nor the language names.
		assert.equal(stack.query("SELECT count(*) FROM information_schema." +
		    "columns WHERE column_name ILIKE '%lang%' AND table_schema NOT " +
		    "IN ('pg_catalog', 'information_schema')"), '0');
		const dump = spawnSync('pg_dump', ['--data-only', '-d', stack.db],
		    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
		assert.equal(dump.status, 0, dump.stderr);
		assert.ok(dump.stdout.length > 10000, 'the dump has the cases');
		for (const needle of ['"lang"', 'Walk in', langName('ti'),
		    langName('zh'), langName('ar')])
			assert.ok(!dump.stdout.includes(needle), `${needle} in the dump`);
	});

	test('no console errors or page errors', () => {
		assert.deepEqual(problems, []);
	});
}
