#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "containers.h"

/* ---- parsing a path ------------------------------------------------------ */

struct comp {
	const char *s;
	size_t n;
};

/* The last component of path[0, *end): true and *end moved to its start,
 * or false at the top. Empty components ("//") are skipped. */
static bool comp_prev(const char *path, size_t *end, struct comp *c)
{
	size_t e = *end, b;

	while (e && path[e - 1] == '/')
		e--;
	if (!e) {
		*end = 0;
		return false;
	}
	for (b = e; b && path[b - 1] != '/'; b--)
		;
	c->s = path + b;
	c->n = e - b;
	*end = b;
	return true;
}

static bool comp_is(const struct comp *c, const char *s)
{
	size_t n = strlen(s);

	return c->n == n && !memcmp(c->s, s, n);
}

static bool comp_starts(const struct comp *c, const char *p)
{
	size_t n = strlen(p);

	return c->n >= n && !memcmp(c->s, p, n);
}

static bool comp_ends(const struct comp *c, const char *p)
{
	size_t n = strlen(p);

	return c->n >= n && !memcmp(c->s + c->n - n, p, n);
}

#define ID_LEN 64

/* Exactly 64 lowercase hex digits: how every runtime here writes an id. */
static bool is_id(const char *s, size_t n)
{
	size_t i;

	if (n != ID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Container cgroups named <prefix><64 hex>[.scope]. The runtimes' helper
 * cgroups ("libpod-conmon-<id>", "crio-conmon-<id>") have a longer middle
 * than 64 hex digits, so they never match and the search goes on upward. */
static const struct {
	const char *prefix;
	const char *runtime;
	bool scope_only;  /* the systemd driver's form only */
} forms[] = {
	{ "docker-", "docker", true },
	{ "cri-containerd-", "containerd", true },
	{ "crio-", "crio", false },
	{ "libpod-", "podman", false },
};

/* A pod UID as Kubernetes prints one (a UUID, or 32 hex digits for a
 * static pod's), with systemd's '_' for '-': copied into uid with dashes. */
static bool pod_uid(const char *s, size_t n, char *uid, size_t size)
{
	size_t i;

	if (n < 32 || n > 36 || n >= size)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      s[i] == '-' || s[i] == '_'))
			return false;
	for (i = 0; i < n; i++)
		uid[i] = s[i] == '_' ? '-' : s[i];
	uid[n] = 0;
	return true;
}

/* The component c (its parents are path[0, end)) is a pod's cgroup:
 * cgroupfs "pod<uid>" below a "kubepods" component, or systemd
 * "...kubepods-...-pod<uid with _>.slice". */
static bool pod_at(const char *path, size_t end, const struct comp *c, char *uid, size_t size)
{
	struct comp up;

	if (comp_ends(c, ".slice")) {
		const char *s = c->s, *p = NULL, *q;
		size_t n = c->n - strlen(".slice");

		if (!memmem(s, n, "kubepods", 8))
			return false;
		for (q = s; (q = memmem(q, n - (size_t)(q - s), "-pod", 4)); q++)
			p = q + 4;
		return p && pod_uid(p, n - (size_t)(p - s), uid, size);
	}
	if (!comp_starts(c, "pod") || !pod_uid(c->s + 3, c->n - 3, uid, size))
		return false;
	while (comp_prev(path, &end, &up))
		if (comp_is(&up, "kubepods"))
			return true;
	*uid = 0;
	return false;
}

/* The runtime whose container cgroup c is (*id: its 64 hex digits), or
 * NULL. A bare id is a container's below "docker" or a kubepods pod. */
static const char *container_at(const char *path, size_t end, const struct comp *c,
				const char **id)
{
	char uid[40];
	struct comp up;
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t p = strlen(forms[i].prefix), rest;

		if (!comp_starts(c, forms[i].prefix))
			continue;
		rest = c->n - p;
		if (comp_ends(c, ".scope"))
			rest -= strlen(".scope");
		else if (forms[i].scope_only)
			continue;
		if (is_id(c->s + p, rest)) {
			*id = c->s + p;
			return forms[i].runtime;
		}
	}
	if (!is_id(c->s, c->n) || !comp_prev(path, &end, &up))
		return NULL;
	*id = c->s;
	if (comp_is(&up, "docker"))
		return "docker";
	if (pod_at(path, end, &up, uid, sizeof(uid)))
		return "kubepods";
	return NULL;
}

void cgroup_parse(const char *path, struct cgroup_info *info)
{
	size_t end = path ? strlen(path) : 0;
	const char *runtime = NULL, *id = NULL;
	struct comp c, leaf = { NULL, 0 };

	info->container[0] = info->runtime[0] = info->pod_uid[0] = 0;
	snprintf(info->path, sizeof(info->path), "%s", path ? path : "");
	if (!end) {
		snprintf(info->name, sizeof(info->name), "%" PRIu64, info->id);
		return;
	}
	/* the container: the nearest runtime-named component, leaf first */
	while (comp_prev(path, &end, &c)) {
		if (!leaf.s)
			leaf = c;
		runtime = container_at(path, end, &c, &id);
		if (runtime)
			break;
	}
	if (runtime) {
		memcpy(info->container, id, ID_LEN);
		info->container[ID_LEN] = 0;
		snprintf(info->runtime, sizeof(info->runtime), "%s", runtime);
	} else {
		end = strlen(path);  /* no container: the pod may still be known */
	}
	/* the pod: above the container (or at or above the leaf) */
	while (comp_prev(path, &end, &c))
		if (pod_at(path, end, &c, info->pod_uid, sizeof(info->pod_uid))) {
			if (!runtime)
				snprintf(info->runtime, sizeof(info->runtime), "kubepods");
			break;
		}
	if (runtime)
		snprintf(info->name, sizeof(info->name), "%.12s", info->container);
	else if (leaf.s)
		snprintf(info->name, sizeof(info->name), "%.*s",
			 (int)(leaf.n < sizeof(info->name) ? leaf.n : sizeof(info->name) - 1), leaf.s);
	else
		snprintf(info->name, sizeof(info->name), "-");
}
