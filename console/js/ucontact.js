// The contact details a reporter of an urgent case gave with explicit
// consent that the urgent team may call at once (schema 0170,
// GET /v1/staff/case/urgent-contact).  Shown only on request: every read
// is recorded in the audit log and the reporter's inbox says when the team
// first read them.  Only members of the urgent queue that holds the case
// can read them; anyone else gets the server's refusal, shown as text.
// Everything the reporter wrote is set with textContent via el().

import { get } from './api.js';
import { el } from './dom.js';
import { t } from './i18n.js';

const FIELDS = ['name', 'phone', 'email', 'note'];

export function urgentContactView(c) {
	const out = el('div', { class: 'ucontact' });
	const button = el('button', { type: 'button', text: t('uc.show') });
	button.addEventListener('click', async () => {
		button.disabled = true;
		try {
			const r = await get('/v1/staff/case/urgent-contact',
			    { id: c.id });
			const d = el('dl', { class: 'facts' });
			for (const f of FIELDS)
				if (typeof r.contact?.[f] === 'string' &&
				    r.contact[f] !== '')
					d.append(el('dt', { text: t(`uc.${f}`) }),
					    el('dd', { class: 'ucontact-value',
					    text: r.contact[f] }));
			out.replaceChildren(d, el('p', { class: 'meta',
			    text: t('uc.recorded') }));
		} catch (e) {
			out.replaceChildren(el('p', { class: 'error', role: 'alert',
			    text: e.message || t('uc.refused') }));
		} finally {
			button.disabled = false;
		}
	});
	return el('div', {}, el('p', { text: t('uc.who') }),
	    el('p', {}, button), out);
}
