// A real meldpunt for browser tests: a fresh database in the PostgreSQL
// cluster that tests/browser/run.sh (or tests/run.sh) started, every
// migration applied by `meldctl migrate`, keys, default queues and
// routing rules made by `meldctl init --keys DIR` (as `make run` does,
// deploy/run-dev.sh), the first key manifest signed with the real
// `meldctl keys sign`, a totp-seal key, a development certificate, the
// page installed with its trust anchor by deploy/install-web.sh, and
// meldpuntd for the public role (serving that copy of web/, pinning the
// manifest-signing key unless pinManifest is false) and, when asked, the
// staff role (serving the console, console/) -- both against the same
// database.  Handlers are made with the
// real `meldctl user add` and `queue members add --recovery-key`.
// Loopback only; ports picked by the kernel and read back from the
// "listening on" line.  The daemons are killed if this process dies
// first, so a failed or timed-out test leaves nothing running.
//
// Environment (set by run.sh): MELDPUNT_TOP, MELDPUNT_BUILD, PGHOST,
// PGPORT, PGUSER, MELDPUNT_TEST_TMP.

import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const top = process.env.MELDPUNT_TOP;
const build = process.env.MELDPUNT_BUILD;

function need(v, name) {
	if (!v)
		throw new Error(`${name} is not set: run the browser tests ` +
		    'through tests/browser/run.sh BUILD');
	return v;
}

function run(cmd, args, opts = {}) {
	const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
	if (r.status !== 0)
		throw new Error(`${cmd} ${args.join(' ')} failed ` +
		    `(${r.error?.message ?? r.status}): ${r.stderr ?? ''}${r.stdout ?? ''}`);
	return r.stdout;
}

function meldctlPath() {
	return process.env.MELDPUNT_MELDCTL ?? path.join(build, 'meldctl');
}

export function meldctl(db, ...args) {
	return run(meldctlPath(), ['-d', db, ...args]);
}

// meldctl with a line on its standard input (--password-stdin).
function meldctlInput(db, input, ...args) {
	return run(meldctlPath(), ['-d', db, ...args], { input: `${input}\n` });
}

// RFC 6238 TOTP with HMAC-SHA1, 30-second steps, 6 digits (docs/crypto.md
// §5), from the base32 secret `meldctl user add` prints.
export function totp(base32, now = Date.now()) {
	const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const ch of base32.replace(/=+$/, '').toUpperCase()) {
		const v = alpha.indexOf(ch);
		if (v < 0)
			throw new Error(`totp: not base32: ${base32}`);
		bits += v.toString(2).padStart(5, '0');
	}
	const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(now / 1000 / 30)));
	const h = createHmac('sha1', key).update(counter).digest();
	const o = h[h.length - 1] & 0xf;
	const bin = (h.readUInt32BE(o) & 0x7fffffff) % 1000000;
	return String(bin).padStart(6, '0');
}

// Daemons still running when this process goes away are killed with it.
const live = new Set();
process.on('exit', () => {
	for (const p of live)
		p.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
	process.once(sig, () => {
		for (const p of live)
			p.kill('SIGKILL');
		process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
	});
}

function conninfo(dbname, user) {
	return `host=${process.env.PGHOST} port=${process.env.PGPORT ?? 5432} ` +
	    `dbname=${dbname}${user ? ` user=${user}` : ''}`;
}

function psql(sql) {
	return run('psql', ['-qtAX', '-d', conninfo('postgres'), '-c', sql]);
}

function waitListening(proc, logfile) {
	return new Promise((resolve, reject) => {
		let log = '';
		const timer = setTimeout(() => reject(new Error(
		    `meldpuntd did not start in time:\n${log}`)), 20000);
		const onData = (chunk) => {
			log += chunk;
			writeFileSync(logfile, log);
			const m = /listening on https:\/\/[^:]+:(\d+)\//.exec(log);
			if (m) {
				clearTimeout(timer);
				resolve(Number(m[1]));
			}
		};
		proc.stderr.setEncoding('utf8');
		proc.stdout.setEncoding('utf8');
		proc.stderr.on('data', onData);
		proc.stdout.on('data', onData);
		proc.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`meldpuntd exited (${code}):\n${log}`));
		});
	});
}

