// Byte helpers shared by the crypto modules and the pages: concatenation,
// big-endian integers, UTF-8, lowercase hex and strict base64 (RFC 4648 §4
// with padding, as docs/crypto.md §6 requires of every client).  Pure
// functions; they run the same in a browser and in node.

const enc = new TextEncoder();

export function utf8(s) {
	return enc.encode(s);
}

// A string as well-formed UTF-16: a lone surrogate (a broken paste, an
// input method) becomes U+FFFD.  JSON.stringify would otherwise write it
// as a "\ud800" escape, which is ASCII and so passes TextEncoder, but
// stands for no Unicode character: no UTF-8 JSON parser accepts it.
export function wellFormed(s) {
	if (typeof s.toWellFormed === 'function')
		return s.toWellFormed();
	return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
	    '\ufffd');
}

// The UTF-8 bytes of the JSON of v, every string in it well-formed first:
// what the envelope carries is always UTF-8 JSON (docs/crypto.md §2.2).
export function utf8Json(v) {
	return utf8(JSON.stringify(v, (k, x) => typeof x === 'string' ?
	    wellFormed(x) : x));
}

export function concat(...parts) {
	let n = 0;
	for (const p of parts)
		n += p.length;
	const out = new Uint8Array(n);
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

// I2OSP(v, len): v must fit; used for lengths and ids up to 2^32 - 1.
export function i2osp(v, len) {
	if (!Number.isInteger(v) || v < 0 || (len < 4 && v >= 2 ** (8 * len)))
		throw new RangeError('i2osp: value out of range');
	const out = new Uint8Array(len);
	for (let i = len - 1; i >= 0 && v > 0; i--) {
		out[i] = v & 0xff;
		v = Math.floor(v / 256);
	}
	return out;
}

export function toHex(b) {
	let s = '';
	for (const x of b)
		s += x.toString(16).padStart(2, '0');
	return s;
}

export function fromHex(s) {
	if (typeof s !== 'string' || s.length % 2 !== 0 || /[^0-9a-fA-F]/.test(s))
		throw new TypeError('fromHex: not a hex string');
	const out = new Uint8Array(s.length / 2);
	for (let i = 0; i < out.length; i++)
		out[i] = parseInt(s.substr(2 * i, 2), 16);
	return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(b) {
	let s = '';
	let i = 0;
	for (; i + 2 < b.length; i += 3) {
		const v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
		s += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] +
		    B64[v & 63];
	}
	if (b.length - i === 1) {
		const v = b[i] << 16;
		s += B64[v >> 18] + B64[(v >> 12) & 63] + '==';
	} else if (b.length - i === 2) {
		const v = (b[i] << 16) | (b[i + 1] << 8);
		s += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + '=';
	}
	return s;
}

// Strict decoding: the one accepted spelling of each byte string.
export function fromBase64(s) {
	if (typeof s !== 'string' || s.length % 4 !== 0 ||
	    !/^[A-Za-z0-9+/]*={0,2}$/.test(s))
		throw new TypeError('fromBase64: not canonical base64');
	const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
	const out = new Uint8Array(s.length / 4 * 3 - pad);
	let o = 0;
	for (let i = 0; i < s.length; i += 4) {
		const c = [0, 1, 2, 3].map((k) =>
		    s[i + k] === '=' ? 0 : B64.indexOf(s[i + k]));
		const v = (c[0] << 18) | (c[1] << 12) | (c[2] << 6) | c[3];
		const bytes = [v >> 16, (v >> 8) & 0xff, v & 0xff];
		for (const x of bytes)
			if (o < out.length)
				out[o++] = x;
	}
	if (toBase64(out) !== s)
		throw new TypeError('fromBase64: non-zero unused bits');
	return out;
}

// Overwrite a byte array that held a secret.  JavaScript cannot promise
// that no copy survives elsewhere, but the arrays we own are wiped.
export function wipe(b) {
	if (b instanceof Uint8Array)
		b.fill(0);
}
