/*
 * Static serving of the reference web client (daemon/web.c): a real
 * public meldpuntd with web_root = the repository's web/, over TLS.
 * Every file in the manifest comes back byte for byte with its type and
 * the security headers, HTML with the strict page CSP; HEAD has the length
 * and no body; anything not listed -- traversal spellings, directories,
 * the manifest, dot-files, other methods -- is refused with JSON.  The
 * loader's own refusals (bad names, symlinks, sizes) are tested directly.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "daemon/web.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf = NULL;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return (NULL);
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc(n + 1)) != NULL) {
		*len = fread(buf, 1, n, fp);
		buf[*len] = '\0';
	}
	fclose(fp);
	return (buf);
}

static const char *
web_dir(void)
{
	static char	 dir[600];
	const char	*top = getenv("MELDPUNT_TOP");

	snprintf(dir, sizeof(dir), "%s/web", top != NULL ? top : ".");
	return (dir);
}

static void
start_web(struct tdaemon *d, const char *role)
{
	char	 extra[700];

	snprintf(extra, sizeof(extra), "web_root = %s\n", web_dir());
	cr_assert_eq(tdaemon_start(d, role, NULL, extra), 0,
	    "meldpuntd did not start (see %s)", d->log);
}

static void
assert_header(const struct tcl_resp *r, const char *name, const char *want)
{
	char	*v = tcl_resp_header(r, name);

	cr_assert_not_null(v, "missing header %s", name);
	cr_assert(strstr(v, want) != NULL, "%s: %s", name, v);
	free(v);
}

static void
assert_json_404(int port, const char *method, const char *path)
{
	struct tcl_resp	 r;

	cr_assert_eq(tcl_request(port, method, path, NULL, NULL, &r), 0,
	    "%s %s: no response", method, path);
	cr_assert(r.status == 404 || r.status == 400 || r.status == 405,
	    "%s %s: status %d", method, path, r.status);
	assert_header(&r, "Content-Type", "application/json");
	cr_assert(strstr(r.body, "\"error\"") != NULL, "%s: %s", path, r.body);
	tcl_resp_clear(&r);
}

Test(web, index_has_page_csp_and_security_headers, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;
	char		 path[700], *disk;
	size_t		 len = 0;

	start_web(&d, "public");
	snprintf(path, sizeof(path), "%s/index.html", web_dir());
	disk = slurp(path, &len);
	cr_assert_not_null(disk);

	cr_assert_eq(tcl_request(d.port, "GET", "/", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.bodylen, len);
	cr_assert(memcmp(r.body, disk, len) == 0, "/ is not index.html");
	assert_header(&r, "Content-Type", "text/html; charset=utf-8");
	assert_header(&r, "Content-Security-Policy", "default-src 'none'");
	assert_header(&r, "Content-Security-Policy", "script-src 'self';");
	assert_header(&r, "Content-Security-Policy", "style-src 'self';");
	assert_header(&r, "Content-Security-Policy", "connect-src 'self';");
	assert_header(&r, "Content-Security-Policy", "form-action 'none'");
	assert_header(&r, "Content-Security-Policy", "frame-ancestors 'none'");
	assert_header(&r, "Content-Security-Policy", "base-uri 'none'");
	assert_header(&r, "Content-Security-Policy",
	    "require-trusted-types-for 'script'");
	assert_header(&r, "Cache-Control", "no-store");
	assert_header(&r, "X-Content-Type-Options", "nosniff");
	assert_header(&r, "Referrer-Policy", "no-referrer");
	assert_header(&r, "Strict-Transport-Security", "max-age=");
	assert_header(&r, "Cross-Origin-Opener-Policy", "same-origin");
	assert_header(&r, "Permissions-Policy", "camera=()");
	/* No inline script or style may be needed by the page. */
	cr_assert(strstr(r.body, "<script>") == NULL);
	cr_assert(strstr(r.body, "<style") == NULL);
	cr_assert(strstr(r.body, " style=") == NULL);
	cr_assert(strstr(r.body, "http://") == NULL &&
	    strstr(r.body, "https://") == NULL, "no other origins");
	tcl_resp_clear(&r);

	/* A query string does not change what is served. */
	cr_assert_eq(tcl_request(d.port, "GET", "/?lang=ar", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.bodylen, len);
	tcl_resp_clear(&r);
	free(disk);
	cr_assert_eq(tdaemon_stop(&d), 0);
}

