/*
 * Shared set-up of the load benchmarks (header-only, see loadgen.h): a
 * private PostgreSQL cluster under /tmp started with deploy/pgcluster.sh,
 * a database migrated and initialised with the real meldctl, a development
 * certificate, and meldpuntd processes on loopback with free ports.  An
 * atexit handler stops every daemon and the cluster and removes the
 * directory, also when a benchmark fails half-way.
 *
 * Environment: MELDPUNT_TOP, MELDPUNT_BUILD (set by bench/run.sh),
 * MELDPUNT_BENCH_SECONDS (length of each load phase; default per bench).
 */
#ifndef MELDPUNT_BENCH_BENCHENV_H
#define MELDPUNT_BENCH_BENCHENV_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#define BENV_MAXD	4

struct bdaemon {
	pid_t	 pid;
	int	 port;
	char	 conf[600], log[600];
};

struct benv {
	char		 tmp[256];	/* /tmp/meldpunt-bench-NAME.XXXXXX */
	char		 pg[300];	/* cluster directory */
	char		 keys[300];	/* meldctl init --keys */
	char		 top[1024], build[1024];
	const char	*su;		/* the cluster's superuser */
	int		 fsync;
	int		 up;
	struct bdaemon	*d[BENV_MAXD];
	const cpu_set_t	*dcpus;		/* daemons started now run here */
};

static struct benv	*benv_global;

static inline int
benv_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline int
benv_sh(const char *fmt, ...)
{
	char	cmd[8192];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return (system(cmd) == 0 ? 0 : -1);
}

static inline double
benv_seconds(double def)
{
	const char	*s = getenv("MELDPUNT_BENCH_SECONDS");
	double		 v = s != NULL ? atof(s) : 0;

	return (v > 0 && v <= 3600 ? v : def);
}

static inline const char *
benv_ci(const struct benv *e, const char *user)
{
	static char	ci[1024];

	snprintf(ci, sizeof(ci), "host=%s/sock dbname=bench user=%s", e->pg,
	    user != NULL ? user : e->su);
	return (ci);
}

static inline PGconn *
benv_connect(const struct benv *e, const char *user)
{
	PGconn	*c = PQconnectdb(benv_ci(e, user));

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench: connect as %s failed\n",
		    user ? user : e->su);
		PQfinish(c);
		return (NULL);
	}
	return (c);
}

static inline int
benv_exec(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);
	int		 ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
			    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "bench: SQL failed: %s", PQresultErrorMessage(r));
	PQclear(r);
	return (ok ? 0 : -1);
}

/* Run meldctl against the bench database; stdout (malloc'd) or NULL. */
static inline char *
benv_meldctl(const struct benv *e, const char *input, const char *args)
{
	char	 cmd[4096], *out;
	FILE	*fp;
	size_t	 n;

	snprintf(cmd, sizeof(cmd), "%s%s%s%s/meldctl -d '%s' %s%s",
	    input ? "printf '%s\\n' '" : "", input ? input : "",
	    input ? "' | " : "", e->build, benv_ci(e, NULL), args,
	    input ? "" : " </dev/null");
	if ((fp = popen(cmd, "r")) == NULL || (out = calloc(1, 65536)) == NULL)
		return (NULL);
	n = fread(out, 1, 65535, fp);
	out[n] = '\0';
	if (pclose(fp) != 0) {
		fprintf(stderr, "bench: meldctl %s failed: %s\n", args, out);
		free(out);
		return (NULL);
	}
	return (out);
}

static inline void
bdaemon_stop(struct bdaemon *d)
{
	int	i, st;

	if (d == NULL || d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			return;
		}
		usleep(50000);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	d->pid = 0;
}

static inline void
benv_stop(struct benv *e)
{
	int	i;

	if (e == NULL)
		return;
	for (i = 0; i < BENV_MAXD; i++)
		bdaemon_stop(e->d[i]);
	if (e->up) {
		benv_sh("%s/deploy/pgcluster.sh stop %s >/dev/null 2>&1",
		    e->top, e->pg);
		e->up = 0;
	}
	if (e->tmp[0] != '\0' && getenv("MELDPUNT_BENCH_KEEP") == NULL)
		benv_sh("rm -rf %s", e->tmp);
	e->tmp[0] = '\0';
}

static inline void
benv_atexit(void)
{
	benv_stop(benv_global);
}

static inline void
benv_signal(int sig)
{
	(void)sig;
	exit(3);	/* runs benv_atexit */
}

/*
 * Cluster, database "bench" migrated, `meldctl init` keys, certificate.
 */
