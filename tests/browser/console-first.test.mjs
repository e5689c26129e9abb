// First sign-in (issue 15; issue 13 "first sign-in forces a password change
// and TOTP enrolment with a QR code"), in headless Chromium against real
// daemons and PostgreSQL.
//
// 1. The console's QR encoder (console/js/qr.js: one 8-bit segment, ECC
//    level M) draws module for module the symbol libqrencode makes for the
//    same text: the `qrencode -8 -l M` command for texts that fill every
//    version from 1 to 15 to the last byte, and `meldctl user add --qr`
//    for the otpauth:// URIs of user names of 1, 30 and 64 characters; a
//    text one byte too long for version 15 is refused.
// 2. A handler made by `meldctl user add` signs in: the console shows the
//    password change; until it is done every other staff endpoint answers
//    403 password_change_required and, in the database, row-level security
//    shows her session no case.  After it the console shows the enrolment:
//    the QR code on the canvas is the symbol of the otpauth:// URI the
//    staff process gave (its secret also printed as text), no request
//    carries the secret or the URI anywhere, other endpoints answer 403
//    totp_enrolment_required, a wrong code is refused; the right one
//    enrols it (audited totp.enrol), and the queues appear.  The case is
//    visible to the session now, enrolment is no longer possible, and the
//    next sign-in takes the new password with a code of the new secret;
//    the administrator's secret no longer works.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { Stack, launchBrowser, totp } from './lib/stack.mjs';
import { openPage, report, shot } from './lib/console.mjs';

const { qrEncode } = await import(path.join(process.env.MELDPUNT_TOP,
    'console', 'js', 'qr.js'));

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

const rows = (m) => m.map((r) => r.join('')).join('\n');

// libqrencode through its command: one 8-bit segment, level M, no margin;
// ASCII art has "##" for a dark module.
function qrencode(text) {
	const r = spawnSync('qrencode', ['-8', '-l', 'M', '-m', '0', '-t',
	    'ASCII', '-o', '-', text], { encoding: 'utf8' });
	assert.equal(r.status, 0, `qrencode: ${r.stderr}`);
	return r.stdout.split('\n').filter((l) => l.length > 0).map((l) =>
	    l.match(/../g).map((c) => (c === '##' ? 1 : 0)).join('')).join('\n');
}

// meldctl's terminal drawing (admin/qr.c) back into modules: each cell is
// two module rows, with a quiet zone of two modules all round.
function terminalModules(out) {
	const lines = out.slice(out.indexOf('\n', out.indexOf('otpauth: ')) + 1,
	    out.indexOf('(shown once')).split('\n').filter((l) => l.length);
	const cell = { '\u2588': [0, 0], '\u2584': [1, 0], '\u2580': [0, 1],
		' ': [1, 1] };
	const grid = [];
	for (const l of lines) {
		const cs = [...l].map((c) => cell[c]);
		assert.ok(cs.every(Boolean), `unexpected cell in ${l}`);
		grid.push(cs.map((c) => c[0]), cs.map((c) => c[1]));
	}
	const n = grid[0].length - 4;
	return grid.slice(2, 2 + n).map((r) => r.slice(2, 2 + n).join('')).join('\n');
}

test('the console\'s QR codes are libqrencode\'s, versions 1 to 15', () => {
	// The byte capacity of each version at level M.
	const caps = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331,
		362, 412];
	const fill = [
		(n) => 'otpauth://totp/meldpunt:x?secret=JBSWY3DPEHPK3PXP'.repeat(9).slice(0, n),
		(n) => Array.from({ length: n }, (_, i) => String.fromCharCode(33 + (i * 7) % 94)).join(''),
		(n) => '0123456789'.repeat(50).slice(0, n),
	];
	const seen = new Set();
	for (const [i, cap] of caps.entries())
		for (const f of fill)
			for (const n of [cap, cap - 5]) {
				const text = f(n);
				const q = qrEncode(text);
				if (n === cap)
					assert.equal(q.version, i + 1, `${n} bytes`);
				assert.equal(rows(q.modules), qrencode(text),
				    `${n} bytes: ${text}`);
				seen.add(q.version);
			}
	assert.equal(seen.size, 15);
	// Two-byte characters count as two bytes.
	const utf = 'é'.repeat(30) + 'x';
	assert.equal(qrEncode(utf).version, 4);
	assert.equal(rows(qrEncode(utf).modules), qrencode(utf));
	assert.throws(() => qrEncode('x'.repeat(413)), RangeError);

	// meldctl draws the same symbol for the enrolment URI it prints.
	for (const name of ['a', 'n'.repeat(30), 'l'.repeat(64)]) {
		const u = stack.addUser(name, 'handler', { qr: true });
		const uri = /^otpauth: (\S+)$/m.exec(u.out)[1];
		assert.equal(rows(qrEncode(uri).modules), terminalModules(u.out),
		    `user ${name}`);
	}
});

