/*
 * Trust content: parse and check the operator's file, pick a language.
 * The checked document is kept as parsed (jansson) and only read after
 * the check, so everything trust_to_json() touches has been validated:
 * texts are objects of our language codes with an English text at least
 * (the fallback), strings are bounded and free of control characters, a
 * contact has a phone number in a dialable form or an https URL.  What
 * the operator writes is shown to reporters as text only (the page never
 * builds HTML from it), and is served unsigned beside the form: it is as
 * trustworthy as the page itself, which comes from the same host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forms/trust.h"

struct trust {
	json_t	*t_root;
};

/* Bytes per text: names and hours are one line, notes a few. */
#define TRUST_NAME_MAX		160
#define TRUST_NOTE_MAX		600
#define TRUST_PRIVACY_MAX	6000
#define TRUST_PHONE_MAX		32
#define TRUST_URL_MAX		200

/* The compiled-in content; national lines of the Netherlands. */
static const char trust_default_json[] =
	"{\n"
	" \"organisation\": {\n"
	"  \"nl\": \"Meldpunt\",\n"
	"  \"en\": \"Meldpunt\",\n"
	"  \"tr\": \"Meldpunt\",\n"
	"  \"ar\": \"Meldpunt\",\n"
	"  \"ti\": \"Meldpunt\",\n"
	"  \"zh\": \"Meldpunt\"\n"
	" },\n"
	" \"privacy\": {\n"
	"  \"nl\": \"Wat u schrijft wordt in uw browser versleuteld; alleen de behandelaars van dit meldpunt kunnen het lezen. We gebruiken geen cookies en bewaren uw IP-adres niet. Contactgegevens zijn niet verplicht en worden apart versleuteld. Een melding wordt verwijderd als haar bewaartermijn voorbij is.\",\n"
	"  \"en\": \"What you write is encrypted in your browser; only the case handlers of this hotline can read it. We use no cookies and do not store your IP address. Contact details are optional and are encrypted separately. A report is deleted when its retention period ends.\",\n"
	"  \"tr\": \"Yazdıklarınız tarayıcınızda şifrelenir; yalnızca bu bildirim hattının görevlileri okuyabilir. Çerez kullanmıyoruz ve IP adresinizi saklamıyoruz. İletişim bilgileri isteğe bağlıdır ve ayrıca şifrelenir. Bir bildirim, saklama süresi dolduğunda silinir.\",\n"
	"  \"ar\": \"يُشفَّر ما تكتبه في متصفحك، ولا يستطيع قراءته إلا الموظفون المختصون في جهة الإبلاغ هذه. لا نستخدم ملفات تعريف الارتباط ولا نحفظ عنوان IP الخاص بك. بيانات التواصل اختيارية وتُشفَّر بشكل منفصل. يُحذف البلاغ عند انتهاء مدة الاحتفاظ به.\",\n"
	"  \"ti\": \"ዝጸሓፍኩሞ ኣብ ብራውዘርኩም ይምስጠር፤ ክንብብዎ ዝኽእሉ ናይዚ መቕረቢ ጸብጻብ ጉዳይ ዝከታተሉ ሰራሕተኛታት ጥራይ እዮም። ኩኪስ ኣይንጥቀምን፣ ኣድራሻ IP ኹም ድማ ኣይንዕቅብን። ኣድራሻ ርክብ ግዴታ ኣይኮነን፣ በይኑ ድማ ይምስጠር። ሓደ ጸብጻብ ግዜ ምዕቃቡ ምስ ወድአ ይድምሰስ።\",\n"
	"  \"zh\": \"您写的内容会在您的浏览器中加密；只有本热线的个案处理人员能够阅读。我们不使用 cookie，也不保存您的 IP 地址。联系方式为选填，并单独加密。报告在保存期限届满后会被删除。\"\n"
	" },\n"
	" \"contacts\": [\n"
	"  {\n"
	"   \"name\": {\n"
	"    \"nl\": \"Veilig Thuis (huiselijk geweld, kindermishandeling, eergerelateerd geweld)\",\n"
	"    \"en\": \"Veilig Thuis (domestic violence, child abuse, honour-related violence)\",\n"
	"    \"tr\": \"Veilig Thuis (aile içi şiddet, çocuk istismarı, namus adına şiddet)\",\n"
	"    \"ar\": \"Veilig Thuis (العنف الأسري، إساءة معاملة الأطفال، العنف المرتبط بالشرف)\",\n"
	"    \"ti\": \"Veilig Thuis (ዓመጽ ኣብ ገዛ፣ ግፍዒ ኣብ ቆልዑ፣ ምስ ክብሪ ዝተተሓሓዘ ዓመጽ)\",\n"
	"    \"zh\": \"Veilig Thuis（家庭暴力、虐待儿童、与名誉相关的暴力）\"\n"
	"   },\n"
	"   \"phone\": \"0800-2000\",\n"
	"   \"url\": \"https://veiligthuis.nl\",\n"
	"   \"hours\": {\n"
	"    \"nl\": \"gratis, dag en nacht\",\n"
	"    \"en\": \"free, day and night\",\n"
	"    \"tr\": \"ücretsiz, gece gündüz\",\n"
	"    \"ar\": \"مجاني، ليلاً ونهاراً\",\n"
	"    \"ti\": \"ብነጻ፣ ለይትን መዓልትን\",\n"
	"    \"zh\": \"免费，全天 24 小时\"\n"
	"   }\n"
	"  },\n"
	"  {\n"
	"   \"name\": {\n"
	"    \"nl\": \"De antidiscriminatievoorziening in uw gemeente\",\n"
	"    \"en\": \"The anti-discrimination service of your municipality\",\n"
	"    \"tr\": \"Belediyenizin ayrımcılıkla mücadele birimi\",\n"
	"    \"ar\": \"خدمة مكافحة التمييز في بلديتك\",\n"
	"    \"ti\": \"ኣብ ምምሕዳር ከተማኹም ዘሎ ኣገልግሎት ምቅላስ ኣድልዎ\",\n"
	"    \"zh\": \"您所在市镇的反歧视服务机构\"\n"
	"   },\n"
	"   \"url\": \"https://www.discriminatie.nl\"\n"
	"  },\n"
	"  {\n"
	"   \"name\": {\n"
	"    \"nl\": \"Politie (geen spoed)\",\n"
	"    \"en\": \"Police (non-emergency)\",\n"
	"    \"tr\": \"Polis (acil olmayan durumlar)\",\n"
	"    \"ar\": \"الشرطة (للحالات غير الطارئة)\",\n"
	"    \"ti\": \"ፖሊስ (ህጹጽ ዘይኮነ)\",\n"
	"    \"zh\": \"警察（非紧急情况）\"\n"
	"   },\n"
	"   \"phone\": \"0900-8844\",\n"
	"   \"url\": \"https://www.politie.nl\"\n"
	"  }\n"
	" ]\n"
	"}\n";

