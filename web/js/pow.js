// Proof of work for a submission (docs/reporter-api.md, "Proof of work"):
// fetch a challenge from GET /v1/challenge and find an 8-byte counter
// such that SHA-256(challenge bytes || counter) starts with `bits` zero
// bits; the submission carries "Meldpunt-PoW: <challenge>:<counter>".
//
// The page starts this while the reporter types (start()), so the wait is
// hidden; send() then awaits header().  It runs on the page's own thread
// in slices of a few milliseconds, handing control back between slices
// (a MessageChannel, which is not throttled like setTimeout), so typing
// stays smooth.  Not a Web Worker: the page's CSP has Trusted Types with
// no policy ("trusted-types 'none'"), under which new Worker(url) throws,
// and a policy only for this would widen what the CSP allows.
//
// SHA-256 is a small pure-JS one-block compression: WebCrypto's digest()
// is a promise per call, hundreds of times slower for 64-byte inputs.
// The challenge fills the first 10 message words, which never change, so
// the first 10 rounds are computed once per challenge.  Nothing here is
// secret and nothing is kept after the page is left.

import { api } from './common.js';

const K = new Int32Array([
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const H0 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f,
	0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const CHAL_LEN = 42;
const SLICE_MS = 12;

function rotr(x, n) {
	return (x >>> n) | (x << (32 - n));
}

// The search state for one challenge: the message words and the state
// after the 10 rounds that only depend on the challenge.  Int32Array and
// plain locals keep every value a small integer for the JIT.
function prepare(bytes) {
	const w = new Int32Array(64);
	for (let i = 0; i < 10; i++)
		w[i] = (bytes[4 * i] << 24) | (bytes[4 * i + 1] << 16) |
		    (bytes[4 * i + 2] << 8) | bytes[4 * i + 3];
	const mid = new Int32Array(8);
	let a = H0[0], b = H0[1], c = H0[2], d = H0[3];
	let e = H0[4], f = H0[5], g = H0[6], h = H0[7];
	for (let i = 0; i < 10; i++) {
		const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
		    ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
		const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c))) | 0;
		h = g; g = f; f = e; e = (d + t1) | 0;
		d = c; c = b; b = a; a = (t1 + t2) | 0;
	}
	mid.set([a, b, c, d, e, f, g, h]);
	return { w, fixed10: (bytes[40] << 24) | (bytes[41] << 16), mid };
}

// The first two words of SHA-256(challenge || counter) for the counter
// hi:lo (two 32-bit halves), into out[0], out[1] (as unsigned).
function hash2(p, hi, lo, out) {
	const w = p.w, m = p.mid;
	// Bytes 40..49 are the challenge's last two and the counter, then
	// the padding: 0x80, zeros, and the length (400 bits).
	w[10] = p.fixed10 | (hi >>> 16);
	w[11] = (hi << 16) | (lo >>> 16);
	w[12] = (lo << 16) | 0x8000;
	w[13] = 0;
	w[14] = 0;
	w[15] = 400;
	for (let i = 16; i < 64; i++) {
		const x = w[i - 15], y = w[i - 2];
		w[i] = (w[i - 16] + (((x >>> 7) | (x << 25)) ^
		    ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w[i - 7] +
		    (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^
		    (y >>> 10))) | 0;
	}
	let a = m[0], b = m[1], c = m[2], d = m[3];
	let e = m[4], f = m[5], g = m[6], h = m[7];
	for (let i = 10; i < 64; i++) {
		const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) |
		    (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^
		    (~e & g)) + K[i] + w[i]) | 0;
		const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) |
		    (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^
		    (a & c) ^ (b & c))) | 0;
		h = g; g = f; f = e; e = (d + t1) | 0;
		d = c; c = b; b = a; a = (t1 + t2) | 0;
	}
	out[0] = (H0[0] + a) >>> 0;
	out[1] = (H0[1] + b) >>> 0;
}

function enoughZeros(out, bits) {
	if (bits <= 32)
		return bits === 0 || (out[0] >>> (32 - bits)) === 0;
	return out[0] === 0 && (out[1] >>> (64 - bits)) === 0;
}

function hex(n, width) {
	return n.toString(16).padStart(width, '0');
}

function unhex(s) {
	if (!/^[0-9a-f]{84}$/.test(s))
		throw new Error('malformed challenge');
	const b = new Uint8Array(CHAL_LEN);
	for (let i = 0; i < CHAL_LEN; i++)
		b[i] = parseInt(s.substr(2 * i, 2), 16);
	return b;
}

// Hand control back to the page between slices.
function yieldToPage() {
	return new Promise((resolve) => {
		const ch = new MessageChannel();
		ch.port1.onmessage = () => {
			ch.port1.close();
			resolve();
		};
		ch.port2.postMessage(0);
	});
}

// Solve one challenge (hex string).  onProgress(p) gets the chance that a
// solution would have been found by now (0..1), after every slice.
// Resolves to { value, tries, ms }.
export async function solve(challenge, onProgress) {
	const bytes = unhex(challenge);
	const bits = bytes[1];
	const p = prepare(bytes);
	const out = new Uint32Array(2);
	const t0 = performance.now();
	let hi = 0, lo = 0, tries = 0;
	for (;;) {
		const end = performance.now() + SLICE_MS;
		do {
			for (let k = 0; k < 1024; k++) {
				hash2(p, hi, lo, out);
				tries++;
				if (enoughZeros(out, bits))
					return { value: `${challenge}:${hex(hi, 8)}${hex(lo, 8)}`,
					    tries, ms: performance.now() - t0 };
				lo = (lo + 1) >>> 0;
				if (lo === 0)
					hi++;
			}
		} while (performance.now() < end);
		onProgress?.(1 - Math.exp(-tries / 2 ** bits));
		await yieldToPage();
	}
}

// The current job: { promise, expires (ms since the epoch) }.
let job = null;
let progressFn = null;

async function fetchAndSolve() {
	const c = await api('GET', '/v1/challenge');
	// Minus a margin: the service's clock and the network.
	const expires = Date.now() + (c.expires_in - 30) * 1000;
	const r = await solve(c.challenge, (p) => progressFn?.(p));
	return { header: { 'Meldpunt-PoW': r.value }, expires, bits: c.bits,
	    tries: r.tries, ms: r.ms };
}

// Start on a challenge now (idempotent), e.g. when the reporter starts
// typing.  Errors surface in header().
export function start() {
	if (job !== null && job.expires > Date.now())
		return;
	const j = { expires: Infinity };
	j.promise = fetchAndSolve().then((r) => {
		j.expires = r.expires;
		return r;
	}, (e) => {
		if (job === j)
			job = null;
		throw e;
	});
	j.promise.catch(() => {});
	job = j;
}

// The request header of a solved challenge, waiting for the search if
// needed; onProgress as in solve() while waiting.  Takes the solution:
// the next call starts a new challenge.
export async function header(onProgress) {
	start();
	const j = job;
	progressFn = onProgress ?? null;
	try {
		const r = await j.promise;
		if (r.expires <= Date.now()) {
			job = null;
			return header(onProgress);
		}
		return r;
	} finally {
		progressFn = null;
		if (job === j)
			job = null;
	}
}

// Was this refusal about the proof of work (fetch a new one and resend)?
export function isPowError(e) {
	return e?.code === 'pow_required' || e?.code === 'pow_expired' ||
	    e?.code === 'pow_invalid';
}

// Forget everything (leave quickly, a new report).
export function reset() {
	job = null;
	progressFn = null;
}
