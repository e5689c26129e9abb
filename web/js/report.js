// The report page: choose a category, answer its questions, write what
// happened, review what is encrypted and what is sent in clear, seal in
// the browser (envelope.js), submit, and show the receipt once.
//
// State lives in this module's memory only (see common.js for the
// privacy rules); "leave quickly" and leaving the page wipe it.  The page
// never changes its URL: one document, sections shown and hidden.

import { utf8Json } from './bytes.js';
import {
	$, ApiError, api, el, focusHeading, formatDate, onWipe, setupLanguage,
	setupLeave, show, wipeOnPageHide,
} from './common.js';
import { dateField } from './datefield.js';
import { seal } from './envelope.js';
import { attachKeepDek, attachReview, attachSetup, attachUpload } from './attach.js';
import { clearFieldErrors, fieldFor, showFieldError } from './fielderr.js';
import { contactClear, contactDoneText, contactMembers, contactRefresh,
    contactReview, contactSetup, contactValidate } from './contact.js';
import { buckets, contentFields, loadForms, recipients } from './forms.js';
import { KeyTrustError, checkCovered } from './manifest.js';
import { initialLanguage, lang, langName, setLanguage, t } from './i18n.js';
import * as pow from './pow.js';
import { format } from './receipt.js';
import { renderTrust } from './trust.js';

const state = {
	forms: null,		// the GET /v1/forms document, current language
	category: null,		// category id
	answers: {},		// question id -> value (string or boolean)
	subtype: '',
	content: {},		// content field id -> text (besides the DOM)
	busy: false,
	// A submission whose outcome the page does not know yet (the answer
	// was lost, or the service said "outcome_unknown"): its random id
	// and its exact bytes.  Sending again resends both unchanged, and
	// the service answers with the receipt of the report it stored
	// instead of storing a second one (docs/reporter-api.md).
	pending: null,
	contactSent: {},	// which contact members the last send carried
};