static int
trust_fail(char *err, size_t errlen, const char *where, const char *why)
{
	snprintf(err, errlen, "%s: %s", where, why);
	return (-1);
}

/* No control characters; newlines only where multiline is set. */
static int
trust_clean(const char *s, int multiline)
{
	unsigned char	 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c < 0x20 && !(multiline && c == '\n')) || c == 0x7f)
			return (0);
	}
	return (1);
}

/* {"en": "...", "nl": "...", ...}: our codes, "en" present. */
static int
trust_text_ok(const json_t *t, const char *where, size_t max, int multiline,
    char *err, size_t errlen)
{
	const char	*k;
	json_t		*v;
	enum i18n_lang	 l;
	char		 w[96];

	if (!json_is_object(t))
		return (trust_fail(err, errlen, where, "must be an object of "
		    "language codes (nl, en, tr, ar, ti, zh) to texts"));
	if (json_object_get(t, "en") == NULL)
		return (trust_fail(err, errlen, where, "needs an \"en\" text "
		    "(shown where a language has none)"));
	json_object_foreach((json_t *)t, k, v) {
		snprintf(w, sizeof(w), "%s.%s", where, k);
		if (strlen(k) != 2 || i18n_parse(k, &l) == -1 ||
		    strcmp(i18n_code(l), k) != 0)
			return (trust_fail(err, errlen, w, "not a language of "
			    "the form (nl, en, tr, ar, ti, zh)"));
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > max)
			return (trust_fail(err, errlen, w, "must be a non-empty "
			    "string of bounded length"));
		if (!trust_clean(json_string_value(v), multiline))
			return (trust_fail(err, errlen, w, "control characters"));
	}
	return (0);
}