// A code of a time step after `after` (the server refuses a used step).
async function codeAfter(secret, afterStep) {
	while (Math.floor(Date.now() / 30000) <= afterStep)
		await new Promise((r) => setTimeout(r, 500));
	return { code: totp(secret), step: Math.floor(Date.now() / 30000) };
}

// An API call from the page with the given token: [status, body].
function call(page, token, method, p, body) {
	return page.evaluate(async ([t, m, u, b]) => {
		const res = await fetch(u, { method: m, headers: {
			Authorization: `Bearer ${t}`,
			...(b ? { 'Content-Type': 'application/json' } : {}) },
		    body: b ? JSON.stringify(b) : undefined });
		let doc = null;
		try {
			doc = await res.json();
		} catch {
			doc = null;
		}
		return [res.status, doc];
	}, [token, method, p, body ?? null]);
}

// Cases the session's row-level security shows it, as mp_staff.
function visibleCases(token) {
	const hash = createHash('sha256').update(Buffer.from(token, 'hex'))
	    .digest('hex');
	const out = stack.query(`SET ROLE mp_staff; SELECT pg_catalog.set_config(` +
	    `'meldpunt.session', '${hash}', false); ` +
	    'SELECT count(*) FROM casework.cases');
	return Number(out.split('\n').pop());
}

