// QR codes (ISO/IEC 18004) for the TOTP enrolment: the otpauth:// URI the
// staff process hands over is drawn here, in the page, so that it never
// travels to anything else (no image service, no library from elsewhere).
//
// Enough of the standard for that job and no more: one 8-bit segment,
// error correction level M, versions 1 to 15 (up to 412 bytes; an
// otpauth URI with the longest user name is 178).  The mask is chosen
// with the same penalty rules, computed the same way, as libqrencode's,
// which `meldctl user add --qr` uses with one 8-bit segment too
// (admin/qr.c), so both draw the very same symbol for a URI;
// tests/browser/console-first.test.mjs compares them module by module.

// Per version, level M: [ECC codewords per block, blocks in group 1,
// data codewords per block in group 1, blocks in group 2 (one more data
// codeword each)].  ISO/IEC 18004:2015 table 9.
const BLOCKS = [null,
	[10, 1, 16, 0], [16, 1, 28, 0], [26, 1, 44, 0], [18, 2, 32, 0],
	[24, 2, 43, 0], [16, 4, 27, 0], [18, 4, 31, 0], [22, 2, 38, 2],
	[22, 3, 36, 2], [26, 4, 43, 1], [30, 1, 50, 4], [22, 6, 36, 2],
	[22, 8, 37, 1], [24, 4, 40, 5], [24, 5, 41, 5]];
// Alignment pattern centres per version (annex E).
const ALIGN = [null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
	[6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54],
	[6, 32, 58], [6, 34, 62], [6, 26, 46, 66], [6, 26, 48, 70]];
export const MAX_VERSION = BLOCKS.length - 1;

// ------------------------------------------------- Reed-Solomon, GF(256)

function gfMul(a, b) {
	let r = 0;
	for (let i = 7; i >= 0; i--) {
		r = (r << 1) ^ ((r >>> 7) * 0x11d);
		r ^= ((b >>> i) & 1) * a;
	}
	return r;
}

// The generator polynomial of degree n (roots 2^0 .. 2^(n-1)), highest
// coefficient (1) left out.
function rsDivisor(n) {
	const r = new Array(n).fill(0);
	r[n - 1] = 1;
	let root = 1;
	for (let i = 0; i < n; i++) {
		for (let j = 0; j < n; j++) {
			r[j] = gfMul(r[j], root);
			if (j + 1 < n)
				r[j] ^= r[j + 1];
		}
		root = gfMul(root, 0x02);
	}
	return r;
}

function rsRemainder(data, div) {
	const r = new Array(div.length).fill(0);
	for (const b of data) {
		const f = b ^ r.shift();
		r.push(0);
		for (let i = 0; i < div.length; i++)
			r[i] ^= gfMul(div[i], f);
	}
	return r;
}

// ------------------------------------------------------------ codewords

function dataCapacity(v) {
	const [, g1, d, g2] = BLOCKS[v];
	return g1 * d + g2 * (d + 1);
}

// The smallest version whose data codewords hold n bytes in one segment.
function pickVersion(n) {
	for (let v = 1; v <= MAX_VERSION; v++)
		if (4 + (v < 10 ? 8 : 16) + 8 * n <= 8 * dataCapacity(v))
			return v;
	return 0;
}

// Mode, count, bytes, terminator, padding: the data codewords.
function dataCodewords(bytes, v) {
	const cap = dataCapacity(v);
	const bits = [];
	const put = (val, len) => {
		for (let i = len - 1; i >= 0; i--)
			bits.push((val >>> i) & 1);
	};
	put(0b0100, 4);
	put(bytes.length, v < 10 ? 8 : 16);
	for (const b of bytes)
		put(b, 8);
	put(0, Math.min(4, cap * 8 - bits.length));
	put(0, (8 - bits.length % 8) % 8);
	const words = [];
	for (let i = 0; i < bits.length; i += 8)
		words.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));
	for (let pad = 0xec; words.length < cap; pad ^= 0xec ^ 0x11)
		words.push(pad);
	return words;
}

// Blocks with their error correction, interleaved (section 7.6).
function interleave(data, v) {
	const [ec, g1, d, g2] = BLOCKS[v];
	const div = rsDivisor(ec);
	const blocks = [];
	let at = 0;
	for (let b = 0; b < g1 + g2; b++) {
		const len = b < g1 ? d : d + 1;
		const part = data.slice(at, at + len);
		at += len;
		blocks.push({ data: part, ec: rsRemainder(part, div) });
	}
	const out = [];
	for (let i = 0; i <= d; i++)
		for (const b of blocks)
			if (i < b.data.length)
				out.push(b.data[i]);
	for (let i = 0; i < ec; i++)
		for (const b of blocks)
			out.push(b.ec[i]);
	return out;
}

