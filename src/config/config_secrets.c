/* config_secrets.c — what keeps the configuration's secrets (password, bearer token,
 * aws_secret_access_key, a URI's password in `destination`) to their owner: masking
 * for what prints a `destination`, and a warning when a file holding one can be read
 * by other users. The printing of the other secrets is mxp_conf_print's (config.c):
 * it never shows their values. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "config/config_internal.h"
#include "config/config_keys.h"

bool mxp_conf_mask_password(const char *uri, char *out, size_t cap)
{
	const char *scheme = strstr(uri, "://");
	if (scheme == NULL)
		return false;
	const char *user = scheme + 3, *at = strchr(user, '@'), *slash = strchr(user, '/');
	if (at == NULL || (slash != NULL && slash < at))
		return false;
	const char *colon = memchr(user, ':', (size_t)(at - user));
	if (colon == NULL)
		return false;
	snprintf(out, cap, "%.*s:***%s", (int)(colon - uri), uri, at);
	return true;
}

/* Replaces every occurrence of the n bytes at word in msg (cap bytes) by "***". */
static void replace_all(char *msg, size_t cap, const char *word, size_t n)
{
	char out[1024];
	size_t o = 0;
	for (const char *m = msg; *m != '\0' && o + 4 < sizeof(out);) {
		if (strncmp(m, word, n) == 0) {
			memcpy(out + o, "***", 3);
			o += 3;
			m += n;
		} else {
			out[o++] = *m++;
		}
	}
	out[o] = '\0';
	snprintf(msg, cap, "%s", out);
}

void mxp_conf_redact_passwords(char *msg, size_t cap, const char *value)
{
	for (const char *p = value; p != NULL && (p = strstr(p, "://")) != NULL; p += 3) {
		const char *user = p + 3, *end = user + strcspn(user, "/ \t");
		const char *at = NULL, *colon = NULL;
		for (const char *q = user; q < end; q++)
			if (*q == '@')
				at = q;
		if (at != NULL)
			colon = memchr(user, ':', (size_t)(at - user));
		if (colon != NULL && at > colon + 1)
			replace_all(msg, cap, colon + 1, (size_t)(at - colon - 1));
	}
}

/* Whether setting k of ic holds a secret written in a file. */
static bool holds_secret(const struct mxp_instance_conf *ic, int k)
{
	const struct mxp_conf_setting *s = &ic->set[k];
	if (s->file == NULL || s->value == NULL || s->value[0] == '\0')
		return false;
	char masked[8];
	return mxp_conf_keys[k].secret || (k == MXP_KEY_DESTINATION && mxp_conf_mask_password(s->value, masked, sizeof(masked)));
}

/* Whether a setting before (j, k) holds a secret written in file: that one was the
 * file's warning, if it gets one. */
static bool seen_before(const struct mxp_conf *c, size_t j, int k, const char *file)
{
	for (size_t jj = 0; jj <= j; jj++)
		for (int kk = 0; kk < (jj == j ? k : MXP_KEY_COUNT); kk++)
			if (holds_secret(&c->instances[jj], kk) && strcmp(c->instances[jj].set[kk].file, file) == 0)
				return true;
	return false;
}

void mxp_conf_check_exposure(struct mxp_conf *c)
{
	/* one warning per file, at the first secret found in it */
	for (size_t j = 0; j < c->ninstances; j++) {
		const struct mxp_instance_conf *ic = &c->instances[j];
		for (int k = 0; k < MXP_KEY_COUNT; k++) {
			if (!holds_secret(ic, k))
				continue;
			const struct mxp_conf_setting *s = &ic->set[k];
			struct stat st;
			if (seen_before(c, j, k, s->file) || stat(s->file, &st) != 0 || !(st.st_mode & S_IROTH))
				continue;
			char at[512];
			mxp_conf_where(at, sizeof(at), ic, s, (enum mxp_conf_key)k);
			mxp_conf_warning(c, "%s: a secret in a file every user of this machine can read (mode %04o); "
					    "make it readable by mxp's user only: chmod o-r %s",
					 at, (unsigned)(st.st_mode & 07777), s->file);
		}
	}
}
