// The staff console's shell: sign-in (password + TOTP; at the first
// sign-in the password change and the enrolment of a new TOTP secret,
// drawn as a QR code in the page, come first), the views and the
// navigation between them, the polling that brings new urgent cases and
// pending identity requests without a reload (with an alarm the user can
// switch off), idle sign-out with a warning, and sign-out.
//
// Nothing is kept between visits: no cookies, no web storage, nothing in
// the URL (views are switched in memory; ids never enter location).

import { ApiError, api, endOnLeave, get, hasToken, post, setOnExpired, setToken } from './api.js';
import { $, ctx, el, fmtDate, say, show, stateName, table } from './dom.js';
import { initialLanguage, setLanguage, t } from './i18n.js';
import * as cases from './cases.js';
import * as casev from './casev.js';
import * as officer from './officer.js';
import * as research from './research.js';
import { qrDraw, qrEncode } from './qr.js';

const POLL_MS = 5000;		// queue counts: one cheap read
const VIEWS = ['signin', 'password', 'totp', 'queues', 'cases', 'case',
    'officer', 'research', 'account'];

let current = 'signin';
let currentArg = null;
let pollTimer = null;
let idle = { limit: 900, warnAt: 840, last: Date.now(), timer: null };
let seen = { alerts: null, requests: null };
let pending = null;	// login answer while first sign-in steps are due

const renderers = {
	queues: renderQueues,
	cases: (a) => cases.render(a),
	case: (a) => casev.render(a),
	totp: () => enrolBegin(),
	officer: () => officer.render(),
	research: () => research.render(),
	account: () => {
		show($('acct-error'), false);
		show($('acct-done'), false);
	},
};

function go(view, arg = null) {
	current = view;
	currentArg = arg;
	for (const v of VIEWS)
		show($(`v-${v}`), v === view);
	for (const b of document.querySelectorAll('.navb')) {
		if (b.dataset.view === view || (view === 'case' &&
		    b.dataset.view === 'cases'))
			b.setAttribute('aria-current', 'page');
		else
			b.removeAttribute('aria-current');
	}
	const h = document.querySelector(`#v-${view} h1`);
	document.title = `${h?.textContent || 'Meldpunt'} — Meldpunt console`;
	const r = renderers[view];
	const done = r ? r(arg) : null;
	Promise.resolve(done).catch(failed).finally(() => {
		const h1 = document.querySelector(`#v-${view} h1`);
		if (h1) {
			h1.tabIndex = -1;
			h1.focus({ preventScroll: false });
		}
	});
}
ctx.go = go;
ctx.failed = failed;

export function failed(e) {
	if (!(e instanceof ApiError)) {
		// A bug of this page, not an answer of the server: tests see it.
		console.error(e);
		say(t('error.generic'), true);
		return;
	}
	if (e.status === 401)
		return;		/* expired(): already back at sign-in */
	if (e.status === 409 && !e.message)
		say(t('error.conflict'), true);
	else
		say(e.message || t('error.generic'), true);
}

// ------------------------------------------------------------ sign-in

async function loadForms() {
	ctx.forms = await get('/v1/staff/forms', { lang: document.documentElement.lang });
}

async function startSession(doc) {
	setToken(doc.token);
	idle.limit = doc.idle_timeout_s ?? 900;
	// Warn a minute before, or at half the time when it is short.
	idle.warnAt = Math.max(idle.limit - 60, Math.floor(idle.limit / 2));
	ctx.me = await get('/v1/staff/me');
	const kind = ctx.me.kind;
	const casework = kind === 'handler' || kind === 'officer';
	show($('nav'), true);
	for (const b of document.querySelectorAll('.navb[data-view="queues"], .navb[data-view="cases"]'))
		show(b.parentElement, casework);
	show($('nav-officer'), kind === 'officer');
	show($('nav-account'), casework);
	show($('nav-research'), kind === 'researcher');
	show($('signout'), true);
	show($('alerts-wrap'), casework);
	$('whoami').textContent = ctx.me.username;
	if (casework) {
		await loadForms();
		await poll(true);
		pollTimer = setInterval(() => poll(false).catch(() => {}), POLL_MS);
	}
	touch();
	go(casework ? 'queues' : 'research');
}