static int
trust_phone_ok(const json_t *v)
{
	const char	*s = json_string_value(v);
	size_t		 n, digits = 0;

	if (s == NULL || (n = strlen(s)) < 3 || n > TRUST_PHONE_MAX ||
	    strspn(s, "0123456789 +-()") != n)
		return (0);
	for (; *s != '\0'; s++)
		digits += *s >= '0' && *s <= '9';
	return (digits >= 3);
}

/* https://, printable ASCII, nothing that could leave an attribute. */
static int
trust_url_ok(const json_t *v)
{
	const char	*s = json_string_value(v);
	size_t		 n;

	if (s == NULL || (n = strlen(s)) <= 8 || n > TRUST_URL_MAX ||
	    strncmp(s, "https://", 8) != 0)
		return (0);
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f || strchr("\"'<>\\`", *s) != NULL)
			return (0);
	return (1);
}

static int
trust_contact_ok(const json_t *c, size_t i, char *err, size_t errlen)
{
	static const char *const members[] = { "name", "phone", "url",
	    "hours", "note", NULL };
	const char	*k;
	json_t		*v;
	char		 w[32], wm[96];
	size_t		 m;

	snprintf(w, sizeof(w), "contacts[%zu]", i);
	if (!json_is_object(c))
		return (trust_fail(err, errlen, w, "must be an object"));
	json_object_foreach((json_t *)c, k, v) {
		for (m = 0; members[m] != NULL && strcmp(members[m], k) != 0;
		    m++)
			;
		snprintf(wm, sizeof(wm), "%s.%s", w, k);
		if (members[m] == NULL)
			return (trust_fail(err, errlen, wm, "unknown member "
			    "(name, phone, url, hours, note)"));
	}
	snprintf(wm, sizeof(wm), "%s.name", w);
	if (json_object_get(c, "name") == NULL)
		return (trust_fail(err, errlen, wm, "required"));
	if (trust_text_ok(json_object_get(c, "name"), wm, TRUST_NAME_MAX, 0,
	    err, errlen) == -1)
		return (-1);
	snprintf(wm, sizeof(wm), "%s.hours", w);
	if ((v = json_object_get(c, "hours")) != NULL && trust_text_ok(v, wm,
	    TRUST_NAME_MAX, 0, err, errlen) == -1)
		return (-1);
	snprintf(wm, sizeof(wm), "%s.note", w);
	if ((v = json_object_get(c, "note")) != NULL && trust_text_ok(v, wm,
	    TRUST_NOTE_MAX, 0, err, errlen) == -1)
		return (-1);
	snprintf(wm, sizeof(wm), "%s.phone", w);
	if ((v = json_object_get(c, "phone")) != NULL && !trust_phone_ok(v))
		return (trust_fail(err, errlen, wm, "digits, spaces and "
		    "+-() only, 3 to 32 characters"));
	snprintf(wm, sizeof(wm), "%s.url", w);
	if ((v = json_object_get(c, "url")) != NULL && !trust_url_ok(v))
		return (trust_fail(err, errlen, wm, "must be an https:// URL "
		    "of printable ASCII without quotes or spaces"));
	if (json_object_get(c, "phone") == NULL &&
	    json_object_get(c, "url") == NULL)
		return (trust_fail(err, errlen, w, "needs a phone or a url"));
	return (0);
}