static inline int
benv_start(struct benv *e, const char *name, int fsync)
{
	PGconn	*c;
	char	*out, args[600];

	memset(e, 0, sizeof(*e));
	snprintf(e->top, sizeof(e->top), "%s", getenv("MELDPUNT_TOP") ?
	    getenv("MELDPUNT_TOP") : ".");
	snprintf(e->build, sizeof(e->build), "%s", getenv("MELDPUNT_BUILD") ?
	    getenv("MELDPUNT_BUILD") : "build");
	if (e->build[0] != '/') {
		char	cwd[512], b[1024];

		if (getcwd(cwd, sizeof(cwd)) != NULL && strlen(cwd) +
		    strlen(e->build) + 2 < sizeof(b)) {
			memcpy(b, e->build, strlen(e->build) + 1);
			snprintf(e->build, sizeof(e->build), "%s/", cwd);
			strncat(e->build, b, sizeof(e->build) -
			    strlen(e->build) - 1);
		}
	}
	e->su = getuid() == 0 ? "postgres" : getenv("USER");
	e->fsync = fsync;
	snprintf(e->tmp, sizeof(e->tmp), "/tmp/meldpunt-bench-%s.XXXXXX", name);
	if (mkdtemp(e->tmp) == NULL) {
		e->tmp[0] = '\0';
		return (-1);
	}
	benv_global = e;
	atexit(benv_atexit);
	signal(SIGINT, benv_signal);
	signal(SIGTERM, benv_signal);
	signal(SIGPIPE, SIG_IGN);
	snprintf(e->pg, sizeof(e->pg), "%s/pg", e->tmp);
	snprintf(e->keys, sizeof(e->keys), "%s/keys", e->tmp);
	if (chmod(e->tmp, 0755) == -1 ||
	    benv_sh("MELDPUNT_PG_FSYNC=%s %s/deploy/pgcluster.sh start %s "
	    ">/dev/null", fsync ? "on" : "off", e->top, e->pg) == -1) {
		fprintf(stderr, "bench: cannot start PostgreSQL\n");
		return (-1);
	}
	e->up = 1;
	{
		char	ci[600];

		snprintf(ci, sizeof(ci), "host=%s/sock dbname=postgres user=%s",
		    e->pg, e->su);
		c = PQconnectdb(ci);
		if (PQstatus(c) != CONNECTION_OK ||
		    benv_exec(c, "CREATE DATABASE bench") == -1) {
			PQfinish(c);
			return (-1);
		}
		PQfinish(c);
	}
	if (benv_sh("%s/meldctl -d '%s' migrate --schema-dir %s/schema "
	    ">/dev/null 2>&1", e->build, benv_ci(e, NULL), e->top) == -1) {
		fprintf(stderr, "bench: meldctl migrate failed\n");
		return (-1);
	}
	snprintf(args, sizeof(args), "init --keys '%s'", e->keys);
	if ((out = benv_meldctl(e, NULL, args)) == NULL)
		return (-1);
	free(out);
	return (benv_sh("openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -keyout %s/key.pem -out %s/cert.pem "
	    "-days 1 -subj /CN=localhost >/dev/null 2>&1 && chmod 600 "
	    "%s/key.pem", e->tmp, e->tmp, e->tmp));
}

/* CPU time (ms, user + system) of one process from /proc. */
static inline double
benv_cpu_ms(pid_t pid)
{
	char			 path[64], buf[2048], *p;
	FILE			*fp;
	unsigned long long	 ut = 0, stt = 0;
	size_t			 n;
	int			 i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* Fields after the command name in parentheses: state is field 3,
	 * utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL)
		return (0);
	for (i = 2; i < 14 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu %llu", &ut, &stt) != 2)
		return (0);
	return ((ut + stt) * 1e3 / sysconf(_SC_CLK_TCK));
}

/*
 * Call fn for the postmaster and every process it has started (backends,
 * background workers); -1 without a running postmaster.
 */
static inline int
benv_pg_each(const struct benv *e, void (*fn)(pid_t, void *), void *arg)
{
	char	 path[400], line[64];
	FILE	*fp;
	pid_t	 pm;
	int	 c;

	snprintf(path, sizeof(path), "%s/data/postmaster.pid", e->pg);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	pm = fgets(line, sizeof(line), fp) != NULL ? atoi(line) : 0;
	fclose(fp);
	if (pm <= 0)
		return (-1);
	fn(pm, arg);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pm,
	    (int)pm);
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	while (fscanf(fp, "%d", &c) == 1)
		fn(c, arg);
	fclose(fp);
	return (0);
}

static inline void
benv_add_cpu_ms(pid_t pid, void *arg)
{
	*(double *)arg += benv_cpu_ms(pid);
}

/* CPU time (ms) of the postmaster and every backend of the cluster. */
static inline double
benv_pg_cpu_ms(const struct benv *e)
{
	double	ms = 0;

	(void)benv_pg_each(e, benv_add_cpu_ms, &ms);
	return (ms);
}