async function signin(ev) {
	ev.preventDefault();
	const user = $('si-user').value.trim();
	const pass = $('si-pass').value;
	const code = $('si-totp').value.trim();
	show($('si-error'), false);
	$('si-go').disabled = true;
	let doc;
	try {
		({ doc } = await api('POST', '/v1/staff/session', {
			username: user, password: pass, totp: code }));
	} catch (e) {
		const msg = e instanceof ApiError && e.status === 429 ?
		    t('signin.busy') : e instanceof ApiError &&
		    e.code === 'password_change_required' ?
		    e.message : t('signin.failed');
		$('si-error').textContent = msg;
		show($('si-error'), true);
		$('si-pass').value = '';
		$('si-totp').value = '';
		$('si-user').focus();
		$('si-go').disabled = false;
		return;
	}
	$('si-go').disabled = false;
	$('signin').reset();
	if (doc.password_change_required || doc.totp_enrolment_required) {
		pending = doc;
		setToken(doc.token);
		go(doc.password_change_required ? 'password' : 'totp');
		return;
	}
	try {
		await startSession(doc);
	} catch (e) {
		failed(e);
	}
}

async function changePassword(ev) {
	ev.preventDefault();
	show($('pw-error'), false);
	try {
		await post('/v1/staff/password', {
			old_password: $('pw-old').value,
			new_password: $('pw-new').value,
			totp: $('pw-totp').value.trim() });
		$('pwform').reset();
		say(t('pw.done'));
		if (pending?.totp_enrolment_required) {
			go('totp');
			return;
		}
		const doc = pending;
		pending = null;
		if (doc)
			await startSession(doc);
		else
			go('queues');
	} catch (e) {
		$('pw-error').textContent = e instanceof ApiError && e.message ?
		    e.message : t('error.generic');
		show($('pw-error'), true);
	}
}

// Her own key rotation (POST /v1/staff/key/rotate, docs/staff-api.md):
// a new key pair under the same password, the keys this session holds
// wrapped to it, her other sessions ended; this one goes on.
async function rotateKey(ev) {
	ev.preventDefault();
	show($('acct-error'), false);
	show($('acct-done'), false);
	$('acct-go').disabled = true;
	try {
		const doc = await post('/v1/staff/key/rotate', {
			password: $('acct-pass').value,
			totp: $('acct-totp').value.trim() });
		$('acctform').reset();
		$('acct-done').textContent = t('acct.done',
		    { n: doc.other_sessions_ended ?? 0 });
		show($('acct-done'), true);
	} catch (e) {
		$('acctform').reset();
		if (!(e instanceof ApiError) || e.status === 401) {
			failed(e);	/* 401: already back at sign-in */
			return;
		}
		$('acct-error').textContent = e.status === 403 ? t('acct.refused') :
		    e.code === 'keys_changed' ? t('acct.keys') :
		    e.code === 'no_key_pair' ? t('acct.nokey') :
		    e.status === 429 ? t('signin.busy') :
		    e.message || t('error.generic');
		show($('acct-error'), true);
		$('acct-pass').focus();
	} finally {
		$('acct-go').disabled = false;
	}
}

// TOTP enrolment: the staff process draws a new secret and keeps it in
// the session; the otpauth:// URI becomes a QR code here, on a canvas,
// and goes nowhere else.  A code from the app confirms it.
async function enrolBegin() {
	show($('totp-error'), false);
	$('totp-secret').textContent = '';
	const doc = await post('/v1/staff/totp/enrol', {});
	const c = $('totp-qr');
	qrDraw(c, qrEncode(doc.otpauth), 5);
	c.setAttribute('aria-label', t('totp.qr'));
	// Groups of four, as authenticator apps show keys.
	$('totp-secret').textContent = doc.secret.match(/.{1,4}/g).join(' ');
}

async function enrolConfirm(ev) {
	ev.preventDefault();
	show($('totp-error'), false);
	try {
		await post('/v1/staff/totp/confirm', {
			totp: $('totp-code').value.trim() });
	} catch (e) {
		$('totp-error').textContent = e instanceof ApiError && e.message ?
		    e.message : t('error.generic');
		show($('totp-error'), true);
		$('totp-code').value = '';
		if (e instanceof ApiError && e.code === 'enrolment_not_started')
			enrolBegin().catch(failed);
		return;
	}
	wipeEnrolment();
	say(t('totp.done'));
	const doc = pending;
	pending = null;
	try {
		await startSession(doc);
	} catch (e) {
		failed(e);
	}
}

