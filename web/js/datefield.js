// A date chooser in the page's language.  The native <input type="date">
// is drawn in the browser's own locale, not the page's: a Dutch reporter
// on an English browser sees mm/dd/yyyy, and no attribute changes that.
// So: three labelled <select>s -- day, month by name, year -- in the
// order the page's language writes dates (i18n.js dateOrder()).  The
// value is YYYY-MM-DD once all three are chosen, '' otherwise.

import { el } from './common.js';
import { dateOrder, lang, monthNames, t } from './i18n.js';

function daysIn(y, m) {
	return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function pad(n) {
	return String(n).padStart(2, '0');
}

// { id, label, note, help (a node or null), value, required, years,
// field (the JSON pointer a server error names, fielderr.js),
// onChange(value) }: a <fieldset id=id> whose selects are id-day,
// id-month and id-year.
export function dateField({ id, label, note, help, value, required,
    years, field, onChange }) {
	const [y0, m0, d0] = /^\d{4}-\d{2}-\d{2}$/.test(value ?? '') ?
	    value.split('-').map(Number) : [0, 0, 0];
	const now = new Date().getUTCFullYear();
	const ys = years ?? [now, now + 1, now + 2];
	const sel = (part, options, chosen) => {
		const s = el('select', { id: `${id}-${part}` },
		    el('option', { value: '', text: '…' }),
		    ...options.map(([v, text]) => el('option', { value: String(v),
		    text })));
		s.value = chosen ? String(chosen) : '';
		s.required = !!required;
		return s;
	};
	const day = sel('day', Array.from({ length: 31 }, (_, i) =>
	    [i + 1, String(i + 1)]), d0);
	const month = sel('month', monthNames(lang()).map((n, i) => [i + 1, n]),
	    m0);
	const year = sel('year', ys.map((y) => [y, String(y)]), y0);
	const parts = { day, month, year };

	// No 31 February: the days follow the month and year.
	const fitDays = () => {
		const n = daysIn(Number(year.value) || 2024,
		    Number(month.value) || 1);
		for (const o of day.options)
			o.disabled = o.value !== '' && Number(o.value) > n;
		if (Number(day.value) > n)
			day.value = '';
	};
	const changed = () => {
		fitDays();
		const v = day.value && month.value && year.value ?
		    `${year.value}-${pad(month.value)}-${pad(day.value)}` : '';
		onChange?.(v);
	};
	for (const s of [day, month, year])
		s.addEventListener('change', changed);
	fitDays();

	const fs = el('fieldset', { class: 'field date', id,
	    'aria-describedby': help?.id ?? null, 'data-field': field ?? null },
	    el('legend', {}, label, note));
	if (help)
		fs.append(help);
	const row = el('div', { class: 'date-parts' });
	for (const p of dateOrder(lang()))
		row.append(el('label', { class: 'date-part', for: parts[p].id },
		    el('span', { text: t(`date.${p}`) }), parts[p]));
	fs.append(row);
	return fs;
}