// --------------------------------------------------------------- matrix

// BCH code of the version number (annex D), 18 bits.
function versionBits(v) {
	let r = v << 12;
	for (let i = 17; i >= 12; i--)
		if ((r >>> i) & 1)
			r ^= 0x1f25 << (i - 12);
	return (v << 12) | r;
}

// Format information for level M (indicator 00) and a mask, 15 bits.
function formatBits(mask) {
	const data = mask;
	let r = data << 10;
	for (let i = 14; i >= 10; i--)
		if ((r >>> i) & 1)
			r ^= 0x537 << (i - 10);
	return ((data << 10) | r) ^ 0x5412;
}

function frame(v) {
	const w = 17 + 4 * v;
	const m = Array.from({ length: w }, () => new Array(w).fill(0));
	const fn = Array.from({ length: w }, () => new Array(w).fill(false));
	const set = (x, y, dark) => {
		m[y][x] = dark ? 1 : 0;
		fn[y][x] = true;
	};
	// Finder patterns with their light separators.
	for (const [ox, oy] of [[0, 0], [w - 7, 0], [0, w - 7]])
		for (let dy = -1; dy <= 7; dy++)
			for (let dx = -1; dx <= 7; dx++) {
				const x = ox + dx, y = oy + dy;
				if (x < 0 || y < 0 || x >= w || y >= w)
					continue;
				const d = Math.max(Math.abs(dx - 3), Math.abs(dy - 3));
				set(x, y, d !== 2 && d !== 4);
			}
	// Timing patterns.
	for (let i = 8; i < w - 8; i++) {
		set(i, 6, i % 2 === 0);
		set(6, i, i % 2 === 0);
	}
	// Alignment patterns, except where a finder pattern is.
	const a = ALIGN[v];
	for (const cx of a)
		for (const cy of a) {
			if ((cx === 6 && cy === 6) || (cx === 6 && cy === a[a.length - 1]) ||
			    (cx === a[a.length - 1] && cy === 6))
				continue;
			for (let dy = -2; dy <= 2; dy++)
				for (let dx = -2; dx <= 2; dx++)
					set(cx + dx, cy + dy,
					    Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
		}
	// Format information areas (written per mask) and the dark module.
	for (let i = 0; i <= 8; i++)
		fn[8][i] = fn[i][8] = true;
	for (let i = 0; i < 8; i++)
		fn[8][w - 1 - i] = fn[w - 1 - i][8] = true;
	set(8, w - 8, true);
	// Version information (version 7 and up).
	if (v >= 7) {
		const vb = versionBits(v);
		for (let i = 0; i < 18; i++) {
			const bit = (vb >>> i) & 1;
			const x = Math.floor(i / 3), y = w - 11 + i % 3;
			set(x, y, bit);
			set(y, x, bit);
		}
	}
	return { w, m, fn };
}

// The codewords' bits in the zigzag of section 7.7.3; remainder bits 0.
function place(f, words) {
	const { w, m, fn } = f;
	let i = 0;
	const total = words.length * 8;
	for (let right = w - 1; right >= 1; right -= 2) {
		if (right === 6)
			right = 5;
		const up = ((right + 1) & 2) === 0;
		for (let k = 0; k < w; k++) {
			const y = up ? w - 1 - k : k;
			for (let j = 0; j < 2; j++) {
				const x = right - j;
				if (fn[y][x])
					continue;
				m[y][x] = i < total ?
				    (words[i >>> 3] >>> (7 - (i & 7))) & 1 : 0;
				i++;
			}
		}
	}
}

const MASKS = [
	(x, y) => ((x + y) & 1) === 0,
	(x, y) => (y & 1) === 0,
	(x) => x % 3 === 0,
	(x, y) => (x + y) % 3 === 0,
	(x, y) => ((Math.floor(y / 2) + Math.floor(x / 3)) & 1) === 0,
	(x, y) => ((x * y) & 1) + (x * y) % 3 === 0,
	(x, y) => ((((x * y) & 1) + (x * y) % 3) & 1) === 0,
	(x, y) => ((((x * y) % 3) + ((x + y) & 1)) & 1) === 0,
];

// Same placement of the 15 format bits as libqrencode's
// Mask_writeFormatInformation().
function writeFormat(m, w, mask) {
	const f = formatBits(mask);
	for (let i = 0; i < 8; i++) {
		const b = (f >>> i) & 1;
		m[8][w - 1 - i] = b;
		m[i < 6 ? i : i + 1][8] = b;
	}
	for (let i = 0; i < 7; i++) {
		const b = (f >>> (8 + i)) & 1;
		m[w - 7 + i][8] = b;
		m[8][i === 0 ? 7 : 6 - i] = b;
	}
}

function applyMask(f, mask) {
	const { w, m, fn } = f;
	const out = m.map((row, y) => row.map((b, x) =>
	    fn[y][x] || !MASKS[mask](x, y) ? b : b ^ 1));
	writeFormat(out, w, mask);
	return out;
}

// Runs of one colour along a line; a line starting dark gets a -1 first,
// so that odd indices are always dark runs (libqrencode's convention).
function runs(line) {
	const r = line[0] ? [-1, 1] : [1];
	for (let i = 1; i < line.length; i++) {
		if (line[i] !== line[i - 1])
			r.push(1);
		else
			r[r.length - 1]++;
	}
	return r;
}

// Penalty rules 1 (runs of five or more) and 3 (1:1:3:1:1 finder-like
// runs next to four light ones) on one line.
function penaltyLine(line) {
	const r = runs(line);
	const n = r.length;
	let p = 0;
	for (let i = 0; i < n; i++) {
		if (r[i] >= 5)
			p += 3 + (r[i] - 5);
		if ((i & 1) && i >= 3 && i < n - 2 && r[i] % 3 === 0) {
			const f = r[i] / 3;
			if (r[i - 2] === f && r[i - 1] === f && r[i + 1] === f &&
			    r[i + 2] === f &&
			    (i === 3 || r[i - 3] >= 4 * f || i + 4 >= n ||
			    r[i + 3] >= 4 * f))
				p += 40;
		}
	}
	return p;
}

function penalty(m) {
	const w = m.length;
	let p = 0, dark = 0;
	for (let y = 0; y < w; y++)
		for (let x = 0; x < w; x++) {
			dark += m[y][x];
			if (x > 0 && y > 0) {
				const s = m[y][x] + m[y][x - 1] + m[y - 1][x] +
				    m[y - 1][x - 1];
				if (s === 0 || s === 4)
					p += 3;
			}
		}
	for (let y = 0; y < w; y++)
		p += penaltyLine(m[y]);
	for (let x = 0; x < w; x++)
		p += penaltyLine(m.map((row) => row[x]));
	const w2 = w * w;
	const ratio = Math.floor(Math.floor((200 * dark + w2) / w2) / 2);
	return p + Math.floor(Math.abs(ratio - 50) / 5) * 10;
}

// text (a string, encoded as UTF-8) -> { version, size, modules } where
// modules[y][x] is 1 for a dark module.  Throws when it does not fit.
export function qrEncode(text) {
	const bytes = new TextEncoder().encode(text);
	const v = pickVersion(bytes.length);
	if (v === 0)
		throw new RangeError('qr: text too long');
	const f = frame(v);
	place(f, interleave(dataCodewords(bytes, v), v));
	let best = null, bestP = Infinity;
	for (let mask = 0; mask < 8; mask++) {
		const m = applyMask(f, mask);
		const p = penalty(m);
		if (p < bestP) {
			bestP = p;
			best = m;
		}
	}
	return { version: v, size: f.w, modules: best };
}

// Draw a symbol on a canvas: `scale` pixels per module and a light quiet
// zone of four modules, dark on light.
export function qrDraw(canvas, qr, scale = 5) {
	const quiet = 4;
	const px = (qr.size + 2 * quiet) * scale;
	canvas.width = px;
	canvas.height = px;
	const g = canvas.getContext('2d');
	g.fillStyle = '#ffffff';
	g.fillRect(0, 0, px, px);
	g.fillStyle = '#000000';
	for (let y = 0; y < qr.size; y++)
		for (let x = 0; x < qr.size; x++)
			if (qr.modules[y][x])
				g.fillRect((x + quiet) * scale, (y + quiet) * scale,
				    scale, scale);
}