function wipeEnrolment() {
	$('totpform').reset();
	$('totp-secret').textContent = '';
	const c = $('totp-qr');
	c.width = 0;
	c.height = 0;
}

// Forget everything this page held and show the sign-in form.
function wipe() {
	setToken(null);
	clearInterval(pollTimer);
	pollTimer = null;
	clearTimeout(idle.timer);
	idle.timer = null;
	ctx.me = null;
	ctx.forms = null;
	ctx.queues = [];
	seen = { alerts: null, requests: null };
	pending = null;
	wipeEnrolment();
	for (const id of ['queue-cards', 'overdue-list', 'case-table', 'case-body',
	    'officer-list', 'officer-contact', 'r-out', 'whoami', 'h-case',
	    'alert-text'])
		$(id).replaceChildren();
	for (const f of document.querySelectorAll('form'))
		f.reset();
	show($('nav'), false);
	show($('signout'), false);
	show($('alerts-wrap'), false);
	show($('alert'), false);
	show($('idle'), false);
	cases.reset();
	officer.reset();
	research.reset();
	go('signin');
}

async function signout(why) {
	// No poll may run between the server ending the session and wipe():
	// it would be answered 401.
	clearInterval(pollTimer);
	pollTimer = null;
	if (hasToken()) {
		try {
			await api('DELETE', '/v1/staff/session');
		} catch {
			/* the session ends anyway: the token is forgotten */
		}
	}
	wipe();
	say(why ?? t('signed.out'));
}

function expired() {
	wipe();
	say(t('error.session'), true);
}

// --------------------------------------------------------------- idle

function touch() {
	if (!hasToken())
		return;
	idle.last = Date.now();
	if (!$('idle').hidden)
		show($('idle'), false);
	clearTimeout(idle.timer);
	idle.timer = setTimeout(idleTick, idle.warnAt * 1000);
}

function idleTick() {
	if (!hasToken())
		return;
	const left = idle.limit - Math.floor((Date.now() - idle.last) / 1000);
	if (left <= 0) {
		signout(t('idle.out'));
		return;
	}
	$('idle-text').textContent = t('idle.text', { s: left });
	if ($('idle').hidden) {
		show($('idle'), true);
		$('idle-stay').focus();
	}
	idle.timer = setTimeout(idleTick, 1000);
}

// ------------------------------------------------- polling and alarms

function beep() {
	try {
		const ac = new AudioContext();
		const o = ac.createOscillator();
		const g = ac.createGain();
		o.frequency.value = 880;
		g.gain.value = 0.1;
		o.connect(g).connect(ac.destination);
		o.start();
		o.stop(ac.currentTime + 0.3);
		o.onended = () => ac.close();
	} catch {
		/* no audio: the visual alert stays */
	}
}

function raise(text) {
	if (!$('alerts-on').checked)
		return;
	$('alert-text').textContent = text;
	show($('alert'), true);
	// Flash until seen (CSS; none under prefers-reduced-motion).
	$('alert').classList.add('flash');
	beep();
}

// An alert of the staff process's live channel (GET /v1/staff/alerts,
// daemon/alert.c): a queue, a condition and the stored due time, the
// same content-free words as its e-mail and command hook.
function alertText(a) {
	return t(a.kind === 'half_deadline' ? 'alert.half' : 'alert.arrival',
	    { queue: a.queue, due: fmtDate(a.due) });
}

// Cheap reads: the queue counts (a counter table), the urgent alerts
// (an indexed read of the waiting urgent cases) and, for officers, the
// pending identity requests.  An alert not seen before -- a new urgent
// case, or one past half its first-response time -- or a rise in the
// pending requests raises the alarm; what was there at sign-in does not.
async function poll(first) {
	if (!hasToken())
		return;
	ctx.queues = (await get('/v1/staff/queues')).queues;
	if (ctx.queues.some((q) => q.urgent)) {
		const alerts = (await get('/v1/staff/alerts')).alerts;
		const fresh = alerts.filter((a) => !seen.alerts?.has(a.id));
		if (!first && seen.alerts && fresh.length > 0)
			raise(fresh.map(alertText).join(' '));
		seen.alerts = new Set(alerts.map((a) => a.id));
	}
	if (ctx.me?.kind === 'officer') {
		const r = await get('/v1/staff/identity/requests');
		const n = r.requests.length;
		if (!first && n > (seen.requests ?? 0))
			raise(`${t('alert.identity')}: ${n}`);
		seen.requests = n;
	}
	if (current === 'queues')
		drawQueues();
}

