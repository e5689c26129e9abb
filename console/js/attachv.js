// Attachments in the case view: the list the staff process opened with
// the case's DEK (names, types and sizes were sealed by the reporter's
// browser), and per file a button that fetches its parts through the
// audited staff API (GET /v1/staff/case/attachment, one event per part)
// and offers the joined bytes as a download.
//
// The reporter chose the bytes, so they are never rendered here: the Blob
// is application/octet-stream and the link has a download name, so an
// HTML or SVG "attachment" cannot run in the console's origin.  Names are
// shown with textContent like everything the reporter wrote.

import { blob, get } from './api.js';
import { el } from './dom.js';
import { t } from './i18n.js';

const urls = [];

// Object URLs live until the next case is opened.
function forget() {
	while (urls.length)
		URL.revokeObjectURL(urls.pop());
}

function size(n) {
	return n < 1024 * 1024 ? `${Math.ceil(n / 1024)} KiB` :
	    `${Math.round(n / 104857.6) / 10} MiB`;
}

async function open(id, a, button) {
	button.disabled = true;
	button.textContent = t('att.opening');
	const parts = [];
	for (let p = 0; p < a.parts; p++)
		parts.push((await blob('/v1/staff/case/attachment',
		    { id, n: a.n, part: p })).blob);
	const u = URL.createObjectURL(new Blob(parts,
	    { type: 'application/octet-stream' }));
	urls.push(u);
	const link = el('a', { href: u, download: a.name || `attachment-${a.n}`,
	    class: 'button att-save', text: t('att.save', { name: a.name }) });
	button.replaceWith(link);
	link.focus();
}

async function load(id, box) {
	const doc = await get('/v1/staff/case/attachments', { id });
	if (doc.attachments.length === 0) {
		box.replaceChildren(el('p', { text: t('att.none') }));
		return;
	}
	const ul = el('ul', { class: 'attachments' });
	for (const a of doc.attachments) {
		if (a.error) {
			ul.append(el('li', { class: 'error',
			    text: t('att.undecryptable', { n: a.n }) }));
			continue;
		}
		const b = el('button', { type: 'button', class: 'att-open',
		    text: t('att.open', { name: a.name }) });
		b.addEventListener('click', () => open(id, a, b).catch((e) => {
			b.disabled = false;
			b.textContent = e.message || t('att.error');
		}));
		ul.append(el('li', {}, b, ` ${a.type}, ${size(a.size)}`));
	}
	box.replaceChildren(ul);
}

// The panel body for case id; it fills itself in when the list arrives.
export function attachView(id) {
	forget();
	const box = el('div', {}, el('p', { text: t('att.loading') }));
	load(id, box).catch((e) => box.replaceChildren(el('p',
	    { class: 'error', text: e.message || t('att.error') })));
	return box;
}
