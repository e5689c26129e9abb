// One case: the decrypted report with the form's labels in the console's
// language, the facts, deadlines with the time left, claim/release,
// state changes with a reason, internal notes, the thread with the
// reporter (reply templates per language, edited before sending),
// referral, transfer, reclassification, the history and the identity
// request.
//
// Everything the reporter wrote (the report, the answers, messages) and
// everything staff wrote (notes, reasons) is shown with textContent via
// el(): as text, whatever it contains.

import { ApiError, get, post } from './api.js';
import { attachView } from './attachv.js';
import { $, caseNumber, catOf, catLabel, ctx, el, fmtDate, nextId,
    optionLabel, say, select, show, stateName, subtypeLabel, timeLeft }
    from './dom.js';
import { REPORTER_LANGS, TEMPLATES, lang, t } from './i18n.js';
import { urgentContactView } from './ucontact.js';

let caseId = null;

function section(titleKey, ...children) {
	const id = nextId('h');
	return el('section', { class: 'panel', 'aria-labelledby': id },
	    el('h2', { id, text: t(titleKey) }), ...children);
}

function dl(pairs) {
	const d = el('dl', { class: 'facts' });
	for (const [k, v] of pairs)
		if (v !== null && v !== undefined && v !== '')
			d.append(el('dt', { text: t(k) }), el('dd', {}, v));
	return d;
}

function labelled(labelKey, control) {
	if (!control.id)
		control.id = nextId('c');
	return el('p', { class: 'field' }, el('label', { for: control.id,
	    text: t(labelKey) }), el('br'), control);
}

// A form whose submit runs fn(); on success the case is read again.
function actionForm(cls, fields, buttonKey, fn) {
	const f = el('form', { class: cls, novalidate: true }, ...fields,
	    el('p', {}, el('button', { type: 'submit', text: t(buttonKey) })));
	f.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const b = f.querySelector('button[type="submit"]');
		b.disabled = true;
		try {
			const msg = await fn();
			await render(caseId, true);
			say(msg ?? t('saved'));
		} catch (e) {
			ctx.failed(e);
		} finally {
			b.disabled = false;
		}
	});
	return f;
}

function reportView(c) {
	// content_error: "not_utf8" (it opened, the text is not UTF-8) or
	// "undecryptable" (no key for it, or damaged).
	if (c.content === null || c.content === undefined)
		return el('p', { class: 'error', text: t(c.content_error ===
		    'not_utf8' ? 'case.not_utf8' : 'case.undecryptable') });
	const out = el('div', { class: 'report' });
	if (typeof c.content !== 'object' || Array.isArray(c.content)) {
		out.append(el('p', { class: 'pre', text: typeof c.content ===
		    'string' ? c.content : JSON.stringify(c.content) }));
		return out;
	}
	const labels = Object.fromEntries((ctx.forms?.content?.fields ?? [])
	    .map((f) => [f.id, f.label]));
	for (const [k, v] of Object.entries(c.content)) {
		// The sealed language is shown with the facts (c.lang).
		if (k === 'lang' && c.lang)
			continue;
		out.append(el('h3', { text: labels[k] ?? k }),
		    el('p', { class: 'pre', text: typeof v === 'string' ? v :
		    JSON.stringify(v) }));
	}
	return out;
}

function factsView(c) {
	const me = ctx.me?.username;
	const cat = c.category;
	const flags = [];
	if (c.urgent)
		flags.push(el('span', { class: 'badge', text: t('case.urgent') }));
	if (c.immediate_danger)
		flags.push(el('span', { class: 'badge', text: t('case.danger') }));
	if (c.travel_soon)
		flags.push(el('span', { class: 'badge', text: t('case.travel') }));
	return dl([
		['case.queue', c.queue],
		['case.category', catLabel(cat)],
		['case.subtype', c.subtype ? subtypeLabel(cat, c.subtype) : ''],
		['case.province', c.province ? optionLabel(cat, 'province', c.province) : ''],
		['case.ground', c.ground ? optionLabel(cat, 'ground', c.ground) : ''],
		['case.sector', c.sector ? optionLabel(cat, 'sector', c.sector) : ''],
		['case.number', c.case_number ? el('span', {},
		    el('strong', { class: 'casenumber', text: caseNumber(c.case_number) }),
		    el('br'), el('small', { text: t('case.number.note') })) : ''],
		['case.state', stateName(c.state)],
		['case.priority', String(c.priority)],
		['case.assigned', c.assigned_to ? (c.assigned_to === me ?
		    `${c.assigned_to} ✓` : c.assigned_to) : t('case.nobody')],
		['case.lang', c.lang ? (REPORTER_LANGS[c.lang] ?? c.lang) :
		    t('case.lang.unknown')],
		['case.contact', c.contact_given ? t('yes') : t('no')],
		['case.urgent', flags.length ? el('span', {}, ...flags) : ''],
	]);
}

