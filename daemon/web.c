/*
 * Static file serving for the public process: the reference reporter
 * page.  Everything is decided at start-up.  The manifest names the files;
 * each name must match a narrow pattern (no "..", no dot-files, no empty
 * segments, a known extension), each file must be a regular file no larger
 * than WEB_FILE_MAX, and all of them are read into memory.  A request is
 * then a lookup by exact path in that table: there is no path joining at
 * request time, hence no traversal, no directory listing, and no
 * file-system access on the event loop.
 *
 * Caching: the HTTP layer sends "Cache-Control: no-store" on every
 * response, and we keep it for these files too.  The page is a few tens
 * of kilobytes; not leaving a copy of a hotline's page in the disk cache
 * of a shared or watched device is worth more than a faster second visit.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/http.h"
#include "daemon/web.h"

struct web_file {
	char		*wf_path;	/* "/js/app.js" */
	unsigned char	*wf_data;
	size_t		 wf_len;
	const char	*wf_type;
	int		 wf_html;
};

static struct web_file	 web_files[WEB_MAX_FILES];
static size_t		 web_nfiles;
static int		 web_atexit_done;

static const struct {
	const char	*ext;
	const char	*type;
} web_types[] = {
	{ ".html",	"text/html; charset=utf-8" },
	{ ".css",	"text/css; charset=utf-8" },
	{ ".js",	"text/javascript; charset=utf-8" },
	{ ".mjs",	"text/javascript; charset=utf-8" },
	{ ".json",	"application/json" },
	{ ".svg",	"image/svg+xml" },
	{ ".png",	"image/png" },
	{ ".ico",	"image/x-icon" },
	{ ".txt",	"text/plain; charset=utf-8" },
	{ ".woff2",	"font/woff2" },
};

const char *
web_content_type(const char *name)
{
	const char	*slash = strrchr(name, '/');
	const char	*dot = strrchr(slash != NULL ? slash : name, '.');
	size_t		 i;

	if (dot == NULL)
		return (NULL);
	for (i = 0; i < sizeof(web_types) / sizeof(web_types[0]); i++)
		if (strcmp(dot, web_types[i].ext) == 0)
			return (web_types[i].type);
	return (NULL);
}

/*
 * A manifest name: segments of [A-Za-z0-9_.-] separated by single '/',
 * none empty and none starting with '.', so "..", ".git" and absolute
 * paths cannot be spelt at all.
 */
static int
web_name_ok(const char *name)
{
	size_t	 i, len = strlen(name);
	int	 seg_start = 1;

	if (len == 0 || len > WEB_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		char	 c = name[i];

		if (c == '/') {
			if (seg_start)
				return (0);	/* leading or double slash */
			seg_start = 1;
			continue;
		}
		if (seg_start && c == '.')
			return (0);
		seg_start = 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return (0);
	}
	return (!seg_start && web_content_type(name) != NULL);
}

/* Read a regular file (not a symlink) of at most WEB_FILE_MAX bytes. */
static unsigned char *
web_read_file(int dirfd, const char *name, size_t *lenp, const char **why)
{
	struct stat	 st;
	unsigned char	*buf = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		*why = strerror(errno);
		return (NULL);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto fail;
	}
	if (st.st_size > WEB_FILE_MAX) {
		*why = "larger than 1 MiB";
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		*why = "out of memory";
		goto fail;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why = n == 0 ? "changed while reading" : strerror(errno);
			goto fail;
		}
		off += (size_t)n;
	}
	close(fd);
	*lenp = off;
	return (buf);
 fail:
	free(buf);
	close(fd);
	return (NULL);
}

static int
web_add(int dirfd, const char *name, int lineno, char *err, size_t errlen)
{
	struct web_file	*f;
	const char	*why = NULL;
	size_t		 i;

	if (!web_name_ok(name)) {
		snprintf(err, errlen, "%s:%d: bad file name or type",
		    WEB_MANIFEST, lineno);
		return (-1);
	}
	if (web_nfiles == WEB_MAX_FILES) {
		snprintf(err, errlen, "%s: more than %d files", WEB_MANIFEST,
		    WEB_MAX_FILES);
		return (-1);
	}
	for (i = 0; i < web_nfiles; i++)
		if (strcmp(web_files[i].wf_path + 1, name) == 0) {
			snprintf(err, errlen, "%s: %s listed twice",
			    WEB_MANIFEST, name);
			return (-1);
		}
	f = &web_files[web_nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->wf_data = web_read_file(dirfd, name, &f->wf_len, &why)) == NULL) {
		snprintf(err, errlen, "%s: %s", name, why);
		return (-1);
	}
	if ((f->wf_path = malloc(strlen(name) + 2)) == NULL) {
		free(f->wf_data);
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	f->wf_path[0] = '/';
	memcpy(f->wf_path + 1, name, strlen(name) + 1);
	f->wf_type = web_content_type(name);
	f->wf_html = strncmp(f->wf_type, "text/html", 9) == 0;
	web_nfiles++;
	return (0);
}

static void
web_atexit(void)
{
	web_unload();
}

int
web_load(const char *root, char *err, size_t errlen)
{
	FILE		*fp = NULL;
	char		 line[WEB_NAME_MAX + 64], *s, *e;
	int		 dirfd, mfd = -1, rc = -1, lineno = 0;

	web_unload();
	if ((dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return (-1);
	}
	if ((mfd = openat(dirfd, WEB_MANIFEST, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || (fp = fdopen(mfd, "r")) == NULL) {
		snprintf(err, errlen, "%s/%s: %s", root, WEB_MANIFEST,
		    strerror(errno));
		if (mfd != -1)
			close(mfd);
		goto done;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "%s: line too long", WEB_MANIFEST);
			goto done;
		}
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		for (e = s + strlen(s); e > s && (e[-1] == '\n' ||
		    e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (web_add(dirfd, s, lineno, err, errlen) == -1)
			goto done;
	}
	if (web_nfiles == 0) {
		snprintf(err, errlen, "%s: lists no file", WEB_MANIFEST);
		goto done;
	}
	if (!web_atexit_done && atexit(web_atexit) == 0)
		web_atexit_done = 1;
	rc = 0;
 done:
	if (fp != NULL)
		fclose(fp);
	close(dirfd);
	if (rc == -1)
		web_unload();
	return (rc);
}

void
web_unload(void)
{
	size_t	 i;

	for (i = 0; i < web_nfiles; i++) {
		free(web_files[i].wf_path);
		free(web_files[i].wf_data);
	}
	memset(web_files, 0, sizeof(web_files));
	web_nfiles = 0;
}

size_t
web_count(void)
{
	return (web_nfiles);
}

static const struct web_file *
web_find(const char *path)
{
	size_t	 i;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (i = 0; i < web_nfiles; i++)
		if (strcmp(web_files[i].wf_path, path) == 0)
			return (&web_files[i]);
	return (NULL);
}

void
web_serve(struct http_request *req, void *arg)
{
	const struct web_file	*f;

	(void)arg;
	if ((f = web_find(http_req_path(req))) == NULL) {
		http_reply_error(req, 404, "not_found", "No such resource.");
		return;
	}
	if (f->wf_html) {
		/* The page never needs these; say so to the browser. */
		http_req_add_header(req, "Cross-Origin-Opener-Policy",
		    "same-origin");
		http_req_add_header(req, "Permissions-Policy", "camera=(), "
		    "microphone=(), geolocation=(), payment=(), usb=()");
	}
	http_reply_raw(req, 200, f->wf_type, f->wf_data, f->wf_len,
	    f->wf_html ? WEB_CSP_HTML : NULL);
}