/*
 * Move every thread of a process to the CPUs of set (threads it creates
 * later inherit the creating thread's mask).
 */
static inline int
benv_pin(pid_t pid, const cpu_set_t *set)
{
	char		 path[64];
	DIR		*dir;
	struct dirent	*de;
	int		 rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.' &&
		    sched_setaffinity(atoi(de->d_name), sizeof(*set), set) == -1)
			rc = -1;
	closedir(dir);
	return (rc);
}

struct benv_pin_arg {
	const cpu_set_t	*set;
	int		 rc;
};

static inline void
benv_pin_one(pid_t pid, void *arg)
{
	struct benv_pin_arg	*a = arg;

	if (benv_pin(pid, a->set) == -1)
		a->rc = -1;
}

/*
 * Move the cluster to the CPUs of set: the postmaster (backends it forks
 * later inherit its mask) and every process it has started.
 */
static inline int
benv_pin_pg(const struct benv *e, const cpu_set_t *set)
{
	struct benv_pin_arg	a = { set, 0 };

	if (benv_pg_each(e, benv_pin_one, &a) == -1)
		return (-1);
	return (a.rc);
}

/*
 * Split the CPUs this process may use: the first quarter (at least one)
 * for PostgreSQL and the load generator, the rest for the daemons, as a
 * production installation has the database on its own host (docs/ha.md).
 * -1 with fewer than two CPUs.
 */
static inline int
benv_split_cpus(cpu_set_t *side, cpu_set_t *daemon)
{
	cpu_set_t	 all;
	int		 cpu, n, nside, i = 0;

	if (sched_getaffinity(0, sizeof(all), &all) == -1 ||
	    (n = CPU_COUNT(&all)) < 2)
		return (-1);
	nside = n / 4 > 0 ? n / 4 : 1;
	CPU_ZERO(side);
	CPU_ZERO(daemon);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &all)) {
			if (i++ < nside)
				CPU_SET(cpu, side);
			else
				CPU_SET(cpu, daemon);
		}
	return (0);
}

/* CPU time (ms) of this process (the load generator). */
static inline double
benv_self_cpu_ms(void)
{
	return (benv_cpu_ms(getpid()));
}

/*
 * Start meldpuntd with a role, a database user and extra configuration
 * lines; waits for its "listening on" line.  name makes the files unique.
 */
static inline int
bdaemon_start(struct benv *e, struct bdaemon *d, const char *name,
    const char *role, const char *dbuser, const char *extra)
{
	char	 bin[1100], line[512];
	FILE	*fp;
	int	 i, fd;

	memset(d, 0, sizeof(*d));
	snprintf(d->conf, sizeof(d->conf), "%s/%s.conf", e->tmp, name);
	snprintf(d->log, sizeof(d->log), "%s/%s.log", e->tmp, name);
	if ((fp = fopen(d->conf, "w")) == NULL)
		return (-1);
	fprintf(fp, "listen = 127.0.0.1:0\ntls_cert = %s/cert.pem\n"
	    "tls_key = %s/key.pem\ndatabase = \"%s\"\n%s",
	    e->tmp, e->tmp, benv_ci(e, dbuser), extra ? extra : "");
	fclose(fp);
	snprintf(bin, sizeof(bin), "%s/meldpuntd", e->build);
	if ((d->pid = fork()) == 0) {
		if (e->dcpus != NULL &&
		    sched_setaffinity(0, sizeof(*e->dcpus), e->dcpus) == -1)
			_exit(127);
		fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execl(bin, "meldpuntd", "-c", d->conf, "--role", role,
		    (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < BENV_MAXD; i++)
		if (e->d[i] == NULL) {
			e->d[i] = d;
			break;
		}
	/* Up to 60 s: the public role times one receipt Argon2id before it
	 * listens, seconds at GlobaLeaks' cost on a busy machine. */
	for (i = 0; i < 1200; i++) {
		usleep(50000);
		if ((fp = fopen(d->log, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL) {
			char	*p = strstr(line, "https://127.0.0.1:");

			if (p != NULL) {
				d->port = atoi(p + 18);
				fclose(fp);
				return (0);
			}
		}
		fclose(fp);
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid)
			break;
	}
	fprintf(stderr, "bench: meldpuntd --role %s did not start, see %s\n",
	    role, d->log);
	d->pid = 0;
	return (-1);
}

/* The 1-minute load average, or -1. */
static inline double
benv_loadavg(void)
{
	FILE	*fp = fopen("/proc/loadavg", "r");
	double	 l = -1;

	if (fp != NULL) {
		if (fscanf(fp, "%lf", &l) != 1)
			l = -1;
		fclose(fp);
	}
	return (l);
}

/* A loopback TCP port nobody listens on right now (0 if none). */
static inline int
benv_free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, port = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

#endif
