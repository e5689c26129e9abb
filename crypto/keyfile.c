/*
 * Key files for meldctl and the daemons (docs/crypto.md §7).  The format
 * is deliberately tiny and strict so that a key file can be checked by
 * eye and cannot be misread: exactly one header naming the kind and the
 * class, exactly one line of strict base64, nothing else.  Reading checks
 * the file's mode on the open descriptor (fstat), so a file swapped
 * between a check and the read is still checked.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "crypto/keyfile.h"

#define KEYFILE_MAGIC	"meldpunt-key v1 "

static const char *const class_names[] = { "private", "public", "secret" };

const char *
keyfile_class_name(enum keyfile_class cls)
{
	if ((unsigned)cls > KEYFILE_SECRET)
		return ("?");
	return (class_names[cls]);
}

int
keyfile_exists(const char *path)
{
	struct stat	 st;

	if (lstat(path, &st) == 0)
		return (1);
	return (errno == ENOENT ? 0 : -1);
}

static int
keyfile_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

int
keyfile_write(const char *path, const char *kind, enum keyfile_class cls,
    const unsigned char *key, size_t len, char *err, size_t errlen)
{
	char	*b64 = NULL, *text = NULL;
	size_t	 b64len, textlen;
	mode_t	 mode = cls == KEYFILE_PUBLIC ? 0644 : 0600;
	int	 fd = -1, rc = -1, n;

	if (secret_b64_encode(key, len, &b64, &b64len) == -1) {
		snprintf(err, errlen, "%s: out of memory", path);
		return (-1);
	}
	textlen = strlen(KEYFILE_MAGIC) + strlen(kind) + 16 + b64len;
	if ((text = malloc(textlen)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	n = snprintf(text, textlen, KEYFILE_MAGIC "%s %s\n%s\n", kind,
	    keyfile_class_name(cls), b64);
	if (n < 0 || (size_t)n >= textlen) {
		snprintf(err, errlen, "%s: internal error", path);
		goto done;
	}
	/* O_EXCL: never overwrite a key; the caller decides about reuse. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1) {
		snprintf(err, errlen, "%s: cannot create: %s", path,
		    strerror(errno));
		goto done;
	}
	/* The umask may only have removed bits; set the mode exactly. */
	if (fchmod(fd, mode) == -1 || keyfile_write_all(fd, text,
	    (size_t)n) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: cannot write: %s", path,
		    strerror(errno));
		close(fd);
		fd = -1;
		(void)unlink(path);
		goto done;
	}
	rc = 0;
 done:
	if (fd != -1 && close(fd) == -1 && rc == 0) {
		snprintf(err, errlen, "%s: close: %s", path, strerror(errno));
		rc = -1;
	}
	if (b64 != NULL)
		OPENSSL_clear_free(b64, b64len);
	if (text != NULL)
		OPENSSL_clear_free(text, textlen);
	return (rc);
}

/* Read at most KEYFILE_MAX bytes of an open file into buf (NUL-ended). */
static ssize_t
keyfile_slurp(int fd, char *buf, size_t bufsz)
{
	size_t	 got = 0;
	ssize_t	 n;

	while (got < bufsz - 1) {
		if ((n = read(fd, buf + got, bufsz - 1 - got)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return ((ssize_t)got);
}

/* Check the header line and return the base64 line (without newline). */
static int
keyfile_parse(char *buf, size_t len, const char *kind,
    enum keyfile_class cls, char **b64, size_t *b64len)
{
	char	 want[128];
	char	*nl, *end;
	int	 n;

	n = snprintf(want, sizeof(want), KEYFILE_MAGIC "%s %s\n", kind,
	    keyfile_class_name(cls));
	if (n < 0 || (size_t)n >= sizeof(want) || len < (size_t)n ||
	    memcmp(buf, want, (size_t)n) != 0)
		return (-1);
	*b64 = buf + n;
	if ((nl = strchr(*b64, '\n')) == NULL)
		return (-1);
	end = buf + len;
	if (nl + 1 != end)
		return (-1);	/* exactly one line of key, then EOF */
	*b64len = (size_t)(nl - *b64);
	return (0);
}

struct secret *
keyfile_read(const char *path, const char *kind, enum keyfile_class cls,
    size_t wantlen, int locked, char *err, size_t errlen)
{
	struct stat	 st;
	struct secret	*s = NULL;
	char		 buf[KEYFILE_MAX + 1], *b64;
	unsigned char	*raw = NULL;
	size_t		 b64len, rawlen = 0;
	ssize_t		 len;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto done;
	}
	if (cls != KEYFILE_PUBLIC && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(err, errlen, "%s: %s key is group- or "
		    "world-accessible (chmod 0600)", path,
		    keyfile_class_name(cls));
		goto done;
	}
	if (st.st_size > KEYFILE_MAX ||
	    (len = keyfile_slurp(fd, buf, sizeof(buf))) == -1 ||
	    len > KEYFILE_MAX) {
		snprintf(err, errlen, "%s: unreadable or too large", path);
		goto done;
	}
	if (keyfile_parse(buf, (size_t)len, kind, cls, &b64, &b64len) == -1) {
		snprintf(err, errlen, "%s: not a meldpunt %s %s key file",
		    path, kind, keyfile_class_name(cls));
		goto done;
	}
	if (secret_b64_decode(b64, b64len, &raw, &rawlen) == -1 ||
	    rawlen == 0 || rawlen > 256 ||
	    (wantlen != 0 && rawlen != wantlen)) {
		snprintf(err, errlen, "%s: bad key encoding or length", path);
		goto done;
	}
	if ((s = secret_new_from(raw, rawlen, locked)) == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
 done:
	secret_wipe(buf, sizeof(buf));
	if (raw != NULL)
		OPENSSL_clear_free(raw, rawlen);
	close(fd);
	return (s);
}
