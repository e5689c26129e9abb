// The page's own words (web/js/i18n.js), no browser needed: every key of
// every language is present and non-empty, and a language's text is not
// the English one (an untranslated key would show English to a reporter
// who chose Tigrinya or Chinese) -- apart from the few that are the same
// word everywhere.  Tigrinya texts are written in Ge'ez, Chinese ones in
// Han characters.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LANGS, TEXTS, dateFormat, monthNames } from '../../web/js/i18n.js';

// Proper names and the like, the same in every language.
const SAME = new Set(['from.system']);

test('every key in every language, none left in English', () => {
	assert.deepEqual(LANGS, ['nl', 'en', 'tr', 'ar', 'ti', 'zh']);
	const keys = Object.keys(TEXTS.en);
	assert.ok(keys.length > 60);
	for (const l of LANGS) {
		assert.deepEqual(Object.keys(TEXTS[l]).sort(), [...keys].sort(),
		    `${l} has exactly the keys of en`);
		for (const k of keys) {
			assert.equal(typeof TEXTS[l][k], 'string', `${l} ${k}`);
			assert.notEqual(TEXTS[l][k].trim(), '', `${l} ${k}`);
			if (l !== 'en' && !SAME.has(k))
				assert.notEqual(TEXTS[l][k], TEXTS.en[k],
				    `${l} ${k} is the English text`);
		}
	}
	for (const k of keys.filter((x) => !SAME.has(x))) {
		assert.match(TEXTS.ti[k], /[\u1200-\u137f]/, `ti ${k}`);
		assert.match(TEXTS.zh[k], /[\u3000-\u9fff]/, `zh ${k}`);
	}
});

test('dates in the page language, never month/day/year', () => {
	const d = new Date('2026-12-08T12:00:00Z');
	const f = (l) => dateFormat(l, { dateStyle: 'long', timeZone: 'UTC' })
	    .format(d);
	assert.match(f('nl'), /^8 december 2026$/);
	assert.match(f('en'), /^8 December 2026$/);
	assert.match(f('zh'), /2026年12月8日/);
	assert.match(f('ti'), /ታሕሳስ/);
	for (const l of LANGS)
		assert.doesNotMatch(f(l), /12\/8\/2026/, l);
	assert.equal(monthNames('nl')[2], 'maart');
	assert.equal(monthNames('ti')[11], 'ታሕሳስ');
});