// -------------------------------------------------------------- queues

const STATES = ['new', 'acknowledged', 'in_progress', 'referred', 'resolved',
    'unfounded', 'withdrawn', 'closed'];

function drawQueues() {
	const cards = ctx.queues.map((q) => {
		const total = Object.entries(q.counts).filter(([s]) => s !== 'closed')
		    .reduce((a, [, n]) => a + n, 0);
		const dl = el('dl', { class: 'counts' });
		for (const s of STATES)
			if (q.counts[s])
				dl.append(el('dt', { text: stateName(s) }),
				    el('dd', { text: String(q.counts[s]) }));
		const hid = `q-${q.name}`;
		return el('article', { class: q.urgent ? 'card urgent' : 'card',
		    'aria-labelledby': hid, dataset: { queue: q.name } },
		    el('h2', { id: hid }, q.name, q.urgent ?
		    el('span', { class: 'badge', text: ` ${t('queue.urgent')}` }) : null),
		    el('p', { class: 'total' }, el('span', { text: `${t('queue.total')}: ` }),
		    el('strong', { class: 'n-open', text: String(total) })),
		    el('p', { class: q.overdue ? 'overdue' : '' },
		    el('span', { text: `${t('queue.overdue')}: ` }),
		    el('strong', { class: 'n-overdue', text: String(q.overdue) })),
		    dl,
		    el('button', { type: 'button', text: t('queue.open'),
		    on: { click: () => go('cases', { queue: q.name }) } }));
	});
	$('queue-cards').replaceChildren(...cards);
}

async function renderQueues() {
	if (!hasToken())
		return;
	await poll(false);
	drawQueues();
	const od = (await get('/v1/staff/overdue')).cases;
	if (od.length === 0) {
		$('overdue-list').replaceChildren(el('p', { text: t('overdue.none') }));
		return;
	}
	$('overdue-list').replaceChildren(table(t('overdue.title'),
	    [t('col.case'), t('col.queue'), t('col.state'), t('col.received'),
	    t('col.due')], od.map((c) => [
		el('button', { type: 'button', class: 'link', text: c.id.slice(0, 8),
		    'aria-label': `${t('case.title')} ${c.id}`,
		    on: { click: () => go('case', c.id) } }),
		c.queue, stateName(c.state), fmtDate(c.received_on),
		c.overdue.join(', ')])));
}

// ---------------------------------------------------------------- init

function init() {
	const l = initialLanguage();
	$('lang').value = l;
	setLanguage(l);
	$('lang').addEventListener('change', async () => {
		setLanguage($('lang').value);
		if (ctx.me && ctx.me.kind !== 'researcher') {
			try {
				await loadForms();
			} catch (e) {
				failed(e);
			}
		}
		if (current !== 'signin' && current !== 'password' &&
		    current !== 'totp')
			go(current, currentArg);
	});
	$('signin').addEventListener('submit', signin);
	$('pwform').addEventListener('submit', changePassword);
	$('totpform').addEventListener('submit', enrolConfirm);
	$('acctform').addEventListener('submit', rotateKey);
	$('totp-again').addEventListener('click', () => enrolBegin().catch(failed));
	$('signout').addEventListener('click', () => signout());
	$('alert-dismiss').addEventListener('click', () => {
		$('alert').classList.remove('flash');
		show($('alert'), false);
	});
	$('alerts-on').addEventListener('change', () => {
		if (!$('alerts-on').checked) {
			$('alert').classList.remove('flash');
			show($('alert'), false);
		}
	});
	$('idle-stay').addEventListener('click', touch);
	for (const ev of ['keydown', 'pointerdown', 'input'])
		addEventListener(ev, touch, { passive: true, capture: true });
	for (const b of document.querySelectorAll('.navb'))
		b.addEventListener('click', () => go(b.dataset.view));
	setOnExpired(expired);
	cases.init();
	casev.init();
	research.init();
	// A page left by other means forgets what it showed.
	// Closing the tab or leaving also ends the session on the server.
	addEventListener('pagehide', () => {
		endOnLeave();
		wipe();
	});
	go('signin');
}

init();