/* Every file the manifest lists, byte for byte with its type. */
Test(web, every_manifest_file_served_with_its_type, .timeout = 60)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;
	char		 mpath[700], fpath[900], url[300], *man, *line, *save;
	char		*disk;
	size_t		 mlen = 0, len;
	int		 n = 0, js = 0, css = 0;

	start_web(&d, "public");
	snprintf(mpath, sizeof(mpath), "%s/%s", web_dir(), WEB_MANIFEST);
	man = slurp(mpath, &mlen);
	cr_assert_not_null(man);
	for (line = strtok_r(man, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		snprintf(url, sizeof(url), "/%s", line);
		snprintf(fpath, sizeof(fpath), "%s/%s", web_dir(), line);
		disk = slurp(fpath, &len);
		cr_assert_not_null(disk, "%s listed but missing", line);
		cr_assert_eq(tcl_request(d.port, "GET", url, NULL, NULL, &r), 0);
		cr_assert_eq(r.status, 200, "%s: %d", url, r.status);
		cr_assert_eq(r.bodylen, len, "%s: length", url);
		cr_assert(memcmp(r.body, disk, len) == 0, "%s: content", url);
		assert_header(&r, "Content-Type", web_content_type(line));
		assert_header(&r, "X-Content-Type-Options", "nosniff");
		assert_header(&r, "Cache-Control", "no-store");
		if (strstr(line, ".js") != NULL) {
			assert_header(&r, "Content-Type", "text/javascript");
			js++;
		}
		if (strstr(line, ".css") != NULL) {
			assert_header(&r, "Content-Type", "text/css");
			css++;
		}
		if (strstr(line, ".html") == NULL)
			assert_header(&r, "Content-Security-Policy",
			    "default-src 'none'; frame-ancestors 'none'");
		tcl_resp_clear(&r);
		free(disk);
		n++;
	}
	cr_assert(n >= 5 && js >= 3 && css >= 1, "manifest too small: %d", n);
	free(man);
	cr_assert_eq(tdaemon_stop(&d), 0);
}