function deadlinesView(c) {
	const k = c.clocks ?? {};
	const open = ['new', 'acknowledged', 'in_progress'].includes(c.state);
	const li = [el('li', {}, `${t('dl.received')}: ${fmtDate(k.received_on)}`)];
	const one = (key, due, done) => {
		if (!due)
			return;
		const item = el('li', {}, `${t(key)}: ${fmtDate(due)} `);
		if (done)
			item.append(el('span', { text: `(${t('dl.done')} ${fmtDate(done)})` }));
		else if (open) {
			const tl = timeLeft(due);
			item.append(el('strong', { class: tl.over ? 'over' : 'left',
			    text: `(${tl.text})` }));
		}
		li.push(item);
	};
	one('dl.first', k.first_response_due, k.first_contact_on);
	one('dl.ack', k.ack_due, k.acknowledged_on ?? k.first_contact_on);
	one('dl.feedback', k.feedback_due, k.closed_on);
	return el('ul', { class: 'deadlines' }, ...li);
}

function claimView(c) {
	const me = ctx.me?.username;
	const b = el('p', { class: 'actions' });
	const act = (key, path) => el('button', { type: 'button', text: t(key),
	    on: { click: async () => {
		try {
			await post(path, { case: c.id });
			await render(c.id, true);
			say(t('saved'));
		} catch (e) {
			ctx.failed(e);
		}
	} } });
	if (c.assigned_to !== me)
		b.append(act('case.claim', '/v1/staff/case/claim'));
	if (c.assigned_to)
		b.append(act('case.release', '/v1/staff/case/release'));
	return b;
}

function transitionView(c) {
	if (!c.allowed_transitions?.length)
		return null;
	const to = select(c.allowed_transitions.map((s) => [s, stateName(s)]));
	const reason = el('input', { maxlength: 200, required: true });
	return actionForm('transition', [labelled('tr.to', to),
	    labelled('tr.reason', reason)], 'tr.go', () =>
	    post('/v1/staff/case/transition', { case: c.id, to: to.value,
	    reason: reason.value }).then(() => null));
}

// The time of each handler message: the thread stores a date only (a
// reporter-linked table keeps no time of day, docs/schema.md), but every
// handler message is written with exactly one audit event message.send,
// in order, so the n-th from the end of both go together.  Reporter and
// system messages keep their date.
function handlerTimes(c) {
	const ev = (c.history ?? []).filter((h) => h.action === 'message.send');
	const out = (c.messages ?? []).filter((m) => m.direction === 'handler');
	const times = new Map();
	for (let i = 1; i <= Math.min(ev.length, out.length); i++)
		times.set(out[out.length - i], ev[ev.length - i].at);
	return times;
}

function messagesView(c) {
	const times = handlerTimes(c);
	const items = (c.messages ?? []).map((m) => {
		const who = m.direction === 'reporter' ? t('msg.in') :
		    m.direction === 'system' ? t('msg.system') :
		    `${t('msg.out')}${m.author ? ` (${m.author})` : ''}`;
		const time = m.sent_at ?? times.get(m) ?? m.sent_on;
		const body = m.text_key !== undefined ? m.text_key :
		    typeof m.text === 'string' ? m.text :
		    m.text === null || m.text === undefined ? '' :
		    JSON.stringify(m.text);
		return el('li', { class: `msg ${m.direction}` },
		    el('p', { class: 'meta' }, el('strong', { text: who }),
		    ` · ${fmtDate(time)}`), el('p', { class: 'pre', text: body }));
	});
	const list = items.length ? el('ol', { class: 'thread' }, ...items) :
	    el('p', { text: t('msg.none') });
	const tpl = select([['', '—'], ...Object.keys(TEMPLATES).map((k) =>
	    [k, t(`tpl.${k}`)])]);
	const tlang = select(Object.entries(REPORTER_LANGS),
	    c.lang && REPORTER_LANGS[c.lang] ? c.lang : lang());
	const text = el('textarea', { rows: 5, maxlength: 8000, required: true });
	const fill = () => {
		if (tpl.value)
			text.value = TEMPLATES[tpl.value][tlang.value];
	};
	tpl.addEventListener('change', fill);
	tlang.addEventListener('change', fill);
	const form = actionForm('reply', [
		el('div', { class: 'row' }, labelled('msg.template', tpl),
		    labelled('msg.tlang', tlang)),
		labelled('msg.text', text)], 'msg.go', () =>
	    post('/v1/staff/case/messages', { case: c.id, text: text.value })
	    .then(() => null));
	return [list, form];
}

