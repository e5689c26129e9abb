// What both pages share: building DOM nodes without HTML strings (the CSP
// enforces Trusted Types, so innerHTML would throw), calls to the public
// API, the language switch and the "leave quickly" control.
//
// Privacy rules this file enforces for both pages: nothing is written to
// cookies, localStorage, sessionStorage, IndexedDB or the URL; requests
// carry no credentials and no referrer and bypass the HTTP cache.

import { LANGS, langName, setLanguage, t } from './i18n.js';

// el('p', { class: 'x', for: 'id' }, 'text', childNode, ...)
export function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === false || v === null || v === undefined)
			continue;
		if (k === 'text')
			e.textContent = v;
		else if (k === 'dataset')
			Object.assign(e.dataset, v);
		else
			e.setAttribute(k, v === true ? '' : String(v));
	}
	for (const c of children)
		if (c !== null && c !== undefined)
			e.append(c);
	return e;
}

export function $(id) {
	return document.getElementById(id);
}

export function show(node, on = true) {
	node.hidden = !on;
}

export class ApiError extends Error {
	constructor(status, code, message, field) {
		super(message || code || String(status));
		this.status = status;
		this.code = code;
		this.field = field;
	}
}

// JSON in, JSON out.  token: a reporter session token, sent as a bearer
// token; it lives in the caller's memory only.  raw: a body already
// serialised (a retry must resend the very same bytes); extra: more
// request headers.
export async function api(method, path, { body, raw, token, lang,
    extra } = {}) {
	const headers = { Accept: 'application/json', ...(extra ?? {}) };
	if (raw === undefined && body !== undefined)
		raw = JSON.stringify(body);
	if (raw !== undefined)
		headers['Content-Type'] = 'application/json';
	if (token)
		headers.Authorization = `Bearer ${token}`;
	if (lang)
		headers['Accept-Language'] = lang;
	let res;
	try {
		res = await fetch(path, {
			method, headers,
			body: raw,
			credentials: 'omit', cache: 'no-store',
			referrerPolicy: 'no-referrer', redirect: 'error',
		});
	} catch {
		throw new ApiError(0, 'network', t('error.generic'));
	}
	let doc = null;
	const text = await res.text();
	if (text.length > 0) {
		try {
			doc = JSON.parse(text);
		} catch {
			doc = null;
		}
	}
	if (!res.ok) {
		const e = doc?.error ?? {};
		throw new ApiError(res.status, e.code, e.message, e.field ?? e.pointer);
	}
	return doc;
}

// The language <select>: changing it re-labels the page in place; the URL
// stays as it is and nothing is remembered.
export function setupLanguage(select, onChange) {
	select.replaceChildren(...LANGS.map((l) =>
	    el('option', { value: l, lang: l, dir: l === 'ar' ? 'rtl' : 'ltr' },
	    langName(l))));
	select.addEventListener('change', () => {
		setLanguage(select.value);
		onChange?.(select.value);
	});
}

const wipers = [];

// Register a function that forgets what a page module holds in memory.
export function onWipe(fn) {
	wipers.push(fn);
}

export function wipeAll() {
	for (const fn of wipers) {
		try {
			fn();
		} catch {
			/* keep wiping the rest */
		}
	}
	for (const f of document.querySelectorAll('form'))
		f.reset();
	for (const x of document.querySelectorAll('input, textarea'))
		x.value = '';
}

// "Leave quickly": forget everything, blank the document at once (so
// nothing lingers while the next page loads), and replace this history
// entry with an empty page, so Back does not return here.
export function leaveQuickly() {
	wipeAll();
	document.title = '';
	document.body.replaceChildren();
	location.replace('about:blank');
}

export function setupLeave(button) {
	button.addEventListener('click', leaveQuickly);
}

// A page leaving by other means (a link, closing the tab) also forgets
// what it showed, so the back/forward cache keeps no filled-in form or
// receipt.
export function wipeOnPageHide() {
	addEventListener('pagehide', () => {
		wipeAll();
		document.body.replaceChildren();
	});
}

export function formatDate(s, lang) {
	if (typeof s !== 'string' || s.length === 0)
		return '';
	const d = new Date(s.length === 10 ? `${s}T12:00:00Z` : s);
	if (Number.isNaN(d.getTime()))
		return s;
	const opts = s.length === 10 ?
	    { dateStyle: 'long', timeZone: 'UTC' } :
	    { dateStyle: 'long', timeStyle: 'short' };
	try {
		return new Intl.DateTimeFormat(lang, opts).format(d);
	} catch {
		return s;
	}
}
