// Issue 17 item 3 acceptance: attachments sealed in the page.  A reporter
// in a real headless Chromium fills in a report and attaches a PDF and a
// JPEG photo carrying Exif data; the page seals both under the report's
// DEK (web/js/attach.js, docs/crypto.md §14), submits the report, and
// uploads the files in chunks under a session opened with the new
// receipt.  Nothing of the files -- bytes, names, Exif -- goes over the
// wire in clear.  A handler (real `meldctl user add`) then lists the
// case's attachments through the staff API (the staff process opens them
// with the DEK) and fetches every part: the PDF is byte-identical to the
// original, the JPEG is the original without its APP1 (Exif) segment.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

import { openPage, signIn } from './lib/console.mjs';
import { Stack, launchBrowser, totp } from './lib/stack.mjs';
import { staffRequest } from './lib/staffapi.mjs';

const STEP = 30000;

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
		assert.deepEqual(codes, [0, 0], 'both daemons exit 0');
});

// The staff API; body as a Buffer (the parts are binary).
function staff(method, p, opts = {}) {
	return staffRequest(stack.staffUrl, method, p, { ...opts,
	    timeout: STEP });
}

// A small JPEG-shaped file: SOI, APP0 (JFIF), APP1 (Exif with a canary
// where a camera would write its GPS position), a quantisation table, SOS
// and "image data", EOI.  Returns the file and what it must become.
function jpegWithExif(canary) {
	const seg = (marker, payload) => {
		const len = Buffer.alloc(2);
		len.writeUInt16BE(payload.length + 2);
		return Buffer.concat([Buffer.from([0xff, marker]), len, payload]);
	};
	const soi = Buffer.from([0xff, 0xd8]);
	const app0 = seg(0xe0, Buffer.from('JFIF\0\x01\x02\0\0\x01\0\x01\0\0',
	    'binary'));
	const app1 = seg(0xe1, Buffer.concat([Buffer.from('Exif\0\0'),
	    Buffer.from(`GPS 52.0907N 5.1214E ${canary}`)]));
	const dqt = seg(0xdb, randomBytes(65));
	const sos = seg(0xda, Buffer.from([1, 1, 0, 0, 63, 0]));
	const data = randomBytes(300 * 1024).map((b) => (b === 0xff ? 0 : b));
	const eoi = Buffer.from([0xff, 0xd9]);
	return {
		file: Buffer.concat([soi, app0, app1, dqt, sos, data, eoi]),
		stripped: Buffer.concat([soi, app0, dqt, sos, data, eoi]),
	};
}

