// What both pages share: building DOM nodes without HTML strings (the CSP
// enforces Trusted Types, so innerHTML would throw), calls to the public
// API, the language switch and the "leave quickly" control.
//
// Privacy rules this file enforces for both pages: nothing is written to
// cookies, localStorage, sessionStorage, IndexedDB or the URL; requests
// carry no credentials and no referrer and bypass the HTTP cache.

import { LANGS, dateFormat, langName, setLanguage, t } from './i18n.js';

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
	constructor(status, code, message, field, label) {
		super(message || code || String(status));
		this.status = status;
		this.code = code;
		this.field = field;	// a JSON pointer to the member at fault
		this.label = label;	// that member's label, in the page's language
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
		throw new ApiError(res.status, e.code, e.message, e.field ?? e.pointer,
		    e.label);
	}
	return doc;
}

// The language <select>: changing it re-labels the page in place; the URL
// stays as it is and nothing is remembered (links to the other page carry
// the choice: i18n.js carryLanguage()).
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
// entry with an empty page, so Back does not return here.  A page can
// replace only its own entry: entries of earlier pages stay (which is why
// followHotlineLinks() keeps the hotline to one entry), and the browser's
// own history list is out of a page's reach.
export function leaveQuickly() {
	wipeAll();
	document.title = '';
	document.body.replaceChildren();
	location.replace('about:blank');
}

// Where the Escape key needs a second press: a field the reporter types
// or picks in, where a single Escape is used to cancel an input method,
// a date picker or a suggestion.
function typingIn(node) {
	if (!(node instanceof Element))
		return false;
	if (node.isContentEditable || node.tagName === 'TEXTAREA' ||
	    node.tagName === 'SELECT')
		return true;
	return node.tagName === 'INPUT' && !['button', 'checkbox', 'radio',
	    'submit', 'reset'].includes(node.type);
}

export const ESCAPE_TWICE_MS = 1500;

// Escape leaves quickly: at once, or -- while the focus is in a text
// field, a date or a list -- with a second Escape within 1.5 seconds.
// An Escape that ends an input method's composition never counts.
export function setupEscape(leave = leaveQuickly) {
	let armed = 0;
	addEventListener('keydown', (ev) => {
		if (ev.key !== 'Escape' || ev.isComposing || ev.keyCode === 229)
			return;
		const now = ev.timeStamp;
		if (!typingIn(document.activeElement) ||
		    (armed > 0 && now - armed <= ESCAPE_TWICE_MS)) {
			ev.preventDefault();
			leave();
			return;
		}
		armed = now;
	}, true);
}

// Links between the hotline's own pages replace the current history
// entry instead of adding one, so the tab's history holds at most one
// entry of the hotline -- the one "leave quickly" replaces.
export function followHotlineLinks() {
	addEventListener('click', (ev) => {
		const a = ev.target instanceof Element ? ev.target.closest('a[href]') :
		    null;
		if (a === null || ev.defaultPrevented || ev.button !== 0 ||
		    ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey ||
		    (a.target && a.target !== '_self'))
			return;
		const url = new URL(a.href, location.href);
		if (url.origin !== location.origin)
			return;
		ev.preventDefault();
		location.replace(url.href);
	});
}

export function setupLeave(button) {
	button.addEventListener('click', leaveQuickly);
	button.setAttribute('aria-keyshortcuts', 'Escape');
	setupEscape();
	followHotlineLinks();
	keepFocusBelowHeader();
}

// The header is sticky: whatever gets the focus or is scrolled to must
// land below it, not under it.  Its height (it wraps on a phone) is kept
// in --header-h, which the style sheet's scroll-padding-top uses.
export function keepFocusBelowHeader() {
	const header = document.querySelector('header.top');
	if (header === null)
		return;
	const set = () => document.documentElement.style.setProperty(
	    '--header-h', `${Math.ceil(header.getBoundingClientRect().height)}px`);
	set();
	if (typeof ResizeObserver === 'function')
		new ResizeObserver(set).observe(header);
}

// Move the focus to a section's heading and bring the heading into view
// below the sticky header (a focused <section> would scroll its middle,
// or its top under the header, into view).
export function focusHeading(section) {
	const h = section.querySelector('h1, h2, h3') ?? section;
	if (!h.hasAttribute('tabindex') && h !== section)
		h.setAttribute('tabindex', '-1');
	h.focus({ preventScroll: true });
	h.scrollIntoView({ block: 'start' });
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
		// The page's locale (i18n.js), never the browser's.
		return dateFormat(lang, opts).format(d);
	} catch {
		return s;
	}
}
