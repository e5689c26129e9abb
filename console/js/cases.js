// The case list: filters (queue, state, priority, overdue, subtype, date
// range), keyset paging with the API's cursor, and opening a case by its
// case number (what the reporter reads from the inbox, e.g. on the
// phone; GET /v1/staff/case/find) or by its id.

import { ApiError, get } from './api.js';
import { $, caseNumber, catOf, ctx, el, fmtDate, say, show, stateName,
    subtypeLabel, table, timeLeft } from './dom.js';
import { t } from './i18n.js';

const STATES = ['new', 'acknowledged', 'in_progress', 'referred', 'resolved',
    'unfounded', 'withdrawn', 'closed'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Typed by a person: case, spaces and a dash forgiven (as the server does).
const NUMBER = /^[2-9A-HJ-NP-Z]{8}$/;

let cursor = null;	// the "next" of the page shown
let pageStart = null;	// the "after" the page shown was asked with

export function reset() {
	cursor = null;
	pageStart = null;
}

function options(sel, list, keep) {
	const v = keep ?? sel.value;
	sel.replaceChildren(...list.map(([value, label]) =>
	    el('option', { value, text: label })));
	if (list.some(([value]) => value === v))
		sel.value = v;
}

function fillFilters(arg) {
	const queues = ctx.queues.map((q) => [q.name, q.name]);
	options($('f-queue'), queues, arg?.queue);
	options($('f-state'), [['', t('f.any')], ...STATES.map((s) =>
	    [s, stateName(s)])]);
	options($('f-priority'), [['', t('f.any')], ...[1, 2, 3, 4, 5].map((p) =>
	    [String(p), String(p)])]);
	options($('f-overdue'), [['', t('f.any')], ['true', t('yes')],
	    ['false', t('no')]]);
	const q = ctx.queues.find((x) => x.name === $('f-queue').value);
	const subs = catOf(q?.category)?.subtypes ?? [];
	options($('f-subtype'), [['', t('f.any')], ...subs.map((s) =>
	    [s.id, s.label])]);
}

function dueCell(c) {
	const open = ['new', 'acknowledged', 'in_progress'].includes(c.state);
	if (!open)
		return '';
	const due = c.urgent && !c.first_contact_on ? c.first_response_due :
	    !c.first_contact_on ? c.ack_due : c.feedback_due;
	if (!due)
		return '';
	const tl = timeLeft(due);
	return el('span', { class: tl.over || c.overdue?.length ? 'over' : '',
	    text: tl.text });
}

async function load(after) {
	const params = {
		queue: $('f-queue').value, state: $('f-state').value,
		priority: $('f-priority').value, overdue: $('f-overdue').value,
		subtype: $('f-subtype').value, from: $('f-from').value,
		to: $('f-to').value, limit: 25, after,
	};
	if (!params.queue) {
		$('case-table').replaceChildren(el('p', { text: t('cases.none') }));
		return;
	}
	const doc = await get('/v1/staff/cases', params);
	pageStart = after ?? null;
	cursor = doc.next ?? null;
	const q = ctx.queues.find((x) => x.name === params.queue);
	if (doc.cases.length === 0)
		$('case-table').replaceChildren(el('p', { text: t('cases.none') }));
	else
		$('case-table').replaceChildren(table(t('cases.caption'),
		    [t('col.case'), t('col.received'), t('col.state'),
		    t('col.priority'), t('col.subtype'), t('col.assigned'),
		    t('col.due')], doc.cases.map((c) => [
			el('button', { type: 'button', class: 'link',
			    text: caseNumber(c.case_number) || c.id.slice(0, 8),
			    'aria-label': `${t('case.title')} ${caseNumber(c.case_number)}`,
			    dataset: { case: c.id },
			    on: { click: () => ctx.go('case', c.id) } },
			    c.urgent ? el('span', { class: 'badge',
			    text: ` ${t('case.urgent')}` }) : null),
			fmtDate(c.received_on), stateName(c.state),
			String(c.priority), subtypeLabel(q?.category, c.subtype),
			c.assigned_to ?? '—', dueCell(c)])));
	show($('next-page'), cursor !== null);
	show($('first-page'), pageStart !== null);
}

export async function render(arg) {
	fillFilters(arg);
	await load(arg?.after ?? null);
}

async function find() {
	const typed = $('find-id').value.trim();
	const id = typed.toLowerCase();
	const number = typed.toUpperCase().replace(/[\s-]/g, '');
	if (UUID.test(id)) {
		$('find-id').value = '';
		ctx.go('case', id);
		return;
	}
	if (!NUMBER.test(number)) {
		say(t('find.bad'), true);
		$('find-id').focus();
		return;
	}
	let doc;
	try {
		doc = await get('/v1/staff/case/find', { number });
	} catch (e) {
		if (e instanceof ApiError && e.status === 404) {
			say(e.message, true);
			$('find-id').focus();
			return;
		}
		throw e;
	}
	$('find-id').value = '';
	ctx.go('case', doc.case);
}

export function init() {
	$('filters').addEventListener('submit', (ev) => {
		ev.preventDefault();
		load(null).catch(ctx.failed);
	});
	$('f-queue').addEventListener('change', () => fillFilters());
	$('next-page').addEventListener('click', () => {
		load(cursor).then(() => $('case-table').querySelector('button')
		    ?.focus()).catch(ctx.failed);
	});
	$('first-page').addEventListener('click', () => load(null).catch(ctx.failed));
	$('find').addEventListener('submit', (ev) => {
		ev.preventDefault();
		find().catch(ctx.failed);
	});
}
