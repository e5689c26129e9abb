// Building the console's DOM without HTML strings.  Every value that came
// from a reporter, a message or the server goes in as a text node or an
// attribute value set with setAttribute -- never through innerHTML,
// outerHTML, insertAdjacentHTML or document.write (the CSP enforces
// Trusted Types with no policy, so those would throw anyway).  No href,
// src or style attribute is ever set from data.

import { lang, t } from './i18n.js';

// el('p', { class: 'x', text: 'y' }, child, 'text', ...)
export function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === false || v === null || v === undefined)
			continue;
		if (k === 'text')
			e.textContent = v;
		else if (k === 'dataset')
			Object.assign(e.dataset, v);
		else if (k === 'on')
			for (const [ev, fn] of Object.entries(v))
				e.addEventListener(ev, fn);
		else
			e.setAttribute(k, v === true ? '' : String(v));
	}
	for (const c of children)
		if (c !== null && c !== undefined && c !== false)
			e.append(c);
	return e;
}

export function $(id) {
	return document.getElementById(id);
}

export function show(node, on = true) {
	node.hidden = !on;
}

let uid = 0;
// A fresh element id for label/for and aria pairs.
export function nextId(prefix) {
	uid += 1;
	return `${prefix}-${uid}`;
}

// A labelled control: returns [wrapper, control].
export function field(labelKey, control, { help } = {}) {
	if (!control.id)
		control.id = nextId('fld');
	const p = el('p', { class: 'field' },
	    el('label', { for: control.id, text: t(labelKey) }), el('br'), control);
	if (help)
		p.append(el('span', { class: 'help', text: help }));
	return [p, control];
}

export function select(options, value) {
	const s = el('select');
	for (const [v, label] of options)
		s.append(el('option', { value: v, text: label }));
	if (value !== undefined)
		s.value = value;
	return s;
}

// "2026-12-01" or an RFC 3339 time, shown in the console's language.
export function fmtDate(s) {
	if (typeof s !== 'string' || s.length === 0)
		return '';
	const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
	const d = new Date(dateOnly ? `${s}T12:00:00Z` : s);
	if (Number.isNaN(d.getTime()))
		return s;
	const opts = dateOnly ? { dateStyle: 'medium', timeZone: 'UTC' } :
	    { dateStyle: 'medium', timeStyle: 'short' };
	return new Intl.DateTimeFormat(lang(), opts).format(d);
}

// Time left until a deadline (a date means the end of that day, UTC).
export function timeLeft(due, now = Date.now()) {
	const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(due);
	const end = new Date(dateOnly ? `${due}T23:59:59Z` : due).getTime();
	const ms = end - now;
	const abs = Math.abs(ms);
	let txt;
	if (abs >= 2 * 86400000)
		txt = t('dl.days', { n: Math.floor(abs / 86400000) });
	else if (abs >= 2 * 3600000)
		txt = t('dl.hours', { n: Math.floor(abs / 3600000) });
	else
		txt = t('dl.minutes', { n: Math.max(0, Math.floor(abs / 60000)) });
	return { over: ms < 0, text: ms < 0 ? `${t('dl.over')} ${txt}` :
	    `${t('dl.left')} ${txt}` };
}

// A case number as people read it: K7M4-QX2P.
export function caseNumber(n) {
	return typeof n === 'string' && n.length === 8 ?
	    `${n.slice(0, 4)}-${n.slice(4)}` : (n ?? '');
}

export function stateName(s) {
	return t(`state.${s}`);
}

// A status line for screen readers and eyes: role=status on #status.
export function say(msg, isError = false) {
	const s = $('status');
	s.textContent = msg;
	s.classList.toggle('error', isError);
}

// What the signed-in console holds in memory: the user (GET /v1/staff/me),
// the form labels in the console's language, the caller's queues.  Wiped
// at sign-out.  ctx.go(view, arg) switches views (set by app.js).
export const ctx = { me: null, forms: null, queues: [], go: null };

// The form's label for a category, subtype, question or option id.
export function catOf(id) {
	return ctx.forms?.categories?.find((c) => c.id === id) ?? null;
}

export function catLabel(id) {
	return catOf(id)?.label ?? id;
}

export function subtypeLabel(cat, id) {
	return catOf(cat)?.subtypes?.find((s) => s.id === id)?.label ?? id;
}

export function questionOf(cat, qid) {
	return catOf(cat)?.questions?.find((q) => q.id === qid) ?? null;
}

export function optionLabel(cat, qid, v) {
	return questionOf(cat, qid)?.options?.find((o) => o.id === v)?.label ?? v;
}

// A table with a caption, header row and rows of cells (nodes or text).
export function table(caption, heads, rows) {
	const thead = el('thead', {}, el('tr', {}, ...heads.map((h) =>
	    el('th', { scope: 'col', text: h }))));
	const tbody = el('tbody', {}, ...rows.map((r) => el('tr', {},
	    ...r.map((c) => el('td', {}, c ?? '')))));
	return el('table', {}, el('caption', { text: caption }), thead, tbody);
}