test('first sign-in: new password, then a new TOTP secret from a QR code',
    { timeout: 240000 }, async () => {
	const rep = await openPage(browser, stack.publicUrl, '/', problems);
	await report(rep, { category: 'labour_discrimination',
	    subtype: 'recruitment', answers: { ground: 'religion' },
	    narrative: 'Afgewezen na het gesprek.' });
	await rep.close();
	const h = stack.addHandler('first_handler', 'labour', { forced: true });

	const con = await openPage(browser, stack.staffUrl, '/', problems);
	await con.selectOption('#lang', 'en');
	const sent = [];
	con.on('request', (r) => sent.push(`${r.url()} ${r.postData() ?? ''}`));
	await con.waitForSelector('#v-signin:not([hidden])');
	await con.fill('#si-user', h.username);
	await con.fill('#si-pass', h.password);
	let c = await codeAfter(h.secret, 0);
	await con.fill('#si-totp', c.code);
	const login = con.waitForResponse((r) =>
	    r.url().endsWith('/v1/staff/session') &&
	    r.request().method() === 'POST');
	await con.click('#si-go');
	const first = await (await login).json();
	assert.equal(first.password_change_required, true);
	assert.equal(first.totp_enrolment_required, true);
	const token = first.token;
	await con.waitForSelector('#v-password:not([hidden])');
	assert.equal(await con.isVisible('#nav'), false);
	await shot(con, '20-first-password');

	// Nothing else answers; the database shows the session no case.
	for (const p of ['/v1/staff/queues', '/v1/staff/me',
	    '/v1/staff/cases?queue=labour', '/v1/staff/overdue']) {
		const [st, doc] = await call(con, token, 'GET', p);
		assert.equal(st, 403, p);
		assert.equal(doc.error.code, 'password_change_required', p);
	}
	assert.equal(visibleCases(token), 0);

	const newPassword = 'a long passphrase of my own';
	await con.fill('#pw-old', h.password);
	await con.fill('#pw-new', newPassword);
	c = await codeAfter(h.secret, c.step);
	await con.fill('#pw-totp', c.code);
	const enrolled = con.waitForResponse((r) =>
	    r.url().endsWith('/v1/staff/totp/enrol'));
	await con.click('#pwform button[type="submit"]');
	const doc = await (await enrolled).json();
	await con.waitForSelector('#v-totp:not([hidden])');
	await con.waitForFunction(() =>
	    document.getElementById('totp-secret').textContent.length > 0);
	assert.match(doc.secret, /^[A-Z2-7]{32}$/);
	assert.equal(doc.otpauth, `otpauth://totp/meldpunt:${h.username}?secret=` +
	    `${doc.secret}&issuer=meldpunt&algorithm=SHA1&digits=6&period=30`);
	assert.equal((await con.textContent('#totp-secret')).replace(/ /g, ''),
	    doc.secret);
	await shot(con, '21-first-totp');
	const [st1, d1] = await call(con, token, 'GET', '/v1/staff/queues');
	assert.equal(st1, 403);
	assert.equal(d1.error.code, 'totp_enrolment_required');
	assert.equal(visibleCases(token), 0);

	// The canvas shows the URI's symbol: the middle pixel of every module.
	const drawn = await con.evaluate(() => {
		const cv = document.getElementById('totp-qr');
		const g = cv.getContext('2d');
		const scale = 5, quiet = 4;
		const n = cv.width / scale - 2 * quiet;
		const px = g.getImageData(0, 0, cv.width, cv.height).data;
		const m = [];
		for (let y = 0; y < n; y++) {
			const row = [];
			for (let x = 0; x < n; x++) {
				const i = (((y + quiet) * scale + 2) * cv.width +
				    (x + quiet) * scale + 2) * 4;
				row.push(px[i] < 128 ? 1 : 0);
			}
			m.push(row);
		}
		return m;
	});
	assert.equal(rows(drawn), rows(qrEncode(doc.otpauth).modules));
	assert.equal(await con.getAttribute('#totp-qr', 'role'), 'img');
	assert.match(await con.getAttribute('#totp-qr', 'aria-label'), /QR/);

	// A wrong code is refused and says so; the right one enrols.
	const right = totp(doc.secret);
	await con.fill('#totp-code', String((Number(right) + 1) % 1000000)
	    .padStart(6, '0'));
	await con.click('#totpform button[type="submit"]');
	await con.waitForSelector('#totp-error:not([hidden])');
	assert.match(await con.textContent('#totp-error'), /code/i);
	await con.fill('#totp-code', totp(doc.secret));
	await con.click('#totpform button[type="submit"]');
	await con.waitForSelector('#v-queues:not([hidden])');
	const confirmStep = Math.floor(Date.now() / 30000);
	assert.equal(await con.isVisible('#nav'), true);
	assert.equal(await con.textContent('#totp-secret'), '');
	const [st2] = await call(con, token, 'GET', '/v1/staff/queues');
	assert.equal(st2, 200);
	assert.equal(visibleCases(token), 1);
	const [st3, d3] = await call(con, token, 'POST', '/v1/staff/totp/enrol', {});
	assert.equal(st3, 409);
	assert.equal(d3.error.code, 'enrolment_not_due');
	assert.equal(stack.query("SELECT count(*) FROM audit.events WHERE " +
	    "action = 'totp.enrol'"), '1');

	// The secret and its URI went nowhere: no request carried them.
	for (const s of sent) {
		assert.ok(!s.includes(doc.secret), `request carried the secret: ${s}`);
		assert.ok(!s.includes('otpauth'), `request carried the URI: ${s}`);
	}

	// The administrator's secret is dead; the new password and secret work.
	await con.click('#signout');
	await con.waitForSelector('#v-signin:not([hidden])');
	await con.fill('#si-user', h.username);
	await con.fill('#si-pass', newPassword);
	// A step after every one used so far: only the secret is wrong.
	c = await codeAfter(h.secret, confirmStep);
	await con.fill('#si-totp', c.code);
	await con.click('#si-go');
	await con.waitForSelector('#si-error:not([hidden])');
	// Past the one-failure backoff (2 s); that step was not used.
	await new Promise((r) => setTimeout(r, 2500));
	const n = await codeAfter(doc.secret, c.step - 1);
	await con.fill('#si-user', h.username);
	await con.fill('#si-pass', newPassword);
	await con.fill('#si-totp', n.code);
	await con.click('#si-go');
	await con.waitForSelector('#v-queues:not([hidden])');
	// (Chromium logs the expected 400, 401, 403 and 409 answers as
	// console errors.)
	for (let i = problems.length - 1; i >= 0; i--)
		if (/status of 40[0139]/.test(problems[i]))
			problems.splice(i, 1);
	await con.close();
});

test('no console or page errors, no CSP violation, no foreign request', () => {
	assert.deepEqual(problems, []);
});