static int
trust_check(const json_t *root, char *err, size_t errlen)
{
	static const char *const members[] = { "organisation", "privacy",
	    "contacts", NULL };
	const char	*k;
	json_t		*v;
	size_t		 i, m;

	if (!json_is_object(root))
		return (trust_fail(err, errlen, "document", "must be a JSON "
		    "object"));
	json_object_foreach((json_t *)root, k, v) {
		for (m = 0; members[m] != NULL && strcmp(members[m], k) != 0;
		    m++)
			;
		if (members[m] == NULL)
			return (trust_fail(err, errlen, k, "unknown member "
			    "(organisation, privacy, contacts)"));
	}
	if ((v = json_object_get(root, "organisation")) == NULL)
		return (trust_fail(err, errlen, "organisation", "required"));
	if (trust_text_ok(v, "organisation", TRUST_NAME_MAX, 0, err,
	    errlen) == -1)
		return (-1);
	if ((v = json_object_get(root, "privacy")) != NULL &&
	    trust_text_ok(v, "privacy", TRUST_PRIVACY_MAX, 1, err,
	    errlen) == -1)
		return (-1);
	if ((v = json_object_get(root, "contacts")) == NULL)
		return (0);
	if (!json_is_array(v) || json_array_size(v) > TRUST_CONTACTS_MAX)
		return (trust_fail(err, errlen, "contacts", "must be an array "
		    "of at most 8 contacts"));
	for (i = 0; i < json_array_size(v); i++)
		if (trust_contact_ok(json_array_get(v, i), i, err,
		    errlen) == -1)
			return (-1);
	return (0);
}

struct trust *
trust_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct trust	*t = NULL;
	json_error_t	 jerr;
	json_t		*root;

	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		snprintf(err, errlen, "not JSON (line %d: %s)", jerr.line,
		    jerr.text);
		return (NULL);
	}
	if (trust_check(root, err, errlen) == -1)
		goto fail;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	t->t_root = root;
	return (t);
 fail:
	json_decref(root);
	return (NULL);
}

struct trust *
trust_load(const char *path, char *err, size_t errlen)
{
	struct trust	*t = NULL;
	struct stat	 st;
	char		*buf = NULL;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TRUST_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %d "
		    "bytes", path, TRUST_FILE_MAX);
		goto done;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	while (got < (size_t)st.st_size && (n = read(fd, buf + got,
	    (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	if (got != (size_t)st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		goto done;
	}
	if ((t = trust_parse(buf, got, err, errlen)) == NULL) {
		/* Name the file before the member at fault. */
		char	 why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: %s", path, why);
	}
 done:
	free(buf);
	close(fd);
	return (t);
}

struct trust *
trust_default(void)
{
	char	 err[256];

	return (trust_parse(trust_default_json, sizeof(trust_default_json) -
	    1, err, sizeof(err)));
}

void
trust_free(struct trust *t)
{
	if (t == NULL)
		return;
	json_decref(t->t_root);
	free(t);
}

/* One checked text in l, else in English. */
static json_t *
trust_pick(const json_t *text, enum i18n_lang l)
{
	json_t	*v;

	if ((v = json_object_get(text, i18n_code(l))) == NULL)
		v = json_object_get(text, "en");
	return (json_incref(v));
}

json_t *
trust_to_json(const struct trust *t, enum i18n_lang l)
{
	static const char *const texts[] = { "name", "hours", "note", NULL };
	json_t	*j, *cs, *c, *o, *v;
	size_t	 i, k;

	if (t == NULL || (cs = json_array()) == NULL)
		return (NULL);
	if ((j = json_pack("{s:o,s:o}", "organisation", trust_pick(
	    json_object_get(t->t_root, "organisation"), l), "contacts",
	    cs)) == NULL)
		return (NULL);
	if ((v = json_object_get(t->t_root, "privacy")) != NULL)
		json_object_set_new(j, "privacy", trust_pick(v, l));
	json_array_foreach(json_object_get(t->t_root, "contacts"), i, c) {
		if ((o = json_object()) == NULL)
			break;
		for (k = 0; texts[k] != NULL; k++)
			if ((v = json_object_get(c, texts[k])) != NULL)
				json_object_set_new(o, texts[k],
				    trust_pick(v, l));
		if ((v = json_object_get(c, "phone")) != NULL)
			json_object_set(o, "phone", v);
		if ((v = json_object_get(c, "url")) != NULL)
			json_object_set(o, "url", v);
		json_array_append_new(cs, o);
	}
	return (j);
}
