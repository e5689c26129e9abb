/*
 * Spawning meldpuntd for end-to-end tests.  Each daemon gets its own
 * directory so that parallel Criterion workers never share files.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/tdaemon.h"

static int	tdaemon_seq;

const char *
tdaemon_conninfo(const char *dbname, const char *user)
{
	static char	 buf[1024];
	const char	*host = getenv("PGHOST"), *port = getenv("PGPORT");

	snprintf(buf, sizeof(buf), "host=%s port=%s dbname=%s user=%s",
	    host != NULL ? host : "/tmp", port != NULL ? port : "5432",
	    dbname != NULL ? dbname : "postgres",
	    user != NULL ? user : (getenv("PGUSER") ? getenv("PGUSER") :
	    "postgres"));
	return (buf);
}

int
tdaemon_make_cert(const char *dir)
{
	char	 cmd[2048];

	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -keyout '%s/key.pem' -out "
	    "'%s/cert.pem' -days 2 -subj /CN=localhost >/dev/null 2>&1 && "
	    "chmod 0600 '%s/key.pem'", dir, dir, dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static int
tdaemon_wait_port(struct tdaemon *d)
{
	int	 i;
	char	*log, *p;

	for (i = 0; i < 200; i++) {	/* 10 s */
		int	 st;

		if ((log = tdaemon_log(d)) != NULL) {
			/* "... listening on https://HOST:PORT/" */
			if ((p = strstr(log, "listening on https://")) != NULL &&
			    (p = strchr(p + 21, '/')) != NULL) {
				while (p[-1] != ':')
					p--;
				d->port = atoi(p);
				free(log);
				return (d->port > 0 ? 0 : -1);
			}
			free(log);
		}
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = -1;
			return (-1);
		}
		usleep(50000);
	}
	return (-1);
}

int
tdaemon_start(struct tdaemon *d, const char *role, const char *database,
    const char *extra)
{
	const char	*tmp = getenv("MELDPUNT_TEST_TMP");
	const char	*build = getenv("MELDPUNT_BUILD");
	char		 conf[700], bin[600];
	FILE		*fp;
	int		 fd;

	memset(d, 0, sizeof(*d));
	d->pid = -1;
	if (tmp == NULL || build == NULL)
		return (-1);
	snprintf(d->dir, sizeof(d->dir), "%s/daemon-%d-%d-%ld", tmp,
	    (int)getpid(), ++tdaemon_seq, (long)time(NULL));
	if (mkdir(d->dir, 0700) == -1 || tdaemon_make_cert(d->dir) == -1)
		return (-1);
	snprintf(conf, sizeof(conf), "%s/meldpuntd.conf", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/meldpuntd.log", d->dir);
	if ((fp = fopen(conf, "w")) == NULL)
		return (-1);
	/*
	 * Proof of work stays required (the production default) and the
	 * test client solves every challenge (tpow.h), at 8 bits instead of
	 * 16 so that the suite's CPU goes to what each test tests (timing
	 * tests run in parallel with it); the per-source policy is lifted,
	 * because every test submits from one address (TCL_CLIENT_ADDR).
	 * tests/e2e/test_pow.c sets its own, the browser tests run the
	 * production defaults; extra is written after these lines, and a
	 * later key wins.
	 */
	fprintf(fp, "listen = 127.0.0.1:0\ntls_cert = %s/cert.pem\n"
	    "tls_key = %s/key.pem\ndatabase = \"%s\"\nlog_level = debug\n"
	    "pow_base_bits = 8\npow_source_free = 1000000\n"
	    "pow_source_limit = 1000000\n%s",
	    d->dir, d->dir, database != NULL ? database :
	    tdaemon_conninfo(NULL, NULL), extra != NULL ? extra : "");
	fclose(fp);
	snprintf(bin, sizeof(bin), "%s/meldpuntd", build);

	if ((d->pid = fork()) == -1)
		return (-1);
	if (d->pid == 0) {
		/* A test that dies (timeout, crash) takes its daemon along. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if ((fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
			_exit(127);
		dup2(fd, 2);
		dup2(fd, 1);
		close(fd);
		execl(bin, "meldpuntd", "-c", conf, "--role", role, (char *)NULL);
		_exit(127);
	}
	if (tdaemon_wait_port(d) == -1) {
		tdaemon_stop(d);
		return (-1);
	}
	return (0);
}

int
tdaemon_stop(struct tdaemon *d)
{
	int	 st, i;

	if (d->pid <= 0)
		return (-1);
	kill(d->pid, SIGTERM);
	for (i = 0; i < 300; i++) {	/* 15 s, then insist */
		if (waitpid(d->pid, &st, WNOHANG) == d->pid)
			break;
		usleep(50000);
	}
	if (i == 300) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &st, 0);
	}
	d->pid = -1;
	if (WIFEXITED(st))
		return (WEXITSTATUS(st));
	return (128 + WTERMSIG(st));
}

char *
tdaemon_log(const struct tdaemon *d)
{
	FILE	*fp;
	char	*buf = NULL;
	long	 len;

	if ((fp = fopen(d->log, "r")) == NULL)
		return (NULL);
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc(len + 1)) != NULL) {
		len = (long)fread(buf, 1, len, fp);
		buf[len] = '\0';
	}
	fclose(fp);
	return (buf);
}
