// One request to the staff API from a test (node's https, the test CA not
// checked): { status, json (null when the body is not JSON), buf, text }.
// The browser tests that check what reached a handler share it.
import { request } from 'node:https';

export function staffRequest(baseUrl, method, p, { body, token,
    timeout = 30000 } = {}) {
	return new Promise((resolve, reject) => {
		const data = body === undefined ? null : JSON.stringify(body);
		const req = request(baseUrl + p, {
			method, rejectUnauthorized: false, timeout,
			headers: {
				...(data ? { 'Content-Type': 'application/json',
				    'Content-Length': Buffer.byteLength(data) } : {}),
				...(token ? { Authorization: `Bearer ${token}` } : {}),
			},
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const buf = Buffer.concat(chunks);
				let json = null;
				try {
					json = JSON.parse(buf.toString('utf8'));
				} catch {
					/* not JSON: the caller reads text or buf */
				}
				resolve({ status: res.statusCode, json, buf,
				    text: buf.toString('utf8') });
			});
		});
		req.on('timeout', () => req.destroy(new Error('staff API timeout')));
		req.on('error', reject);
		if (data)
			req.write(data);
		req.end();
	});
}
