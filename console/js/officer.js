// Privacy officers: the pending identity requests, approve or refuse with
// a reason (required to refuse; sealed under the case key and shown to
// the case's handlers in its history), and then read the contact details
// of an approved request.  The contact is the reporter's text and is
// shown as text only.

import { get, post } from './api.js';
import { $, ctx, el, fmtDate, nextId, say, table } from './dom.js';
import { t } from './i18n.js';

const approved = new Map();	// request id -> case id, this session only

async function decide(r, approve, reasonInput) {
	const reason = reasonInput.value.trim();
	if (!approve && !reason) {
		say(t('officer.reason.needed'), true);
		reasonInput.focus();
		return;
	}
	await post('/v1/staff/identity/decide', { request: r.id, approve,
	    ...(reason ? { reason } : {}) });
	if (approve)
		approved.set(r.id, r.case);
	say(t('officer.decided'));
	await render();
}

async function readContact(id) {
	const doc = await get('/v1/staff/identity/contact', { request: id });
	const labels = Object.fromEntries((ctx.forms?.contact?.fields ?? [])
	    .map((f) => [f.id, f.label]));
	const d = el('dl', { class: 'facts', id: 'contact-details' });
	for (const [k, v] of Object.entries(doc.contact ?? {}))
		d.append(el('dt', { text: labels[k] ?? k }),
		    el('dd', { class: 'pre', text: typeof v === 'string' ? v :
		    JSON.stringify(v) }));
	const h = el('h2', { id: 'h-contact', tabindex: -1,
	    text: `${t('officer.contact')} — ${doc.case}` });
	$('officer-contact').replaceChildren(el('section',
	    { 'aria-labelledby': 'h-contact', class: 'panel' }, h, d));
	h.focus();
}

export async function render() {
	const doc = await get('/v1/staff/identity/requests');
	const rows = doc.requests.map((r) => {
		const why = el('input', { id: nextId('why'), maxlength: 2000,
		    class: 'decision-reason',
		    'aria-label': `${t('officer.reason')} ${r.case}` });
		return [
			el('span', { class: 'caseid', text: r.case }),
			r.requested_by ?? '', r.reason ?? '', fmtDate(r.requested_at),
			el('span', { class: 'actions' }, why,
			    el('button', { type: 'button', text: t('officer.approve'),
			    'aria-label': `${t('officer.approve')} ${r.case}`,
			    on: { click: () => decide(r, true, why)
			    .catch(ctx.failed) } }),
			    el('button', { type: 'button', text: t('officer.refuse'),
			    'aria-label': `${t('officer.refuse')} ${r.case}`,
			    on: { click: () => decide(r, false, why)
			    .catch(ctx.failed) } })),
		];
	});
	const parts = [rows.length ? table(t('officer.caption'), [t('col.case'),
	    t('col.by'), t('col.reason'), t('col.at'), t('col.action')], rows) :
	    el('p', { text: t('officer.none') })];
	if (approved.size)
		parts.push(el('ul', { class: 'approved' }, ...[...approved].map(
		    ([id, c]) => el('li', {}, el('button', { type: 'button',
		    text: `${t('officer.read')}: ${c}`,
		    on: { click: () => readContact(id).catch(ctx.failed) } })))));
	$('officer-list').replaceChildren(...parts);
}

export function reset() {
	approved.clear();
}
