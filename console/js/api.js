// The staff API from the console.  The session token lives in this
// module's memory only: never in a cookie, localStorage, sessionStorage,
// IndexedDB or a URL.  It travels as "Authorization: Bearer" (so no
// cookie is involved and a cross-site request cannot carry it: no CSRF).
// Requests go to this origin only (CSP connect-src 'self'), without
// credentials or referrer, past the HTTP cache.

let token = null;
let onExpired = null;

export class ApiError extends Error {
	constructor(status, code, message, field, retryAfter) {
		super(message || code || String(status));
		this.status = status;
		this.code = code;
		this.field = field;
		this.retryAfter = retryAfter;
	}
}

export function setToken(tok) {
	token = tok;
}

export function hasToken() {
	return token !== null;
}

// Called once when a request finds the session gone (401).
export function setOnExpired(fn) {
	onExpired = fn;
}

export function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params))
		if (v !== undefined && v !== null && v !== '')
			q.set(k, String(v));
	const s = q.toString();
	return s ? `?${s}` : '';
}

async function raw(method, path, body, accept) {
	const headers = { Accept: accept };
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	if (token)
		headers.Authorization = `Bearer ${token}`;
	try {
		return await fetch(path, {
			method, headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: 'omit', cache: 'no-store',
			referrerPolicy: 'no-referrer', redirect: 'error',
		});
	} catch {
		throw new ApiError(0, 'network', 'network');
	}
}

async function check(res) {
	if (res.ok)
		return;
	let doc = null;
	try {
		doc = JSON.parse(await res.text());
	} catch {
		doc = null;
	}
	const e = doc?.error ?? {};
	if (res.status === 401 && token !== null) {
		token = null;
		onExpired?.();
	}
	throw new ApiError(res.status, e.code, e.message, e.field,
	    res.headers.get('Retry-After'));
}

export async function api(method, path, body) {
	const res = await raw(method, path, body, 'application/json');
	await check(res);
	const text = await res.text();
	return { doc: text.length ? JSON.parse(text) : null, headers: res.headers };
}

export async function get(path, params = {}) {
	return (await api('GET', path + query(params))).doc;
}

export async function post(path, body) {
	return (await api('POST', path, body)).doc;
}

// A download: the bytes as a Blob, with the response headers.
export async function blob(path, params) {
	const res = await raw('GET', path + query(params), undefined, '*/*');
	await check(res);
	return { blob: await res.blob(), headers: res.headers };
}

// The page is going away: end the session with a request that outlives
// the page (keepalive), then forget the token.
export function endOnLeave() {
	if (token === null)
		return;
	try {
		fetch('/v1/staff/session', { method: 'DELETE', keepalive: true,
		    headers: { Authorization: `Bearer ${token}` },
		    credentials: 'omit', referrerPolicy: 'no-referrer' });
	} catch {
		/* best effort; the idle expiry ends it otherwise */
	}
	token = null;
}
