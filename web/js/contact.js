// The optional contact step: how and when it is safe to call or write,
// in the reporter's own words, sealed in this browser (docs/crypto.md §8
// step 4) to the category's identity key, which only privacy officers
// hold.  They read it only after a handler asked with a reason, another
// officer approved, and the reporter was told in the inbox (art. 16(3)).
//
// Urgent reports (immediate danger, or travel within 14 days: the signals
// that route a report to the urgent queue, DESIGN §6) ask for it before
// the narrative and offer explicit consent that the urgent team may call
// at once.  With consent the same padded bytes are also sealed to every
// queue key of the category (the server keeps the routed urgent queue's
// copy, schema 0170): the handler on duty reads it without an officer
// (art. 16(1)), every read is recorded, and the inbox shows when.
//
// report.js calls contactSetup() once, contactRefresh() when the words
// or the answers change, contactMembers() when sealing, contactReview()
// for the review, contactClear() once sent.  Nothing is kept anywhere
// but in the form fields; "leave quickly" wipes them with the page.

import { fromBase64, fromHex, i2osp, toBase64, utf8, wipe } from './bytes.js';
import { $, el, onWipe, show } from './common.js';
import { keyId } from './envelope.js';
import { SUITE_DEFAULT, setupBaseS } from './hpke.js';
import { checkCovered } from './manifest.js';
import { t } from './i18n.js';

const FIELDS = [
	// id, input type, maximum bytes (docs/reporter-api.md)
	['name', 'text', 200],
	['phone', 'tel', 200],
	['email', 'email', 200],
	['note', 'textarea', 1000],
];
const BLOCK = 256;
const MAX_PADDED = 16128;

let getState = () => ({ category: null, answers: {} });

function node(id) {
	return $(`contact-${id}`);
}

// Is this report urgent by the signals the server routes on?  A travel
// date counts when it is today or within 14 days.
export function urgentSignals(cat, answers) {
	if (cat === null || cat === undefined)
		return false;
	if (answers.immediate_danger === true)
		return true;
	const d = answers.travel_date;
	if (typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d))
		return false;
	const day = 24 * 3600 * 1000;
	const now = new Date();
	const today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
	const at = Date.parse(`${d}T00:00:00Z`);
	return at >= today && at <= today + 14 * day;
}

// The details as given (only non-empty members), or null.
function details() {
	const out = {};
	for (const [id] of FIELDS) {
		const v = node(id)?.value ?? '';
		if (v.trim() !== '')
			out[id] = v;
	}
	return Object.keys(out).length ? out : null;
}

// Ticked and offered (the box is hidden unless the report is urgent and
// details are filled in; the whole form is hidden on the review step).
function consentChosen() {
	const box = node('consent');
	return !!box && !node('consent-box').hidden && box.checked;
}

function buildSection() {
	const fields = FIELDS.map(([id, type]) => {
		const iid = `contact-${id}`;
		const input = type === 'textarea' ?
		    el('textarea', { id: iid, rows: '3', spellcheck: 'false',
		    autocomplete: 'off', 'aria-describedby': `${iid}-help` }) :
		    el('input', { id: iid, type, autocomplete: 'off',
		    spellcheck: 'false', 'aria-describedby': `${iid}-help` });
		return el('div', { class: 'field',
		    'data-field': `/contact_details/${id}` },
		    el('label', { for: iid, 'data-contact': `contact.${id}` }),
		    el('p', { id: `${iid}-help`, class: 'help',
		    'data-contact': `contact.${id}.help` }), input);
	});
	const consent = el('div', { id: 'contact-consent-box',
	    class: 'consent', hidden: true,
	    'data-field': '/contact_consent /urgent_contact' },
	    el('label', { class: 'option', for: 'contact-consent' },
		el('input', { type: 'checkbox', id: 'contact-consent',
		'aria-describedby': 'contact-consent-help' }),
		el('span', { 'data-contact': 'contact.consent' })),
	    el('p', { id: 'contact-consent-help', class: 'help',
	    'data-contact': 'contact.consent.help' }));
	return el('section', { id: 'contact-section', hidden: true,
	    'aria-labelledby': 'h-contact',
	    'data-field': '/contact /contact_details' },
	    el('h2', { id: 'h-contact', 'data-contact': 'contact.title' }),
	    el('p', { id: 'contact-urgent-ask', class: 'note', hidden: true,
	    'data-contact': 'contact.urgent' }),
	    el('p', { class: 'note', 'data-contact': 'contact.who' }),
	    ...fields, consent,
	    el('p', { id: 'contact-error', class: 'error', role: 'alert',
	    hidden: true }));
}