export class Stack {
	// staffConf: extra configuration lines for the [staff] section
	// (e.g. a short session_idle_s for the console's idle test);
	// pinManifest: false runs the public side without
	// manifest_public_key, so that only the page checks the manifest;
	// publicConf: extra lines for the [public] section (e.g. trust_file).
	constructor({ staff = false, staffConf = [], pinManifest = true,
	    publicConf = [] } = {}) {
		this.staff = staff;
		this.staffConf = staffConf;
		this.publicConf = publicConf;
		this.pinManifest = pinManifest;
		this.procs = [];
	}

	// One SQL statement against this stack's database, as the superuser;
	// the unaligned output.
	query(sql) {
		return run('psql', ['-qtAX', '-d', this.db, '-c', sql]).trim();
	}

	async start() {
		need(top, 'MELDPUNT_TOP');
		need(build, 'MELDPUNT_BUILD');
		need(process.env.PGHOST, 'PGHOST');
		const tmp = process.env.MELDPUNT_TEST_TMP ?? '/tmp';
		this.dir = mkdtempSync(path.join(tmp, 'browser-'));
		this.dbname = `browser_${process.pid}_${Date.now() % 100000}`;
		psql(`CREATE DATABASE ${this.dbname}`);
		this.db = conninfo(this.dbname);
		meldctl(this.db, 'migrate', '--schema-dir', path.join(top, 'schema'));
		this.admin = conninfo(this.dbname, 'mp_admin');
		this.keysDir = path.join(this.dir, 'keys');
		this.keyConf = this.initKeys();
		run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt',
		    'ec_paramgen_curve:P-256', '-nodes', '-keyout',
		    path.join(this.dir, 'key.pem'), '-out',
		    path.join(this.dir, 'cert.pem'), '-days', '2', '-subj',
		    '/CN=localhost']);
		chmodSync(path.join(this.dir, 'key.pem'), 0o600);
		this.writeConfig();
		this.publicPort = await this.spawn('public');
		if (this.staff)
			this.staffPort = await this.spawn('staff');
		this.publicUrl = `https://127.0.0.1:${this.publicPort}`;
		this.staffUrl = this.staff ? `https://127.0.0.1:${this.staffPort}` :
		    null;
		return this;
	}

	// `meldctl init --keys DIR` writes the key files and the default
	// queues (labour, obi, honour, honour_urgent) with their routing
	// rules, and the totp-seal key (docs/crypto.md §7, "Key files").
	// Returns the configuration lines that name the keys.
	initKeys() {
		meldctl(this.db, 'init', '--keys', this.keysDir);
		// The operator's first manifest (docs/crypto.md section 10), and
		// the page with its anchor, as deploy/README.md describes.
		const pub = path.join(this.keysDir, 'manifest-signing.pub');
		meldctl(this.db, 'keys', 'sign', '--signing-key',
		    path.join(this.keysDir, 'manifest-signing.key'));
		this.webDir = path.join(this.dir, 'web');
		run(path.join(top, 'deploy', 'install-web.sh'), [path.join(top,
		    'web'), this.webDir, pub]);
		this.totpSealKey = path.join(this.keysDir, 'totp-seal.key');
		this.recoveryKey = path.join(this.keysDir, 'recovery.key');
		return [
			`receipt_lookup_key = ${this.keysDir}/receipt-lookup.key`,
			`contact_link_key = ${this.keysDir}/contact-link.key`,
			'receipt_argon2_m_kib = 8192',
			'receipt_argon2_t = 1',
			`totp_seal_key = ${this.totpSealKey}`,
			...(this.pinManifest ? [`manifest_public_key = ${pub}`] : []),
			// Key changes reach /v1/forms within a second.
			'forms_refresh_s = 1',
			`epoch_key_dir = ${this.keysDir}/epoch`,
		].join('\n');
	}

	// A handler made with the real commands: `meldctl user add` (its
	// TOTP secret read from the output) and `queue members add
	// --recovery-key`, which wraps the queue's key to the handler's.
	// queue: one queue name or a list of them.
	addHandler(username, queue, opts = {}) {
		const u = this.addUser(username, 'handler', opts);
		for (const q of [queue].flat())
			meldctl(this.admin, 'queue', 'members', 'add', q, username,
			    '--recovery-key', this.recoveryKey);
		return u;
	}

	// A privacy officer in the given queues, holding the identity and
	// contact-link keys (`meldctl officer grant`).
	addOfficer(username, queue) {
		const u = this.addUser(username, 'officer');
		for (const q of [queue].flat())
			meldctl(this.admin, 'queue', 'members', 'add', q, username,
			    '--recovery-key', this.recoveryKey);
		meldctl(this.admin, 'officer', 'grant', username, '--identity-key',
		    path.join(this.keysDir, 'identity.key'), '--contact-link-key',
		    path.join(this.keysDir, 'contact-link.key'));
		return u;
	}

	// Any user kind (handler, officer, researcher) with `meldctl user
	// add`; its TOTP secret read from the output.  forced: leave the
	// first sign-in steps due (schema 0251); the other tests sign in
	// straight away (--no-forced-change).  qr: also draw the QR code
	// (--qr); the whole output is returned as `out`.
	addUser(username, kind, { forced = false, qr = false } = {}) {
		const password = `pw-${randomBytes(12).toString('hex')}`;
		const out = meldctlInput(this.admin, password, 'user', 'add',
		    '--kind', kind, ...(forced ? [] : ['--no-forced-change']),
		    ...(qr ? ['--qr'] : []), '--password-stdin', '--argon2',
		    '8192,1,1', '--totp-seal-key', this.totpSealKey, username);
		const secret = /^totp-secret: ([A-Z2-7]+)$/m.exec(out)?.[1];
		if (!secret)
			throw new Error(`no totp-secret in meldctl output:\n${out}`);
		return { username, password, secret, out };
	}

	writeConfig() {
		this.conf = path.join(this.dir, 'meldpuntd.conf');
		writeFileSync(this.conf, [
			'listen = 127.0.0.1:0',
			`tls_cert = ${this.dir}/cert.pem`,
			`tls_key = ${this.dir}/key.pem`,
			'log_level = info',
			this.keyConf,
			'[public]',
			`database = "${conninfo(this.dbname, 'mp_public')}"`,
			`web_root = ${this.webDir}`,
			...this.publicConf,
			'[staff]',
			`database = "${conninfo(this.dbname, 'mp_staff')}"`,
			`console_root = ${path.join(top, 'console')}`,
			...this.staffConf,
			'',
		].join('\n'));
	}

	// One statement as mp_admin (the insider of issue 12).
	sqlAsAdmin(sql) {
		return run('psql', ['-qtAX', '-v', 'ON_ERROR_STOP=1', '-d',
		    conninfo(this.dbname, 'mp_admin'), '-c', sql]);
	}

	async spawn(role) {
		const proc = spawn(path.join(build, 'meldpuntd'), ['-c', this.conf,
		    '--role', role], { stdio: ['ignore', 'pipe', 'pipe'] });
		this.procs.push(proc);
		live.add(proc);
		proc.on('exit', () => live.delete(proc));
		return waitListening(proc, path.join(this.dir, `${role}.log`));
	}

	log(role) {
		try {
			return readFileSync(path.join(this.dir, `${role}.log`), 'utf8');
		} catch {
			return '';
		}
	}

	async stop() {
		const exits = this.procs.map((p) => new Promise((resolve) => {
			if (p.exitCode !== null || p.signalCode !== null) {
				resolve(p.exitCode);
				return;
			}
			p.removeAllListeners('exit');
			p.on('exit', (code) => {
				live.delete(p);
				resolve(code);
			});
			p.kill('SIGTERM');
		}));
		const codes = await Promise.all(exits);
		this.procs = [];
		if (this.dbname) {
			try {
				psql(`DROP DATABASE IF EXISTS ${this.dbname} WITH (FORCE)`);
			} catch {
				/* the cluster goes away with the run anyway */
			}
		}
		return codes;
	}
}

// Headless Debian Chromium with the flags TESTING.md gives, a fresh empty
// profile, and TLS errors ignored for the self-signed loopback cert.
// extra: further context options (the accessibility test passes
// bypassCSP so that axe-core can be evaluated in the page).
export async function launchBrowser(chromium, extra = {}) {
	const tmp = process.env.MELDPUNT_TEST_TMP ?? '/tmp';
	const profile = mkdtempSync(path.join(tmp, 'chromium-profile-'));
	const exe = process.env.MELDPUNT_CHROMIUM ?? '/usr/bin/chromium';
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: exe,
		headless: true,
		ignoreHTTPSErrors: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu',
		    '--disable-quic', '--no-first-run',
		    '--disable-background-networking',
		    '--disable-component-update', '--disable-sync'],
		...extra,
	});
	return { context, profile };
}

export function artifactsDir() {
	const dir = path.join(top, 'build', 'artifacts');
	mkdirSync(dir, { recursive: true });
	return dir;
}