function notesView(c) {
	const items = (c.notes ?? []).map((n) => el('li', { class: 'note' },
	    el('p', { class: 'meta' }, el('strong', { text: n.author ?? '' }),
	    ` · ${fmtDate(n.created_at)}`),
	    el('p', { class: 'pre', text: typeof n.text === 'string' ? n.text :
	    JSON.stringify(n.text) })));
	const text = el('textarea', { rows: 3, maxlength: 8000, required: true });
	return [items.length ? el('ol', { class: 'notes' }, ...items) : null,
	    actionForm('note', [labelled('note.text', text)], 'note.go', () =>
	    post('/v1/staff/case/notes', { case: c.id, text: text.value })
	    .then(() => null))];
}

function referralView(c) {
	const org = el('input', { maxlength: 200, required: true });
	const on = el('input', { type: 'date', required: true,
	    value: new Date().toISOString().slice(0, 10) });
	const ref = el('input', { maxlength: 200 });
	return actionForm('referral', [labelled('ref.org', org),
	    labelled('ref.on', on), labelled('ref.ref', ref)], 'ref.go', () => {
		const body = { case: c.id, organisation: org.value,
		    referred_on: on.value };
		if (ref.value)
			body.reference = ref.value;
		return post('/v1/staff/case/referral', body).then(() => null);
	});
}

function transferView(c) {
	const others = ctx.queues.filter((q) => q.name !== c.queue);
	const queue = el('input', { maxlength: 40, required: true,
	    autocomplete: 'off', spellcheck: 'false' });
	const dlid = nextId('ql');
	if (others.length)
		queue.setAttribute('list', dlid);
	const reason = el('input', { maxlength: 500, required: true });
	const f = actionForm('transfer', [labelled('xfer.queue', queue),
	    labelled('xfer.reason', reason)], 'xfer.go', async () => {
		await post('/v1/staff/case/transfer', { case: c.id,
		    queue: queue.value.trim(), reason: reason.value });
		return t('xfer.done');
	});
	if (others.length) {
		f.append(el('datalist', { id: dlid }, ...others.map((q) =>
		    el('option', { value: q.name }))));
	}
	return f;
}

function reclassifyView(c) {
	const cat = catOf(c.category);
	if (!cat)
		return null;
	const fields = [];
	const controls = {};
	if (cat.subtypes?.length) {
		controls.subtype = select(cat.subtypes.map((s) => [s.id, s.label]),
		    c.subtype);
		fields.push(labelled('case.subtype', controls.subtype));
	}
	for (const dim of ['province', 'ground', 'sector']) {
		const q = cat.questions?.find((x) => x.id === dim);
		if (!q?.options)
			continue;
		controls[dim] = select([['', '—'], ...q.options.map((o) =>
		    [o.id, o.label])], c[dim] ?? '');
		fields.push(labelled(`case.${dim}`, controls[dim]));
	}
	if (!fields.length)
		return null;
	return actionForm('reclassify', fields, 'rc.go', () => {
		const body = { case: c.id };
		for (const [k, s] of Object.entries(controls))
			if (s.value !== (c[k] ?? ''))
				body[k] = s.value;
		return post('/v1/staff/case/reclassify', body).then(() => null);
	});
}

