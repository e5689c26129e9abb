// Researchers: one export (grouping, period, k, ε) through
// GET /v1/research/stats, shown as a table and a bar chart drawn here
// with DOM calls (no HTML strings), with the budget left.  Downloads:
// the JSON just received, or the same export again as CSV or SVG from
// the server -- each of those is an export of its own (it costs ε again,
// and with ε > 0 its noise differs).

import { blob, get } from './api.js';
import { $, el, say, show, table } from './dom.js';
import { t } from './i18n.js';

const DIMS = ['month', 'quarter', 'year', 'category', 'subtype', 'province',
    'ground', 'sector', 'outcome'];
const SVGNS = 'http://www.w3.org/2000/svg';

let last = null;	// { params, text }
let urls = [];

function params() {
	const group = DIMS.filter((d) => $(`rg-${d}`).checked).join(',');
	return { group, from: $('r-from').value, to: $('r-to').value,
	    k: $('r-k').value, epsilon: $('r-eps').value };
}

function svg(tag, attrs = {}, ...kids) {
	const e = document.createElementNS(SVGNS, tag);
	for (const [k, v] of Object.entries(attrs))
		e.setAttribute(k, String(v));
	for (const c of kids)
		e.append(c);
	return e;
}

// Bars of the interior cells (no totals), labelled by their levels.
function chart(doc) {
	const dims = doc.parameters.group;
	const cells = doc.cells.filter((c) => !c.total);
	const max = Math.max(1, ...cells.map((c) => c.n ?? 0));
	const w = 28, gap = 8, h = 200, left = 40;
	const width = left + cells.length * (w + gap) + 20;
	const g = svg('svg', { viewBox: `0 0 ${width} ${h + 120}`, width,
	    height: h + 120, role: 'img', 'aria-labelledby': 'r-chart-title',
	    class: 'chart' }, svg('title', { id: 'r-chart-title' }));
	g.firstChild.textContent = t('r.chart');
	g.append(svg('line', { x1: left, y1: h + 10, x2: width, y2: h + 10,
	    stroke: '#1a1a1a' }));
	cells.forEach((c, i) => {
		const x = left + i * (w + gap);
		const name = dims.map((d) => c[d]).join(' · ');
		const bh = c.n === null ? 6 : Math.round((c.n / max) * h);
		const bar = svg('rect', { x, y: h + 10 - bh, width: w, height: bh,
		    class: c.suppressed ? 'bar sup' : 'bar' });
		const tt = svg('title');
		tt.textContent = `${name}: ${c.suppressed ? t('r.suppressed') : c.n}`;
		bar.append(tt);
		const lab = svg('text', { x: x + w / 2, y: h + 24,
		    transform: `rotate(60 ${x + w / 2} ${h + 24})`, class: 'lab' });
		lab.textContent = name;
		const val = svg('text', { x: x + w / 2, y: h + 6 - bh,
		    'text-anchor': 'middle', class: 'val' });
		val.textContent = c.suppressed ? '×' : String(c.n);
		g.append(bar, lab, val);
	});
	return el('figure', { class: 'chart-wrap' }, g,
	    el('figcaption', { text: t('r.chart') }));
}

function tableOf(doc) {
	const dims = doc.parameters.group;
	return table(t('r.table'), [...dims.map((d) => t(`g.${d}`)), 'n'],
	    doc.cells.map((c) => [...dims.map((d) => c[d]),
	    c.suppressed ? t('r.suppressed') : String(c.n)]));
}

function forget() {
	for (const u of urls)
		URL.revokeObjectURL(u);
	urls = [];
}

function link(b, name, label) {
	const u = URL.createObjectURL(b);
	urls.push(u);
	return el('a', { href: u, download: name, class: 'button', text: label });
}

async function download(fmt) {
	const { blob: b, headers } = await blob('/v1/research/stats',
	    { ...last.params, format: fmt });
	budget(headers);
	const a = link(b, `meldpunt-export.${fmt}`, t(`r.dl.${fmt}`));
	a.hidden = true;
	document.body.append(a);
	a.click();
	a.remove();
}

function budget(headers) {
	const left = headers.get('Meldpunt-Epsilon-Left');
	if (left !== null)
		$('r-budget').textContent = t('r.budget', { b: left });
}

async function run(ev) {
	ev.preventDefault();
	show($('r-error'), false);
	const p = params();
	try {
		const { blob: b, headers } = await blob('/v1/research/stats',
		    { ...p, format: 'json' });
		const text = await b.text();
		const doc = JSON.parse(text);
		last = { params: p, text };
		budget(headers);
		forget();
		const dl = el('p', { class: 'actions' },
		    link(new Blob([text], { type: 'application/json' }),
		    'meldpunt-export.json', t('r.dl.json')),
		    el('button', { type: 'button', id: 'r-csv', text: t('r.dl.csv'),
		    on: { click: () => download('csv').catch(fail) } }),
		    el('button', { type: 'button', id: 'r-svg', text: t('r.dl.svg'),
		    on: { click: () => download('svg').catch(fail) } }));
		$('r-out').replaceChildren(tableOf(doc), chart(doc),
		    el('h2', { text: t('r.download') }), dl);
		say(t('saved'));
	} catch (e) {
		fail(e);
	}
}

function fail(e) {
	$('r-error').textContent = e?.message || t('error.generic');
	show($('r-error'), true);
}

export function render() {
	const g = $('r-group');
	if (!g.querySelector('input')) {
		for (const d of DIMS) {
			const id = `rg-${d}`;
			g.append(el('label', { class: 'opt' }, el('input', {
			    type: 'checkbox', id, value: d }),
			    el('span', { dataset: { i18n: `g.${d}` }, text: t(`g.${d}`) })));
		}
		$('rg-year').checked = true;
		$('rg-category').checked = true;
		const now = new Date();
		$('r-to').value = now.toISOString().slice(0, 7);
		$('r-from').value = `${now.getUTCFullYear()}-01`;
	}
}

export function reset() {
	forget();
	last = null;
	$('r-budget').textContent = '';
}

export function init() {
	$('rform').addEventListener('submit', run);
}