// Build the section into the form (after the narrative) and follow every
// change of the answers.  get() returns { category, answers }.
export function contactSetup(form, get) {
	getState = get;
	if (node('section') === null)
		$('narrative-section').after(buildSection());
	form.addEventListener('change', () => contactRefresh());
	form.addEventListener('input', () => contactRefresh());
	contactRefresh();
}

// Words in the current language; shown with a category; for an urgent
// report moved before the narrative, with the consent offered.
export function contactRefresh() {
	const section = node('section');
	if (section === null)
		return;
	for (const e of section.querySelectorAll('[data-contact]'))
		e.textContent = t(e.dataset.contact);
	const { category, answers } = getState();
	const urgent = urgentSignals(category, answers);
	show(section, category !== null && category !== undefined);
	const narrative = $('narrative-section');
	if (urgent && section.nextElementSibling !== narrative)
		narrative.before(section);
	else if (!urgent && narrative.nextElementSibling !== section)
		narrative.after(section);
	show(node('urgent-ask'), urgent);
	show(node('consent-box'), urgent && details() !== null);
	show(node('error'), false);
}

// A problem with the details (too long) as { field: JSON pointer, msg }
// for report.js (fielderr.js shows it next to the field), or null.
export function contactValidate() {
	const d = details();
	for (const [id, , max] of FIELDS)
		if (d && d[id] !== undefined && utf8(d[id]).length > max)
			return { field: `/contact_details/${id}`,
			    msg: t('contact.toolong') };
	return null;
}

// The review lists the details under "encrypted", and the consent.
export function contactReview(dl) {
	const d = details();
	if (d === null)
		return;
	const text = FIELDS.filter(([id]) => d[id] !== undefined)
	    .map(([id]) => `${t(`contact.${id}`)}: ${d[id]}`).join('\n');
	dl.append(el('dt', { text: t('contact.title') }),
	    el('dd', { class: 'contact-review', text }));
	if (consentChosen())
		dl.append(el('dt', { text: t('contact.consent.review') }),
		    el('dd', { text: t('yes') }));
}

function keyOf(k) {
	if (!k || typeof k.public_key !== 'string' || typeof k.key_id !== 'string')
		throw new Error('contact: key missing');
	return { key_id: k.key_id, public_key: fromBase64(k.public_key) };
}

// HPKE base mode, default suite, info = label || key id (16 bytes).
async function sealCopy(pt, key, label) {
	if (await keyId(key.public_key) !== key.key_id)
		throw new Error('contact: key id does not match its key');
	const info = new Uint8Array([...utf8(label), ...fromHex(key.key_id)]);
	const { enc, ctx } = await setupBaseS(SUITE_DEFAULT, key.public_key,
	    info);
	const ct = await ctx.seal(new Uint8Array(0), pt);
	return { key_id: key.key_id, enc: toBase64(enc),
	    ciphertext: toBase64(ct) };
}

// The submission members for the contact: {} when none was given, else
// "contact" sealed to the identity key and, with consent on an urgent
// report, "contact_consent" and "urgent_contact" (one copy per queue key).
// Only keys the signed manifest lists are used (docs/crypto.md §10).
export async function contactMembers(doc, cat) {
	const d = details();
	if (d === null)
		return {};
	const json = utf8(JSON.stringify(d));
	const size = Math.ceil((json.length + 4) / BLOCK) * BLOCK;
	if (size > MAX_PADDED)
		throw new Error('contact: too long');
	const padded = new Uint8Array(size);
	padded.set(i2osp(json.length, 4), 0);
	padded.set(json, 4);
	try {
		const identity = keyOf(cat.keys?.identity);
		const consent = consentChosen() &&
		    urgentSignals(cat, getState().answers);
		const queues = consent ? (cat.keys?.queues ?? []).map(keyOf) : [];
		await checkCovered(doc, cat.id, [
			{ ...identity, purpose: 'identity' },
			...queues.map((q) => ({ ...q, purpose: 'queue' }))]);
		const out = { contact: await sealCopy(padded, identity,
		    'meldpunt-contact') };
		if (consent) {
			out.contact_consent = true;
			out.urgent_contact = [];
			for (const q of queues)
				out.urgent_contact.push(await sealCopy(padded, q,
				    'meldpunt-urgent-contact'));
		}
		return out;
	} finally {
		wipe(padded);
		wipe(json);
	}
}

// After sending: what the page tells about the contact, or ''.
export function contactDoneText(sent, res) {
	if (!sent.contact)
		return '';
	if (sent.contact_consent && res.urgent)
		return t('contact.done.consent');
	return t('contact.done.vault');
}

export function contactClear() {
	for (const [id] of FIELDS)
		if (node(id))
			node(id).value = '';
	if (node('consent'))
		node('consent').checked = false;
	contactRefresh();
}

onWipe(() => contactClear());
