/*
 * Memory per idle TLS keep-alive connection (DESIGN §8: 1,000 idle TLS
 * keep-alive connections cost under 20 MiB).  Starts its own meldpuntd
 * on loopback (no database needed: /healthz never touches it), opens
 * connections that each complete a handshake and one request and then sit
 * idle, and reads the daemon's resident set from /proc.  Prints a table.
 *
 *   bench_conns [MAXCONNS]        default 1000
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

struct bconn {
	int	 fd;
	SSL	*ssl;
};

static long
rss_kib(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*fp;
	long	 kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(fp);
	return (kib);
}

static int
bconn_open(SSL_CTX *ctx, int port, struct bconn *c)
{
	static const char req[] =
	    "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	struct sockaddr_in	 sin;
	char			 buf[2048];
	int			 n, got = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return (-1);
	if ((c->ssl = SSL_new(ctx)) == NULL)
		return (-1);
	SSL_set_fd(c->ssl, c->fd);
	if (SSL_connect(c->ssl) != 1 ||
	    SSL_write(c->ssl, req, sizeof(req) - 1) != (int)sizeof(req) - 1)
		return (-1);
	/* Read the whole (small) response so the server is idle again. */
	while (got < 200 && (n = SSL_read(c->ssl, buf, sizeof(buf))) > 0)
		if (memmem(buf, n, "}", 1) != NULL)
			return (0);
		else
			got += n;
	return (-1);
}

static pid_t
start_daemon(const char *dir, int *port)
{
	char	 conf[512], log[512], cmd[1024], line[512];
	FILE	*fp;
	pid_t	 pid;
	int	 i, fd;

	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -keyout %s/key.pem -out "
	    "%s/cert.pem -days 1 -subj /CN=localhost >/dev/null 2>&1 && "
	    "chmod 600 %s/key.pem", dir, dir, dir);
	if (system(cmd) != 0)
		return (-1);
	snprintf(conf, sizeof(conf), "%s/bench.conf", dir);
	snprintf(log, sizeof(log), "%s/bench.log", dir);
	if ((fp = fopen(conf, "w")) == NULL)
		return (-1);
	fprintf(fp, "listen = 127.0.0.1:0\ntls_cert = %s/cert.pem\n"
	    "tls_key = %s/key.pem\ndatabase = \"host=/nonexistent dbname=x\"\n"
	    "db_pool_size = 1\nmax_connections = 5000\nidle_timeout_ms = 600000\n"
	    "workers = 1\n", dir, dir);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "%s/meldpuntd", getenv("MELDPUNT_BUILD") ?
	    getenv("MELDPUNT_BUILD") : "build");
	if ((pid = fork()) == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execl(cmd, "meldpuntd", "-c", conf, "--role", "public", NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		usleep(50000);
		if ((fp = fopen(log, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL) {
			char	*p = strstr(line, "https://127.0.0.1:");

			if (p != NULL) {
				*port = atoi(p + 18);
				fclose(fp);
				return (pid);
			}
		}
		fclose(fp);
	}
	kill(pid, SIGKILL);
	return (-1);
}

int
main(int argc, char *argv[])
{
	static const int steps[] = { 0, 100, 250, 500, 1000, 2000 };
	struct rlimit	 rl;
	struct bconn	*conns;
	SSL_CTX		*ctx;
	char		 dir[] = "/tmp/meldpunt-bench-XXXXXX";
	long		 base, rss;
	pid_t		 pid;
	int		 max = argc > 1 ? atoi(argv[1]) : 1000, port = 0, open = 0;
	size_t		 i;

	if (max < 1 || max > 4000 || mkdtemp(dir) == NULL)
		return (2);
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGPIPE, SIG_IGN);
	if ((pid = start_daemon(dir, &port)) == -1) {
		fprintf(stderr, "bench_conns: cannot start meldpuntd\n");
		return (1);
	}
	ctx = SSL_CTX_new(TLS_client_method());
	conns = calloc(max, sizeof(*conns));
	usleep(200000);
	base = rss_kib(pid);
	printf("| idle TLS connections | daemon RSS (KiB) | added (KiB) | per connection (KiB) |\n");
	printf("|---:|---:|---:|---:|\n");
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i] > max)
			break;
		for (; open < steps[i]; open++)
			if (bconn_open(ctx, port, &conns[open]) == -1) {
				fprintf(stderr, "bench_conns: connection %d failed\n",
				    open);
				goto done;
			}
		usleep(300000);
		rss = rss_kib(pid);
		printf("| %d | %ld | %ld | %.1f |\n", open, rss, rss - base,
		    open > 0 ? (double)(rss - base) / open : 0.0);
	}
	printf("\nbudget (DESIGN §8): 1000 idle connections under 20480 KiB added\n");
 done:
	for (i = 0; i < (size_t)open; i++) {
		SSL_free(conns[i].ssl);
		close(conns[i].fd);
	}
	free(conns);
	SSL_CTX_free(ctx);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	{
		char	 cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_conns: cannot remove %s\n", dir);
	}
	return (0);
}