Test(web, head_has_length_and_no_body, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_conn	*c;
	char		 buf[8192], want[64], path[700], *disk;
	const char	*req = "HEAD /js/hpke.js HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\n\r\n";
	size_t		 len = 0;
	long		 n;

	start_web(&d, "public");
	snprintf(path, sizeof(path), "%s/js/hpke.js", web_dir());
	disk = slurp(path, &len);
	cr_assert_not_null(disk);
	c = tcl_connect(d.port, 1);
	cr_assert_not_null(c);
	cr_assert_eq(tcl_write(c, req, strlen(req)), 0);
	n = tcl_read_until_close(c, 5000, buf, sizeof(buf) - 1);
	tcl_close(c);
	cr_assert(n > 0);
	buf[n] = '\0';
	cr_assert(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%s", buf);
	snprintf(want, sizeof(want), "Content-Length: %zu\r\n", len);
	cr_assert(strstr(buf, want) != NULL, "%s", buf);
	cr_assert(strstr(buf, "text/javascript") != NULL);
	/* Nothing after the blank line that ends the head. */
	cr_assert(strstr(buf, "\r\n\r\n") != NULL);
	cr_assert_str_eq(strstr(buf, "\r\n\r\n") + 4, "");
	free(disk);
	cr_assert_eq(tdaemon_stop(&d), 0);
}

Test(web, nothing_outside_the_manifest, .timeout = 60)
{
	static const char *const bad[] = {
		"/../daemon/web.c", "/js/../index.html", "/%2e%2e/README.md",
		"/..%2fREADME.md", "/js/", "/js", "/css", "/files.txt",
		"/.git/config", "//index.html", "/index.html/", "/INDEX.HTML",
		"/index.html%00", "/index.htm", "/web.c", "/etc/passwd",
		"/js/hpke.js/", "/js//hpke.js", "/./index.html", "/index.html.bak",
		"/%69ndex.html", "/js/hpke.js;x", "/favicon.ico",
	};
	struct tdaemon	 d;
	struct tcl_resp	 r;
	size_t		 i;

	start_web(&d, "public");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_json_404(d.port, "GET", bad[i]);
	/* Static paths answer GET and HEAD only. */
	cr_assert_eq(tcl_request(d.port, "POST", "/index.html",
	    "Content-Type: application/json\r\n", "{}", &r), 0);
	cr_assert_neq(r.status, 200);
	tcl_resp_clear(&r);
	cr_assert_eq(tcl_request(d.port, "DELETE", "/", NULL, NULL, &r), 0);
	cr_assert_neq(r.status, 200);
	tcl_resp_clear(&r);
	/* The API still answers beside the files. */
	cr_assert_eq(tcl_request(d.port, "GET", "/healthz", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	tcl_resp_clear(&r);
	cr_assert_eq(tdaemon_stop(&d), 0);
}

Test(web, off_unless_configured_and_never_on_staff, .timeout = 30)
{
	struct tdaemon	 d;

	cr_assert_eq(tdaemon_start(&d, "public", NULL, NULL), 0);
	assert_json_404(d.port, "GET", "/");
	assert_json_404(d.port, "GET", "/index.html");
	cr_assert_eq(tdaemon_stop(&d), 0);
	start_web(&d, "staff");
	assert_json_404(d.port, "GET", "/");
	assert_json_404(d.port, "GET", "/js/hpke.js");
	cr_assert_eq(tdaemon_stop(&d), 0);
}

/*
 * The staff console (issue 13): console_root, read by the staff role
 * only.  With both keys at the top level, the staff port serves the
 * console (HTML under the page CSP) and not the reporter page, the public
 * port the reporter page and not the console.
 */
Test(web, console_on_staff_only, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;
	char		 extra[1600], *top;

	top = getenv("MELDPUNT_TOP");
	snprintf(extra, sizeof(extra), "web_root = %s\n"
	    "console_root = %s/console\n", web_dir(), top ? top : ".");
	cr_assert_eq(tdaemon_start(&d, "staff", NULL, extra), 0,
	    "meldpuntd did not start (see %s)", d.log);
	cr_assert_eq(tcl_request(d.port, "GET", "/", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "/js/app.js") != NULL, "%s", r.body);
	assert_header(&r, "Content-Security-Policy", "script-src 'self'");
	assert_header(&r, "Content-Security-Policy",
	    "require-trusted-types-for 'script'");
	tcl_resp_clear(&r);
	cr_assert_eq(tcl_request(d.port, "GET", "/js/casev.js", NULL, NULL,
	    &r), 0);
	cr_assert_eq(r.status, 200);
	tcl_resp_clear(&r);
	assert_json_404(d.port, "GET", "/js/hpke.js");
	assert_json_404(d.port, "GET", "/check.html");
	cr_assert_eq(tdaemon_stop(&d), 0);

	cr_assert_eq(tdaemon_start(&d, "public", NULL, extra), 0,
	    "meldpuntd did not start (see %s)", d.log);
	assert_json_404(d.port, "GET", "/js/casev.js");
	assert_json_404(d.port, "GET", "/js/officer.js");
	cr_assert_eq(tdaemon_stop(&d), 0);
}

Test(web, bad_web_root_stops_start_up, .timeout = 30)
{
	struct tdaemon	 d;
	char		*log;

	cr_assert_eq(tdaemon_start(&d, "public", NULL,
	    "web_root = /nonexistent/meldpunt-web\n"), -1);
	log = tdaemon_log(&d);
	cr_assert_not_null(log);
	cr_assert(strstr(log, "web_root") != NULL, "%s", log);
	free(log);
}

/* ---- the loader itself, on directories made here ---- */

static char	 tdir[512];

static void
mkroot(const char *manifest)
{
	char	 p[600];
	FILE	*fp;

	snprintf(tdir, sizeof(tdir), "%s/webroot-XXXXXX",
	    getenv("MELDPUNT_TEST_TMP") ? getenv("MELDPUNT_TEST_TMP") : "/tmp");
	cr_assert_not_null(mkdtemp(tdir));
	snprintf(p, sizeof(p), "%s/js", tdir);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/index.html", tdir);
	fp = fopen(p, "w");
	fputs("<!doctype html><title>x</title>", fp);
	fclose(fp);
	snprintf(p, sizeof(p), "%s/js/a.js", tdir);
	fp = fopen(p, "w");
	fputs("export const a = 1;\n", fp);
	fclose(fp);
	snprintf(p, sizeof(p), "%s/%s", tdir, WEB_MANIFEST);
	fp = fopen(p, "w");
	fputs(manifest, fp);
	fclose(fp);
}

static int
load(const char *manifest, char *err)
{
	mkroot(manifest);
	return (web_load(tdir, err, 256));
}

Test(web_load, accepts_a_good_manifest)
{
	char	 err[256] = "";

	cr_assert_eq(load("# comment\nindex.html\n\n  js/a.js  \n", err), 0,
	    "%s", err);
	cr_assert_eq(web_count(), 2);
	web_unload();
	cr_assert_eq(web_count(), 0);
}

Test(web_load, refuses_names_that_could_escape_or_hide)
{
	static const char *const bad[] = {
		"../index.html\n", "js/../index.html\n", "/index.html\n",
		"./index.html\n", ".hidden.js\n", "js/.a.js\n", "js//a.js\n",
		"js/\n", "index.exe\n", "index\n", "js/a.js/\n", "in dex.html\n",
		"index.html\nindex.html\n", "index.html\\\n", "\n# nothing\n",
		"js\n",
	};
	char	 err[256];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(load(bad[i], err), -1, "accepted: %s", bad[i]);
		cr_assert(err[0] != '\0');
		cr_assert_eq(web_count(), 0);
	}
}

Test(web_load, refuses_symlinks_directories_missing_and_large_files)
{
	char	 err[256], p[700], q[700];
	int	 fd;

	cr_assert_eq(load("missing.html\n", err), -1);
	cr_assert(strstr(err, "missing.html") != NULL, "%s", err);

	mkroot("link.html\n");
	snprintf(p, sizeof(p), "%s/link.html", tdir);
	cr_assert_eq(symlink("/etc/passwd", p), 0);
	cr_assert_eq(web_load(tdir, err, sizeof(err)), -1, "symlink followed");

	mkroot("dir.js\n");
	snprintf(p, sizeof(p), "%s/dir.js", tdir);
	cr_assert_eq(mkdir(p, 0755), 0);
	cr_assert_eq(web_load(tdir, err, sizeof(err)), -1, "directory served");

	mkroot("big.js\n");
	snprintf(p, sizeof(p), "%s/big.js", tdir);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(ftruncate(fd, WEB_FILE_MAX + 1), 0);
	close(fd);
	cr_assert_eq(web_load(tdir, err, sizeof(err)), -1, "oversized file");

	/* The manifest itself must not be a symlink either. */
	mkroot("index.html\n");
	snprintf(p, sizeof(p), "%s/%s", tdir, WEB_MANIFEST);
	snprintf(q, sizeof(q), "%s/other.txt", tdir);
	cr_assert_eq(rename(p, q), 0);
	cr_assert_eq(symlink(q, p), 0);
	cr_assert_eq(web_load(tdir, err, sizeof(err)), -1);
	cr_assert_eq(web_count(), 0);
}

Test(web_load, content_types_by_extension)
{
	cr_assert_str_eq(web_content_type("a/b.html"), "text/html; charset=utf-8");
	cr_assert_str_eq(web_content_type("b.js"),
	    "text/javascript; charset=utf-8");
	cr_assert_str_eq(web_content_type("c.css"), "text/css; charset=utf-8");
	cr_assert_str_eq(web_content_type("d.svg"), "image/svg+xml");
	cr_assert_null(web_content_type("e.exe"));
	cr_assert_null(web_content_type("js.d/noext"));
	cr_assert_null(web_content_type("html"));
}
