// The operator's trust content (issue 17): who runs this hotline, its
// privacy statement and other places to get help, in the page's language,
// from the "trust" member of GET /v1/forms (trust_file in the daemon's
// configuration, docs/reporter-api.md).  Text only: names, hours and
// notes go into textContent; a phone number becomes a tel: link and a
// URL an https link only after the same checks the daemon made.

import { $, el, show } from './common.js';

function telHref(phone) {
	return /^[0-9 +()-]{3,32}$/.test(phone) ?
	    `tel:${phone.replace(/[^0-9+]/g, '')}` : null;
}

// The URL and the host to show, or null.
function safeUrl(url) {
	if (typeof url !== 'string' || !/^https:\/\/[!-~]+$/.test(url) ||
	    /["'<>\\`]/.test(url))
		return null;
	try {
		return { href: url, host: new URL(url).host };
	} catch {
		return null;
	}
}

function contactItem(c) {
	const li = el('li', {}, el('strong', { text: c.name ?? '' }));
	const tel = typeof c.phone === 'string' ? telHref(c.phone) : null;
	if (tel)
		li.append(' ', el('a', { href: tel, dir: 'ltr', text: c.phone }));
	const url = safeUrl(c.url);
	if (url)
		li.append(' ', el('a', { href: url.href,
		    rel: 'noreferrer noopener', dir: 'ltr', text: url.host }));
	if (c.hours)
		li.append(el('br'), el('span', { class: 'note', text: c.hours }));
	if (c.note)
		li.append(el('br'), el('span', { class: 'note', text: c.note }));
	return li;
}

// Fill the page's #trust section and brand from a /v1/forms document;
// without trust content the section stays hidden.
export function renderTrust(doc) {
	const tr = doc?.trust;
	const box = $('trust');
	if (!tr || typeof tr !== 'object' || box === null) {
		if (box)
			show(box, false);
		return;
	}
	if (typeof tr.organisation === 'string' && tr.organisation !== '')
		for (const b of document.querySelectorAll('.brand'))
			b.textContent = tr.organisation;
	const contacts = Array.isArray(tr.contacts) ? tr.contacts : [];
	$('trust-contacts').replaceChildren(...contacts.map(contactItem));
	show($('trust-contacts-box'), contacts.length > 0);
	$('trust-privacy').textContent = typeof tr.privacy === 'string' ?
	    tr.privacy : '';
	show($('trust-privacy-box'), typeof tr.privacy === 'string');
	show(box, true);
}
