// Receipts (docs/crypto.md §3): 16 digits, the last a Damm check digit.
// The page checks what the reporter typed before sending it, so a typo
// fails at once and costs the server no Argon2id.

const DAMM = [
	[0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
	[7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
	[4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
	[1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
	[6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
	[3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
	[5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
	[8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
	[9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
	[2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

export function damm(digits) {
	let interim = 0;
	for (const ch of digits)
		interim = DAMM[interim][ch.charCodeAt(0) - 48];
	return interim;
}

// The zero of every run of ten decimal digits (Unicode 14, category Nd):
// the same table as crypto/receipt.c, so the page and the server accept
// the same spellings.  A reporter types the receipt with the digits
// their keyboard gives (Eastern Arabic, Persian, full-width, ...).
const DIGIT_ZEROS = [
	0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66,
	0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50, 0xed0, 0xf20, 0x1040,
	0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50,
	0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0,
	0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0,
	0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0,
	0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60,
	0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6,
	0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

// Spaces (also no-break, thin, ideographic), hyphens and dashes (also
// minus and full-width hyphen) and invisible direction marks: dropped.
function isSeparator(c) {
	return c === 0x20 || c === 0x2d || c === 0xa0 || c === 0x61c ||
	    (c >= 0x2000 && c <= 0x200f) || (c >= 0x2010 && c <= 0x2015) ||
	    c === 0x202f || c === 0x205f || (c >= 0x2066 && c <= 0x2069) ||
	    c === 0x2212 || c === 0x3000 || c === 0xfe58 || c === 0xfe63 ||
	    c === 0xff0d;
}

function digitValue(c) {
	for (const z of DIGIT_ZEROS)
		if (c >= z && c <= z + 9)
			return c - z;
	return -1;
}

// Separators dropped, digits of any script made ASCII; what remains must
// be 16 digits with a valid check digit.  At most 128 bytes of UTF-8, as
// the server takes (docs/crypto.md §3).  Returns the normalised receipt
// (16 ASCII digits) or null.
export function normalise(input) {
	if (typeof input !== 'string' ||
	    new TextEncoder().encode(input).length > 128)
		return null;
	let s = '';
	for (const ch of input) {
		const c = ch.codePointAt(0);
		if (isSeparator(c))
			continue;
		const v = digitValue(c);
		if (v < 0 || s.length === 16)
			return null;
		s += String(v);
	}
	if (s.length !== 16 || damm(s) !== 0)
		return null;
	return s;
}

// "4821 7730 1195 0062"
export function format(receipt) {
	const s = normalise(receipt) ?? receipt;
	return s.replace(/(\d{4})(?=\d)/g, '$1 ');
}
