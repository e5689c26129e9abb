// "Check my report": log in with the receipt, read the state, deadlines
// and messages, add information, log out.  The session token is kept in
// this module's memory only and is dropped (and the server session
// deleted) on logout, on "leave quickly" and when the page goes away.

import {
	$, ApiError, api, el, focusHeading, formatDate, onWipe, setupLanguage,
	setupLeave, show, wipeOnPageHide,
} from './common.js';
import { loadForms } from './forms.js';
import { initialLanguage, lang, setLanguage, t } from './i18n.js';
import { normalise } from './receipt.js';
import { renderTrust } from './trust.js';

let token = null;
let lastCase = null;

// Best effort: tell the server to forget the session.  keepalive lets the
// request outlive the page when we are leaving.
function endSession() {
	if (token === null)
		return;
	const tok = token;
	token = null;
	fetch('/v1/reporter/session', {
		method: 'DELETE', headers: { Authorization: `Bearer ${tok}` },
		credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
		keepalive: true,
	}).catch(() => {});
}

onWipe(() => {
	endSession();
	lastCase = null;
});

function fail(node, msg) {
	node.textContent = msg;
	show(node, true);
}

async function login(ev) {
	ev.preventDefault();
	const input = $('receipt-input');
	const receipt = normalise(input.value);
	if (receipt === null) {
		fail($('login-error'), t('receipt.bad'));
		input.setAttribute('aria-invalid', 'true');
		input.focus();
		return;
	}
	input.removeAttribute('aria-invalid');
	show($('login-error'), false);
	$('open').disabled = true;
	try {
		const res = await api('POST', '/v1/reporter/session',
		    { body: { receipt }, lang: lang() });
		token = res.token;
		input.value = '';
		await refresh();
		show($('login'), false);
		show($('case'), true);
		focusHeading($('case'));
	} catch (e) {
		token = null;
		fail($('login-error'), e instanceof ApiError && e.status >= 500 ?
		    t('error.generic') : t('login.failed'));
	} finally {
		$('open').disabled = false;
	}
}

async function refresh() {
	lastCase = await api('GET', '/v1/reporter/case', { token, lang: lang() });
	renderCase();
}

function stateText(c) {
	return c.state_text ?? c.state ?? '';
}

// GET /v1/reporter/case: received_on, ack_due, acknowledged_on,
// feedback_due and (urgent cases) first_response_due.  The same words as
// the receipt page (report.js) for the same dates: "confirmed on" for a
// date that happened, "by" for a date something is due; ack_due (a
// handler's first look) only while the case still waits for it.
function deadlineItems(c) {
	const out = [];
	const add = (key, v) => {
		if (v)
			out.push(el('dt', { text: t(key) }),
			    el('dd', { text: formatDate(v, lang()) }));
	};
	// The case number (not secret), to read out on the phone: XXXX-XXXX.
	if (c.case_number)
		out.push(el('dt', { text: t('case.number') }),
		    el('dd', {}, el('strong', { class: 'case-number',
		    text: c.case_number.replace(/^(.{4})(.{4})$/, '$1-$2') }),
		    el('br'), el('small', { text: t('case.number.help') })));
	add('case.received', c.received_on);
	add('case.acknowledged', c.acknowledged_on);
	add('deadline.first', c.first_response_due);
	if (c.state === 'new')
		add('deadline.ack', c.ack_due);
	add('deadline.feedback', c.feedback_due);
	return out;
}

function messageItem(m) {
	const d = m.direction;
	const who = d === 'reporter' || d === 'handler' ? d : 'system';
	const when = m.sent_on ?? '';
	return el('li', { class: `from-${who}` },
	    el('p', { class: 'meta', text: `${t(`from.${who}`)}${when ?
	    ' · ' + formatDate(when, lang()) : ''}` }),
	    el('p', { class: 'body', text: m.text ?? '' }));
}

function renderCase() {
	const c = lastCase;
	if (c === null)
		return;
	$('state').textContent = stateText(c);
	$('case-deadlines').replaceChildren(...deadlineItems(c));
	const msgs = c.messages ?? c.thread ?? [];
	$('messages').replaceChildren(...(msgs.length > 0 ?
	    msgs.map(messageItem) :
	    [el('li', { class: 'from-system', text: t('case.nomessages') })]));
}

async function sendMessage(ev) {
	ev.preventDefault();
	const box = $('message');
	const text = box.value;
	if (text.trim() === '') {
		box.focus();
		return;
	}
	$('message-send').disabled = true;
	show($('message-status'), false);
	try {
		await api('POST', '/v1/reporter/messages',
		    { body: { text }, token, lang: lang() });
		box.value = '';
		await refresh();
		$('message-status').textContent = t('message.sent');
		show($('message-status'), true);
	} catch (e) {
		$('message-status').textContent = e instanceof ApiError &&
		    e.message ? e.message : t('error.generic');
		show($('message-status'), true);
	} finally {
		$('message-send').disabled = false;
	}
}

function logout() {
	endSession();
	lastCase = null;
	$('messages').replaceChildren();
	$('case-deadlines').replaceChildren();
	$('state').textContent = '';
	$('message').value = '';
	show($('case'), false);
	show($('login'), true);
	$('receipt-input').focus();
}

// The operator's trust content comes with the form; the check page needs
// nothing else from it, and goes on without it.
function loadTrust() {
	loadForms(lang()).then(renderTrust, () => renderTrust(null));
}

function start() {
	setLanguage(initialLanguage());
	const sel = $('lang');
	setupLanguage(sel, () => {
		loadTrust();
		if (token !== null)
			refresh().catch(() => renderCase());
	});
	loadTrust();
	sel.value = lang();
	setupLeave($('leave'));
	wipeOnPageHide();
	$('login').addEventListener('submit', login);
	$('message-form').addEventListener('submit', sendMessage);
	$('logout').addEventListener('click', logout);
}

start();
