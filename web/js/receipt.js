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

// Drop spaces and hyphens; what remains must be 16 ASCII digits with a
// valid check digit.  Returns the normalised receipt or null.
export function normalise(input) {
	if (typeof input !== 'string' || input.length > 64)
		return null;
	const s = input.replace(/[ -]/g, '');
	if (!/^[0-9]{16}$/.test(s) || damm(s) !== 0)
		return null;
	return s;
}

// "4821 7730 1195 0062"
export function format(receipt) {
	const s = normalise(receipt) ?? receipt;
	return s.replace(/(\d{4})(?=\d)/g, '$1 ');
}
