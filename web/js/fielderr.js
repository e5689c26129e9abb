// Errors shown next to the field they are about.  Every field of a page
// that a server error can point at carries data-field="<JSON pointer>"
// (report.js sets it on the questions; the narrative, the contact and
// attachment parts set their own; several pointers separated by spaces).  An error names the field by its
// label, in the page's language, is written next to it (and linked with
// aria-describedby), marks the control aria-invalid and takes the focus
// there, so a reporter on a phone or with a screen reader lands on what
// to fix.

import { el } from './common.js';

// The element marked for pointer, or for the nearest enclosing member
// ("/contact_details/name" falls back to "/contact_details").
export function fieldFor(pointer) {
	if (typeof pointer !== 'string' || !pointer.startsWith('/'))
		return null;
	for (let p = pointer; p.length > 0; p = p.slice(0, p.lastIndexOf('/'))) {
		for (const node of document.querySelectorAll('[data-field]'))
			if (node.dataset.field.split(' ').includes(p))
				return node;
	}
	return null;
}

// The control in a field that takes the focus.
function control(field) {
	if (field.matches('input, select, textarea'))
		return field;
	return field.querySelector('input:not([type="hidden"]), select, ' +
	    'textarea');
}

// The label the reporter sees for a field.
export function labelOf(field) {
	const legend = field.tagName === 'FIELDSET' ?
	    field.querySelector('legend') : null;
	const c = control(field);
	const label = legend ?? (c?.labels?.[0] && c.type !== 'radio' ?
	    c.labels[0] : field.querySelector('label, legend'));
	return (label?.textContent ?? '').trim();
}

function box(field) {
	return field.matches('input, select, textarea') ?
	    field.closest('.field') ?? field.parentElement : field;
}

export function clearFieldErrors(root = document) {
	for (const p of root.querySelectorAll('.field-error')) {
		const f = p.parentElement;
		for (const c of f.querySelectorAll('[aria-invalid]')) {
			c.removeAttribute('aria-invalid');
			const ids = (c.getAttribute('aria-describedby') ?? '')
			    .split(' ').filter((x) => x && x !== p.id);
			if (ids.length)
				c.setAttribute('aria-describedby', ids.join(' '));
			else
				c.removeAttribute('aria-describedby');
		}
		p.remove();
	}
}

let seq = 0;

// Show msg next to field ("<label> — <msg>", or msg alone when named says
// it names the field already), focus its control; returns the text
// shown, for a summary elsewhere on the page.
export function showFieldError(field, msg, named = false) {
	const where = box(field);
	const label = labelOf(where);
	const text = label && !named ? `${label} — ${msg}` : msg;
	const id = `field-error-${++seq}`;
	const p = el('p', { class: 'field-error', id, text });
	const heading = where.querySelector(':scope > legend, :scope > label');
	if (heading)
		heading.after(p);
	else
		where.prepend(p);
	const c = control(where);
	for (const x of where.querySelectorAll('input, select, textarea')) {
		x.setAttribute('aria-invalid', 'true');
		x.setAttribute('aria-describedby', [x.getAttribute(
		    'aria-describedby'), id].filter(Boolean).join(' '));
	}
	const clear = () => clearFieldErrors(where);
	where.addEventListener('input', clear, { once: true });
	where.addEventListener('change', clear, { once: true });
	c?.focus();
	return text;
}
