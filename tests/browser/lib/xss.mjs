// Script-injection payloads the console's XSS tests put into every
// reporter-controlled field, the element kinds a payload would make if it
// were parsed as markup, and a look at what a page made of them.

// Anything that runs sets globalThis.__pwned or fetches evil.example.
export const EVIL = 'https://evil.example';
export const PAYLOADS = [
	'<script>globalThis.__pwned=1</script>',
	'<img src=x onerror="globalThis.__pwned=2">',
	`<a href="javascript:globalThis.__pwned=3">klik</a> javascript:globalThis.__pwned=3`,
	'<svg onload="globalThis.__pwned=4"><script>globalThis.__pwned=4</script></svg>',
	`<style>body{background:url(${EVIL}/css)}</style><div style="background:url(${EVIL}/style)">x</div>`,
	`"><iframe src="${EVIL}/frame"></iframe><object data="${EVIL}/obj"></object>`,
	'{{constructor.constructor(\'globalThis.__pwned=5\')()}} ${globalThis.__pwned=6}',
	`<math><mtext><table><mglyph><style><img src=x onerror="globalThis.__pwned=7">`,
	`<link rel="stylesheet" href="${EVIL}/x.css"><base href="${EVIL}/">`,
];
export const TAGS = ['script', 'img', 'svg', 'iframe', 'object', 'style', 'math',
    'link', 'base', 'a[href^="javascript"]', '[onerror]', '[onload]',
    '[style]'];

// What the page made of the payloads: elements of their kinds inside
// the given container, and the canary global.
export async function inspect(page, container) {
	return page.evaluate(([sel, tags]) => ({
		pwned: globalThis.__pwned ?? null,
		made: tags.filter((t) => document.querySelector(sel)
		    .querySelector(t) !== null),
		text: document.querySelector(sel).textContent,
	}), [container, TAGS]);
}