// The whole history from the audit chain (who did what, when; the API's
// `history`), with the reasons of state changes and transfers, which are
// sealed staff text, from their own lists.  Each such row is written with
// exactly one audit event, in order, so the n-th event from the end goes
// with the n-th row from the end (transfers from before schema 0252 have
// an event but no row).
function historyView(c) {
	const hist = c.history ?? [];
	const pair = (action, rows) => {
		const ev = hist.filter((h) => h.action === action);
		const off = ev.length - (rows ?? []).length;
		return new Map(ev.map((h, i) => [h, i >= off ? rows[i - off] : null]));
	};
	const trs = pair('case.transition', c.transitions);
	const xfs = pair('case.transfer', c.transfers);
	const refs = pair('case.referral', c.referrals);
	const rows = hist.map((h) => {
		const d = h.details ?? {};
		let what = t(`hist.${h.action}`);
		if (what === `hist.${h.action}`)
			what = h.action;
		let why = '';
		if (h.action === 'case.transition') {
			what += `: ${stateName(d.from)} → ${stateName(d.to)}`;
			why = trs.get(h)?.reason ?? '';
		} else if (h.action === 'case.transfer') {
			what += `: ${d.from ?? '?'} → ${d.to ?? '?'}`;
			const x = xfs.get(h);
			if (x?.assigned_before)
				what += ` (${t('hist.unassigned', { who: x.assigned_before })})`;
			why = x?.reason ?? '';
		} else if (h.action === 'identity.approve' ||
		    h.action === 'identity.refuse') {
			why = typeof d.reason === 'string' ? d.reason : '';
		} else if (h.action === 'case.referral') {
			const r = refs.get(h);
			if (r)
				what += `: ${r.organisation ?? ''}` +
				    `${r.reference ? ` (${r.reference})` : ''}`;
		}
		return [h.at, what, h.by, why];
	});
	if (!rows.length)
		return el('p', { text: t('hist.none') });
	return el('ol', { class: 'history' }, ...rows.map(([at, what, by, why]) =>
	    el('li', {}, el('span', { class: 'meta', text: `${fmtDate(at)} · ` }),
	    el('strong', { text: what }), by ? ` — ${by}` : '',
	    why ? el('span', { class: 'reason', text: ` “${why}”` }) : '')));
}

function identityView(c) {
	if (!c.contact_given)
		return el('p', { text: t('id.none') });
	const reason = el('input', { maxlength: 500, required: true });
	return actionForm('identity', [labelled('id.reason', reason)], 'id.go',
	    async () => {
		await post('/v1/staff/identity/request', { case: c.id,
		    reason: reason.value });
		return t('id.sent');
	});
}

export async function render(id, keepFocus = false) {
	caseId = id;
	let c;
	try {
		c = await get('/v1/staff/case', { id });
	} catch (e) {
		if (e instanceof ApiError && e.status === 404) {
			$('h-case').textContent = t('case.title');
			$('case-body').replaceChildren(el('p', { class: 'error',
			    text: e.message }));
			return;
		}
		throw e;
	}
	const active = keepFocus ? document.activeElement?.closest('section.panel')
	    ?.querySelector('h2')?.textContent : null;
	$('h-case').replaceChildren(`${t('case.title')} `,
	    el('span', { class: 'caseid', text: c.id }),
	    c.urgent ? el('span', { class: 'badge', text: ` ${t('case.urgent')}` }) : '');
	const [thread, reply] = messagesView(c);
	const [notes, noteForm] = notesView(c);
	$('case-body').replaceChildren(
	    el('div', { class: 'cols' },
		el('div', { class: 'col' },
		    section('case.report', reportView(c)),
		    section('case.attachments', attachView(c.id)),
		    section('case.messages', thread, reply),
		    section('case.notes', notes, noteForm)),
		el('div', { class: 'col' },
		    section('case.facts', factsView(c), claimView(c)),
		    section('case.deadlines', deadlinesView(c)),
		    section('case.transition', transitionView(c)),
		    section('case.referral', referralView(c)),
		    section('case.transfer', transferView(c)),
		    section('case.reclassify', reclassifyView(c)),
		    ...(c.contact_consent ? [section('uc.title',
			urgentContactView(c))] : []),
		    section('case.identity', identityView(c)),
		    section('case.history', historyView(c)))));
	if (active) {
		const h = [...$('case-body').querySelectorAll('h2')]
		    .find((x) => x.textContent === active);
		if (h) {
			h.tabIndex = -1;
			h.focus();
		}
	}
}

export function init() {
	$('back-to-list').addEventListener('click', () => ctx.go('cases'));
}
