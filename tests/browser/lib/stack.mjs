// A real meldpunt for browser tests: a fresh database in the PostgreSQL
// cluster that tests/browser/run.sh (or tests/run.sh) started, every
// migration applied by `meldctl migrate`, keys made by `meldctl init`, a
// development certificate, and meldpuntd for the public role (serving
// web/) and, when asked, the staff role.  Loopback only; ports picked by
// the kernel and read back from the "listening on" line.
//
// Environment (set by run.sh): MELDPUNT_TOP, MELDPUNT_BUILD, PGHOST,
// PGPORT, PGUSER, MELDPUNT_TEST_TMP.

import { spawn, spawnSync } from 'node:child_process';
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

// Does this meldctl have a command?  (The reporter and staff issues add
// `init`, `user` and `queue`; until then the stack runs without keys.)
export function meldctlHas(cmd) {
	const r = spawnSync(meldctlPath(), ['--help'],
	    { encoding: 'utf8' });
	return new RegExp(`^\\s+${cmd}\\b`, 'm').test(`${r.stdout}${r.stderr}`);
}

export class Stack {
	constructor({ staff = false } = {}) {
		this.staff = staff;
		this.procs = [];
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
		this.keysDir = path.join(this.dir, 'keys');
		mkdirSync(this.keysDir, { mode: 0o700 });
		this.keyConf = '';
		if (meldctlHas('init'))
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

	// `meldctl init` writes the key files; it prints the configuration
	// lines the daemons need (see docs/meldctl.8).
	initKeys() {
		const out = meldctl(this.db, 'init', '--keys-dir', this.keysDir);
		return out.split('\n').filter((l) => /^\s*[a-z_]+\s*=/.test(l))
		    .join('\n');
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
			`web_root = ${path.join(top, 'web')}`,
			'[staff]',
			`database = "${conninfo(this.dbname, 'mp_staff')}"`,
			'',
		].join('\n'));
	}

	async spawn(role) {
		const proc = spawn(path.join(build, 'meldpuntd'), ['-c', this.conf,
		    '--role', role], { stdio: ['ignore', 'pipe', 'pipe'] });
		this.procs.push(proc);
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
			p.on('exit', (code) => resolve(code));
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
export async function launchBrowser(chromium) {
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
	});
	return { context, profile };
}

export function artifactsDir() {
	const dir = path.join(top, 'build', 'artifacts');
	mkdirSync(dir, { recursive: true });
	return dir;
}