test('a report with attachments sealed in the page; the handler opens ' +
    'them byte-identical', { timeout: 180000 }, async () => {
	const canary = `CANARY-${Date.now()}-exif`;
	const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n% afwijzing\n'),
	    randomBytes(600 * 1024)]);
	const jpeg = jpegWithExif(canary);

	const page = await browser.newPage();
	page.setDefaultTimeout(STEP);
	page.on('console', (m) => {
		if (m.type() === 'error')
			problems.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	// Everything the page sends, to look for clear bytes.
	const wire = [];
	page.on('request', (r) => {
		const b = r.postDataBuffer();
		if (b)
			wire.push({ path: new URL(r.url()).pathname, body: b });
	});
	await page.goto(stack.publicUrl + '/');
	await page.waitForSelector('#report:not([hidden])');
	await page.selectOption('#lang', 'en');
	await page.check('#categories input[value="labour_discrimination"]');
	await page.selectOption('#q-subtype', 'recruitment');
	await page.selectOption('#q-ground', 'religion');
	await page.fill('#narrative', 'Rejected; the letter is attached.');
	await page.waitForSelector('#attach-section:not([hidden])');
	assert.match(await page.textContent('#attach-help'), /5 files/);
	await page.setInputFiles('#attach-input', [
		{ name: 'afwijzing-bakkerij.pdf', mimeType: 'application/pdf',
		    buffer: pdf },
		{ name: 'brief-foto.jpg', mimeType: 'image/jpeg',
		    buffer: jpeg.file },
	]);
	assert.equal(await page.locator('#attach-list li').count(), 2);
	await page.check('#attach-names');
	await page.click('#to-review');
	await page.waitForSelector('#review:not([hidden])');
	assert.ok((await page.textContent('#review-encrypted'))
	    .includes('brief-foto.jpg'), 'the files are listed as encrypted');
	await page.click('#send');
	await page.waitForSelector('#done:not([hidden])');
	await page.waitForFunction(() => /\(2\)/.test(
	    document.getElementById('done-attach')?.textContent ?? ''),
	    null, { timeout: 90000 });
	assert.deepEqual(problems, []);

	// On the wire: chunks of exactly 256 KiB + 16, nothing in clear.
	const chunks = wire.filter((w) => w.path ===
	    '/v1/reporter/attachments/chunk');
	assert.equal(chunks.length, 4 + 2, 'PDF 4 chunks (1 MiB bucket), ' +
	    'JPEG 2 chunks');
	for (const c of chunks)
		assert.equal(c.body.length, 262144 + 16);
	for (const w of wire)
		for (const needle of [canary, 'brief-foto', 'afwijzing-bakkerij',
		    'image/jpeg', pdf.subarray(100, 132), jpeg.stripped
		    .subarray(2000, 2032)])
			assert.ok(!w.body.includes(needle),
			    `clear bytes sent to ${w.path}`);

	// The handler opens them through the staff API.
	const h = stack.addHandler('attach_handler', 'labour');
	h.lastCode = totp(h.secret);
	const login = await staff('POST', '/v1/staff/session', { body: {
	    username: h.username, password: h.password, totp: h.lastCode } });
	assert.equal(login.status, 201, login.text);
	const token = login.json.token;
	const list = await staff('GET', '/v1/staff/cases?queue=labour',
	    { token });
	assert.equal(list.status, 200, list.text);
	const id = list.json.cases[0].id;
	const att = await staff('GET', '/v1/staff/case/attachments?id=' +
	    encodeURIComponent(id), { token });
	assert.equal(att.status, 200, att.text);
	const files = att.json.attachments;
	assert.deepEqual(files.map((a) => [a.n, a.name, a.type, a.size]), [
		[1, 'afwijzing-bakkerij.pdf', 'application/pdf', pdf.length],
		[2, 'brief-foto.jpg', 'image/jpeg', jpeg.stripped.length],
	]);
	const fetchFile = async (a) => {
		const parts = [];
		for (let p = 0; p < a.parts; p++) {
			const r = await staff('GET', '/v1/staff/case/attachment?id=' +
			    `${encodeURIComponent(id)}&n=${a.n}&part=${p}`, { token });
			assert.equal(r.status, 200, r.text);
			parts.push(r.buf);
		}
		return Buffer.concat(parts);
	};
	assert.ok((await fetchFile(files[0])).equals(pdf),
	    'the PDF is byte-identical');
	const photo = await fetchFile(files[1]);
	assert.ok(photo.equals(jpeg.stripped),
	    'the JPEG is the original without its Exif segment');
	assert.ok(!photo.includes(canary));
	await page.close();

	// And in the console: the case view lists the files; "Open" fetches
	// the parts and offers the joined bytes as a download.
	const con = await openPage(browser, stack.staffUrl, '/', problems);
	await signIn(con, h);
	await con.click('article[data-queue="labour"] button');
	await con.click('#case-table button[data-case]');
	await con.waitForSelector('#v-case:not([hidden]) button.att-open');
	assert.match(await con.textContent('#case-body'),
	    /afwijzing-bakkerij\.pdf/);
	await con.click('button.att-open >> nth=0');
	const link = await con.waitForSelector('a.att-save');
	assert.equal(await link.getAttribute('download'),
	    'afwijzing-bakkerij.pdf');
	const [dl] = await Promise.all([con.waitForEvent('download'),
	    link.click()]);
	assert.equal(dl.suggestedFilename(), 'afwijzing-bakkerij.pdf');
	const saved = readFileSync(await dl.path());
	assert.ok(saved.equals(pdf),
	    'the console hands out the PDF byte-identical');
	assert.deepEqual(problems, []);
	await con.close();
});