// 128 random bits, base64url: the Idempotency-Key of one submission.
function submissionId() {
	const b = crypto.getRandomValues(new Uint8Array(16));
	return btoa(String.fromCharCode(...b)).replace(/\+/g, '-')
	    .replace(/\//g, '_').replace(/=+$/, '');
}

// May the report have been stored although no receipt came back?
function maybeStored(e) {
	return e instanceof ApiError && (e.status === 0 ||
	    (e.status === 503 && e.code === 'outcome_unknown'));
}

// POST the pending submission; a lost answer or "outcome_unknown" is
// retried a few times with the same id, bytes and proof of work (the
// service answers such a retry from its record, pow.js).  A refused proof
// of work is solved anew once.
async function submit(p) {
	let fresh = 0;
	for (let i = 0; ; i++) {
		try {
			p.pow ??= await powHeader();
			return await api('POST', '/v1/reports', { raw: p.text,
			    lang: lang(), extra: { 'Idempotency-Key': p.key,
			    ...p.pow } });
		} catch (e) {
			if (pow.isPowError(e) && fresh++ < 1) {
				p.pow = null;
				continue;
			}
			if (!maybeStored(e) || i >= 3)
				throw e;
			await new Promise((r) => setTimeout(r, 1000 * (i + 1)));
		}
	}
}

// The solved proof of work, with a progress line if it takes long.
async function powHeader() {
	const t0 = Date.now();
	let node = $('pow-progress');
	if (node === null) {
		node = el('p', { id: 'pow-progress', class: 'note',
		    role: 'status' });
		$('sending').after(node);
	}
	show(node, false);
	try {
		const r = await pow.header((p) => {
			if (Date.now() - t0 < 1000)
				return;
			node.textContent = `${t('pow.working')} ` +
			    `${Math.round(100 * p)}%`;
			show(node, true);
		});
		return r.header;
	} finally {
		show(node, false);
	}
}

onWipe(() => {
	state.category = null;
	state.answers = {};
	state.subtype = '';
	state.content = {};
	state.forms = null;
	state.pending = null;
	pow.reset();
});

function category() {
	return state.forms?.categories.find((c) => c.id === state.category) ??
	    null;
}

function fail(node, msg) {
	node.textContent = msg;
	show(node, true);
}

/* ---- rendering ---- */

function renderCategories() {
	const fs = $('categories');
	const legend = fs.querySelector('legend');
	fs.replaceChildren(legend);
	for (const c of state.forms.categories) {
		const id = `cat-${c.id}`;
		const input = el('input', { type: 'radio', name: 'category', id,
		    value: c.id, 'aria-describedby': `${id}-help` });
		input.checked = c.id === state.category;
		input.addEventListener('change', () => selectCategory(c.id));
		fs.append(el('label', { for: id }, input,
		    el('span', {}, el('strong', { text: c.label }),
		    el('br'), el('span', { id: `${id}-help`, class: 'help',
		    text: c.help ?? '' }))));
	}
}

function questionField(q, pointer = `/answers/${q.id}`) {
	const id = `q-${q.id}`;
	const hid = `${id}-help`;
	const req = q.required ? null : el('span', { class: 'note',
	    text: ` ${t('optional')}` });
	const help = q.help ? el('p', { id: hid, class: 'help', text: q.help }) :
	    null;
	const describedby = q.help ? hid : null;
	const value = state.answers[q.id];

	if (q.type === 'boolean') {
		const fs = el('fieldset', { class: 'field', id,
		    'aria-describedby': describedby, 'data-field': pointer },
		    el('legend', {}, q.label, req));
		if (help)
			fs.append(help);
		for (const [v, key] of [[true, 'yes'], [false, 'no']]) {
			const iid = `${id}-${key}`;
			const input = el('input', { type: 'radio', name: id, id: iid,
			    value: String(v) });
			input.checked = value === v;
			input.addEventListener('change', () => {
				state.answers[q.id] = v;
				updateDanger();
			});
			fs.append(el('label', { class: 'option', for: iid }, input,
			    el('span', { text: t(key) })));
		}
		return fs;
	}
	if (q.type === 'date')
		return dateField({ id, label: q.label, note: req, help, value,
		    required: q.required, field: pointer, onChange: (v) => {
			if (v === '')
				delete state.answers[q.id];
			else
				state.answers[q.id] = v;
		} });
	const input = el('select', { id, 'aria-describedby': describedby },
	    el('option', { value: '', text: t('choose') }),
	    ...(q.options ?? []).map((o) => el('option', { value: o.id,
	    text: o.label })));
	input.value = value ?? '';
	input.required = !!q.required;
	input.addEventListener('change', () => {
		if (input.value === '')
			delete state.answers[q.id];
		else
			state.answers[q.id] = input.value;
	});
	return el('div', { class: 'field', 'data-field': pointer },
	    el('label', { for: id }, q.label, req), help, input);
}

function subtypeField(c) {
	return questionField({ id: 'subtype', type: 'choice', required: true,
	    label: t('subtype.label'), options: c.subtypes,
	    help: '' }, '/subtype');
}

function renderQuestions() {
	const c = category();
	const box = $('questions');
	if (c === null) {
		box.replaceChildren();
		show($('questions-section'), false);
		show($('narrative-section'), false);
		return;
	}
	box.replaceChildren(
	    ...(c.subtypes?.length ? [subtypeField(c)] : []),
	    ...c.questions.map((q) => questionField(q)));
	show($('questions-section'), true);
	show($('narrative-section'), true);
	const fields = contentFields(state.forms);
	const narrative = fields.find((f) => f.id === 'narrative');
	if (narrative?.label)
		$('narrative').labels[0].textContent = narrative.label;
	if (narrative?.help)
		$('narrative-help').textContent = narrative.help;
	$('category-help').textContent = '';
	updateDanger();
}

// The 112 instruction, prominent, as soon as immediate danger is said.
function updateDanger() {
	const c = category();
	const on = c !== null && state.answers.immediate_danger === true;
	const box = $('danger');
	if (on && c.emergency)
		box.querySelector('p').textContent = c.emergency;
	else
		box.querySelector('p').textContent = t('danger.body');
	show(box, on);
}

function selectCategory(id) {
	state.category = id;
	state.answers = {};
	state.subtype = '';
	show($('form-error'), false);
	renderQuestions();
}

function render() {
	renderCategories();
	renderQuestions();
	attachSetup(state.forms);
}

/* ---- the request ---- */

// The clear fields: exactly what POST /v1/reports receives beside the
// envelope (docs/reporter-api.md): category, subtype and the answers to
// the category's questions.  The review lists this same object.
function clearFields() {
	const c = category();
	const out = { category: c.id };
	if (state.answers.subtype)
		out.subtype = state.answers.subtype;
	const answers = {};
	for (const q of c.questions) {
		const v = state.answers[q.id];
		if (v !== undefined && v !== '')
			answers[q.id] = v;
	}
	out.answers = answers;
	return out;
}

// The content fields as typed (strings, made well-formed when sealed).
function contentObject() {
	const out = {};
	for (const f of contentFields(state.forms)) {
		const node = f.id === 'narrative' ? $('narrative') :
		    $(`content-${f.id}`);
		if (node && node.value.trim() !== '')
			out[f.id] = node.value;
	}
	return out;
}

// What is sealed: the content fields and the reporter's language, so that
// the handler knows which language to answer in while the database never
// holds it in clear (docs/crypto.md §2.2).
function sealedContent() {
	return { ...contentObject(), lang: lang() };
}

// The first problem: the pointer of the field (as the server would name
// it) and the message.
function validate() {
	const c = category();
	if (c === null)
		return { field: '/category', msg: t('error.category') };
	if (c.subtypes?.length && !state.answers.subtype)
		return { field: '/subtype', msg: t('error.required') };
	for (const q of c.questions) {
		if (q.required && (state.answers[q.id] === undefined ||
		    state.answers[q.id] === ''))
			return { field: `/answers/${q.id}`, msg: t('error.required') };
	}
	if ($('narrative').value.trim() === '')
		return { field: '/report/narrative', msg: t('error.narrative') };
	if (utf8Json(sealedContent()).length > 262140)
		return { field: '/report/narrative', msg: t('error.toolong') };
	return contactValidate();
}

// Back on the form, the error next to its field (named by its label) and
// in the summary above the button; the focus on the field.  named: msg
// already names the field (the server's messages do).
function formError(pointer, msg, named = false) {
	show($('review'), false);
	show($('report'), true);
	const field = fieldFor(pointer);
	fail($('form-error'), field ? showFieldError(field, msg, named) : msg);
}

function labelFor(q, v) {
	if (q.type === 'boolean')
		return t(v ? 'yes' : 'no');
	if (q.type === 'date')
		return formatDate(v, lang());
	return (q.options ?? []).find((o) => o.id === v)?.label ?? v;
}

function renderReview() {
	const c = category();
	const enc = $('review-encrypted');
	const clr = $('review-clear');
	const content = contentObject();
	enc.replaceChildren();
	for (const f of contentFields(state.forms)) {
		if (content[f.id] === undefined)
			continue;
		enc.append(el('dt', { text: f.label || t('narrative.label') }),
		    el('dd', { text: content[f.id] }));
	}
	enc.append(el('dt', { text: t('lang.label') }),
	    el('dd', { text: langName(lang()) }));
	attachReview(enc);
	contactReview(enc);
	clr.replaceChildren();
	const clear = clearFields();
	clr.append(el('dt', { text: t('step.category') }),
	    el('dd', { text: c.label }));
	if (clear.subtype)
		clr.append(el('dt', { text: t('subtype.label') }),
		    el('dd', { text: c.subtypes.find((s) => s.id === clear.subtype)
		    ?.label ?? clear.subtype }));
	for (const q of c.questions)
		if (clear.answers[q.id] !== undefined)
			clr.append(el('dt', { text: q.label }),
			    el('dd', { text: labelFor(q, clear.answers[q.id]) }));
	clr.append(el('dt', { text: t('lang.label') }),
	    el('dd', { text: langName(lang()) }));
}

function toReview(ev) {
	ev.preventDefault();
	clearFieldErrors();
	const err = validate();
	if (err !== null) {
		formError(err.field, err.msg);
		return;
	}
	show($('form-error'), false);
	pow.start();
	renderReview();
	show($('report'), false);
	show($('send-error'), false);
	show($('review'), true);
	focusHeading($('review'));
}

function backToForm() {
	// Edits make another report: it gets an id of its own.
	state.pending = null;
	show($('review'), false);
	show($('report'), true);
	$('narrative').focus();
}

// The form's keys changed after the page loaded them (a queue key was
// rotated and a new manifest signed, or the form version moved on): the
// service stored nothing and names the stale member.
function staleKeys(e) {
	return e instanceof ApiError && e.status === 409 &&
	    e.code === 'unknown_key';
}

// How often one press of "send" fetches the form again after a 409.
const REFRESH_MAX = 2;

class FormChanged extends Error {}

// Seal what the page holds now (the text from the DOM, the answers from
// state) to the keys of state.forms, as a new pending submission.
async function sealPending(c) {
	// Only keys the signed manifest lists (docs/crypto.md §10).
	const to = recipients(state.forms, c);
	await checkCovered(state.forms, c.id, to);
	const content = utf8Json(sealedContent());
	try {
		const envelope = await seal({
			category: c.id, content,
			recipients: to,
			buckets: buckets(state.forms),
			// attach.js keeps the DEK of the last seal: the one sent.
			onDek: attachKeepDek,
		});
		// Contact details (contact.js), sealed in this browser.
		const contact = await contactMembers(state.forms, c);
		state.contactSent = { contact: !!contact.contact,
		    contact_consent: !!contact.contact_consent };
		const body = { form_version: state.forms.form_version,
		    lang: lang(), ...clearFields(), envelope, ...contact };
		if (body.form_version === undefined)
			delete body.form_version;
		state.pending = { key: submissionId(),
		    text: JSON.stringify(body), pow: null };
	} finally {
		content.fill(0);
	}
}

// GET /v1/forms again and re-render around what was typed and chosen:
// the answers live in state, the texts in the DOM (which render() does
// not touch), nothing anywhere else.  The next seal verifies the new
// manifest as the first one did.
async function refreshForms() {
	state.forms = await loadForms(lang());
	render();
	if (category() === null)
		throw new FormChanged();
	renderReview();
}

async function send() {
	if (state.busy)
		return;
	state.busy = true;
	$('send').disabled = $('back').disabled = true;
	clearFieldErrors();
	show($('send-error'), false);
	show($('sending'), true);
	let c = category();
	try {
		if (state.pending === null)
			await sealPending(c);
		let res;
		for (let refreshed = 0; ; refreshed++) {
			try {
				res = await submit(state.pending);
				break;
			} catch (e) {
				if (!staleKeys(e) || refreshed >= REFRESH_MAX)
					throw e;
				// Nothing was stored: fetch the form and its keys,
				// seal the same text again, send it again.
				state.pending = null;
				$('sending').textContent = t('sending.refresh');
				await refreshForms();
				c = category();
				await sealPending(c);
			}
		}
		state.pending = null;
		// Files go up under the new receipt (attach.js); it reads
		// what it needs before showDone() clears the form.
		attachUpload(res.receipt ?? '');
		showDone(res, c);
	} catch (e) {
		// Only an answer that says "not stored" ends the submission;
		// otherwise "send" again resends the same one.
		if (!maybeStored(e))
			state.pending = null;
		if (e instanceof FormChanged) {
			formError('/category', t('error.category'));
		} else if (e instanceof ApiError && e.status >= 400 &&
		    e.status < 500 && !staleKeys(e) && fieldFor(e.field)) {
			// A member the reporter can fix: show it at its field.
			formError(e.field, e.message || t('error.generic'),
			    typeof e.label === 'string' && e.label !== '');
		} else {
			fail($('send-error'), maybeStored(e) ? (e.status === 0 ?
			    t('error.unknown_outcome') : e.message) :
			    staleKeys(e) ? t('error.keys_changed') :
			    e instanceof KeyTrustError ? t('error.keys') :
			    e instanceof ApiError && e.message ? e.message :
			    e instanceof ApiError ? t('error.generic') :
			    t('error.crypto'));
		}
	} finally {
		state.busy = false;
		$('send').disabled = $('back').disabled = false;
		show($('sending'), false);
		$('sending').textContent = t('sending');
	}
}

// POST /v1/reports answers ack_due, feedback_due and, for urgent
// reports, first_response_due (dates or timestamps).
function deadlineList(res) {
	const out = [];
	const add = (key, v) => {
		if (v)
			out.push(el('dt', { text: t(key) }),
			    el('dd', { text: formatDate(v, lang()) }));
	};
	// The same words for the same dates as the check page (check.js):
	// the day receipt was confirmed (this answer is that confirmation),
	// then the dates things are due by.
	add('case.acknowledged', res.acknowledged_on ?? res.received_on);
	add('deadline.first', res.first_response_due);
	add('deadline.ack', res.ack_due);
	add('deadline.feedback', res.feedback_due);
	return out;
}

// Shown once: the receipt is in the DOM only until the reporter leaves
// or starts a new report.
function showDone(res, c) {
	const receipt = res.receipt ?? '';
	$('receipt').textContent = format(receipt);
	$('ack').textContent = [res.acknowledgement?.text, res.urgent_notice,
	    contactDoneText(state.contactSent, res)]
	    .filter((x) => typeof x === 'string' && x !== '').join(' ');
	$('deadlines').replaceChildren(...deadlineList(res));
	// DESIGN §6: the server says "emergency" when life may be in danger.
	const urgent = res.emergency;
	if (urgent) {
		$('done-danger-text').textContent = typeof urgent === 'string' ?
		    urgent : c.emergency ?? t('danger.body');
		show($('done-danger'), true);
	} else {
		show($('done-danger'), false);
	}
	// Forget the report itself now that it is sent.
	$('report').reset();
	$('narrative').value = '';
	state.category = null;
	state.answers = {};
	state.subtype = '';
	render();
	contactClear();
	show($('review'), false);
	show($('done'), true);
	focusHeading($('done'));
}

function newReport() {
	$('receipt').textContent = '';
	$('ack').textContent = '';
	$('deadlines').replaceChildren();
	show($('done'), false);
	show($('report'), true);
	$('main').focus();
}

/* ---- start ---- */

async function useLanguage(l) {
	// Keep what was typed and chosen; only the words change.
	try {
		state.forms = await loadForms(l);
		renderTrust(state.forms);
		show($('status'), false);
		render();
		contactRefresh();
		show($('report'), $('review').hidden && $('done').hidden);
		if ($('review').hidden === false)
			renderReview();
	} catch {
		fail($('status'), t('error.forms'));
	}
}

function start() {
	setLanguage(initialLanguage());
	const sel = $('lang');
	setupLanguage(sel, useLanguage);
	sel.value = lang();
	setupLeave($('leave'));
	wipeOnPageHide();
	if (!globalThis.crypto?.subtle) {
		fail($('status'), t('error.crypto'));
		return;
	}
	$('report').addEventListener('submit', toReview);
	contactSetup($('report'), () => ({ category: category(),
	    answers: state.answers }));
	// The proof of work starts while the reporter types (pow.js).
	$('report').addEventListener('input', () => pow.start());
	$('back').addEventListener('click', backToForm);
	$('send').addEventListener('click', send);
	$('new-report').addEventListener('click', newReport);
	useLanguage(lang());
}

start();
