#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"
#include "containers.h"
#include "system.h"

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
		if (rest >= strlen(".scope") && comp_ends(c, ".scope"))
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

/* ---- the cache ------------------------------------------------------------ */

struct entry {
	uint64_t id;
	char *path;                /* NULL: looked for by a walk, not found */
	struct cgroup_info *info;  /* parsed at the first cgroups__get */
};

struct cgroups {
	char *mount;               /* no trailing '/'; "" for "/" */
	struct entry *ents;
	size_t n, cap, known;
	uint32_t *slots;           /* open addressing: entry index + 1, 0 = empty */
	size_t nslots;             /* power of two, >= 2 * n */
	unsigned walks;
	uint64_t last_walk;        /* loupe_now_mono() at its start */
	int (*ask)(uint64_t id, char *path, size_t len);  /* cgroups__set_lookup */
	struct cgroup_info scratch;
};

#define REWALK_NS 100000000ULL /* 100 ms */
#define MAX_DEPTH 128          /* a directory fd per level while walking */

/* splitmix64's finalizer: ids are sequential, slots must not be */
static size_t hash_id(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (size_t)x;
}

static struct entry *lookup(const struct cgroups *c, uint64_t id)
{
	size_t j;

	if (!c->nslots)
		return NULL;
	for (j = hash_id(id) & (c->nslots - 1); c->slots[j]; j = (j + 1) & (c->nslots - 1))
		if (c->ents[c->slots[j] - 1].id == id)
			return &c->ents[c->slots[j] - 1];
	return NULL;
}

static int rehash(struct cgroups *c, size_t nslots)
{
	uint32_t *s = calloc(nslots, sizeof(*s));
	size_t i;

	if (!s)
		return -ENOMEM;
	for (i = 0; i < c->n; i++) {
		size_t j = hash_id(c->ents[i].id) & (nslots - 1);

		while (s[j])
			j = (j + 1) & (nslots - 1);
		s[j] = (uint32_t)(i + 1);
	}
	free(c->slots);
	c->slots = s;
	c->nslots = nslots;
	return 0;
}

/* The entry of id, made (path NULL) when new; NULL on ENOMEM. */
static struct entry *entry_get(struct cgroups *c, uint64_t id)
{
	struct entry *e = lookup(c, id);
	size_t j;

	if (e)
		return e;
	if (c->n == UINT32_MAX - 1)
		return NULL;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		struct entry *ents = realloc(c->ents, cap * sizeof(*ents));

		if (!ents)
			return NULL;
		c->ents = ents;
		c->cap = cap;
	}
	if (2 * (c->n + 1) > c->nslots && rehash(c, c->nslots ? 2 * c->nslots : 512))
		return NULL;
	e = &c->ents[c->n++];
	*e = (struct entry){ .id = id };
	for (j = hash_id(id) & (c->nslots - 1); c->slots[j]; j = (j + 1) & (c->nslots - 1))
		;
	c->slots[j] = (uint32_t)c->n;
	return e;
}

/* id -> path[0, len): newer wins. */
static int remember(struct cgroups *c, uint64_t id, const char *path, size_t len)
{
	struct entry *e = entry_get(c, id);
	char *p;

	if (!e)
		return -ENOMEM;
	if (e->path && strlen(e->path) == len && !memcmp(e->path, path, len))
		return 0;
	p = strndup(path, len);
	if (!p)
		return -ENOMEM;
	if (!e->path)
		c->known++;
	free(e->path);
	e->path = p;
	free(e->info);
	e->info = NULL;
	return 0;
}

struct walk {
	struct cgroups *c;
	char *buf;      /* the directory's path relative to the mount ("" at the top) */
	size_t len, cap;
	dev_t dev;
};

/* Remember every directory below the one open at fd (closed here), whose
 * path is w->buf. One fstatat per directory: a directory whose link count
 * is 2 has no subdirectories (cgroupfs, like ext4 and tmpfs, counts them;
 * btrfs says 1, unknown), so leaves, most cgroups, are not opened. */
static int walk_dir(struct walk *w, int fd, unsigned depth)
{
	struct dirent *de;
	DIR *d = fdopendir(fd);
	int err = 0;

	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while (!err && (de = readdir(d))) {
		size_t n = strlen(de->d_name), len = w->len;
		struct stat st;
		int sub;

		if ((de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
		    !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* vanished since readdir: skipped; another file system mounted
		 * here: not ours */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode) || st.st_dev != w->dev)
			continue;
		if (len + n + 2 > w->cap) {
			size_t cap = 2 * (len + n + 2);
			char *buf = realloc(w->buf, cap);

			if (!buf) {
				err = -ENOMEM;
				break;
			}
			w->buf = buf;
			w->cap = cap;
		}
		w->buf[len] = '/';
		memcpy(w->buf + len + 1, de->d_name, n + 1);
		w->len = len + 1 + n;
		err = remember(w->c, st.st_ino, w->buf, w->len);
		if (!err && st.st_nlink != 2 && depth + 1 < MAX_DEPTH) {
			/* unreadable, or vanished since: skipped */
			sub = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0 && walk_dir(w, sub, depth + 1) == -ENOMEM)
				err = -ENOMEM;
		}
		w->len = len;
	}
	closedir(d);
	return err;
}

static int walk(struct cgroups *c)
{
	struct walk w = { .c = c };
	struct stat st;
	int fd, err;

	c->walks++;
	c->last_walk = loupe_now_mono();
	fd = open(*c->mount ? c->mount : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	w.dev = st.st_dev;
	err = remember(c, st.st_ino, "/", 1);
	if (err)
		close(fd);
	else
		err = walk_dir(&w, fd, 0);
	free(w.buf);
	return err;
}

int cgroups__new(struct cgroups **out, const char *mount)
{
	char found[512];
	struct cgroups *c;
	size_t n;
	int err;

	*out = NULL;
	if (!mount) {
		if (!sys_cgroup2_mount(found, sizeof(found)))
			return -ENOENT;
		mount = found;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->mount = strdup(mount))) {
		free(c);
		return -ENOMEM;
	}
	for (n = strlen(c->mount); n && c->mount[n - 1] == '/'; n--)
		c->mount[n - 1] = 0;
	err = walk(c);
	if (err) {
		cgroups__free(c);
		return err;
	}
	*out = c;
	return 0;
}

void cgroups__free(struct cgroups *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->ents[i].path);
		free(c->ents[i].info);
	}
	free(c->ents);
	free(c->slots);
	free(c->mount);
	free(c);
}

int cgroups__add(struct cgroups *c, uint64_t id, const char *path)
{
	if (!path || !*path)
		return -EINVAL;
	return remember(c, id, path, strlen(path));
}

const struct cgroup_info *cgroups__get(struct cgroups *c, uint64_t id)
{
	struct entry *e = lookup(c, id);
	char path[4096];

	if (!e && c->ask && !c->ask(id, path, sizeof(path)) && *path &&
	    !remember(c, id, path, strlen(path)))
		e = lookup(c, id);
	if (!e && loupe_now_mono() - c->last_walk >= REWALK_NS) {
		walk(c);  /* what it found stays, whatever stopped it */
		e = entry_get(c, id);  /* not found: stays unknown */
	}
	if (e && !e->info) {
		e->info = malloc(sizeof(*e->info));
		if (e->info) {
			e->info->id = id;
			cgroup_parse(e->path, e->info);
		}
	}
	if (e && e->info)
		return e->info;
	c->scratch.id = id;
	cgroup_parse(e ? e->path : NULL, &c->scratch);
	return &c->scratch;
}

void cgroups__set_lookup(struct cgroups *c, int (*fn)(uint64_t id, char *path, size_t len))
{
	c->ask = fn;
}

size_t cgroups__count(const struct cgroups *c)
{
	return c->known;
}

unsigned cgroups__walks(const struct cgroups *c)
{
	return c->walks;
}

const char *cgroups__mount(const struct cgroups *c)
{
	return *c->mount ? c->mount : "/";
}

/* ---- --container ---------------------------------------------------------- */

struct match {
	char id[ID_LEN + 1];
	char runtime[16];
	const char *path;  /* the container's topmost cgroup */
};

static int match_cmp(const void *a, const void *b)
{
	return strcmp(((const struct match *)a)->id, ((const struct match *)b)->id);
}

/* "id (runtime), ..." with ids shown by show digits, "..." when cut. */
static void list_candidates(char *buf, size_t size, const struct match *m, size_t n, int show)
{
	size_t pos = 0, i;

	if (!buf || !size)
		return;
	*buf = 0;
	for (i = 0; i < n; i++) {
		char item[128];
		int k = snprintf(item, sizeof(item), "%s%.*s (%s)", i ? ", " : "", show, m[i].id,
				 m[i].runtime);
		/* room for the item, and for ", ..." after it unless it is the last */
		size_t need = (size_t)k + (i + 1 < n ? 5 : 0);

		if (pos + need >= size) {
			snprintf(buf + pos, size - pos, "%s...", i ? ", " : "");
			return;
		}
		memcpy(buf + pos, item, (size_t)k + 1);
		pos += (size_t)k;
	}
}

int cgroups__find_container(struct cgroups *c, const char *prefix, char *dir, size_t len,
			    char *cand, size_t candlen)
{
	struct cgroup_info info = { 0 };
	size_t plen = strlen(prefix), nm = 0, cap = 0, i, j;
	struct match *m = NULL;
	char want[ID_LEN + 1];
	int err = 0, show = 12;

	if (cand && candlen)
		*cand = 0;
	if (!plen)
		return -EINVAL;
	for (i = 0; i < plen; i++) {
		char ch = prefix[i];

		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return -EINVAL;
		if (i < ID_LEN)
			want[i] = ch;
	}
	if (plen > ID_LEN)
		return -ENOENT;
	for (i = 0; i < c->n; i++) {
		const struct entry *e = &c->ents[i];

		if (!e->path)
			continue;
		info.id = e->id;
		cgroup_parse(e->path, &info);
		if (!*info.container || strncmp(info.container, want, plen))
			continue;
		for (j = 0; j < nm && strcmp(m[j].id, info.container); j++)
			;
		if (j < nm) {
			if (strlen(e->path) < strlen(m[j].path))
				m[j].path = e->path;
			continue;
		}
		if (nm == cap) {
			struct match *mm = realloc(m, (cap = cap ? 2 * cap : 4) * sizeof(*m));

			if (!mm) {
				free(m);
				return -ENOMEM;
			}
			m = mm;
		}
		memcpy(m[nm].id, info.container, sizeof(m[nm].id));
		memcpy(m[nm].runtime, info.runtime, sizeof(m[nm].runtime));
		m[nm++].path = e->path;
	}
	if (!nm) {
		err = -ENOENT;
	} else if (nm == 1) {
		if ((size_t)snprintf(dir, len, "%s%s", c->mount, m[0].path) >= len)
			err = -ENAMETOOLONG;
	} else {
		qsort(m, nm, sizeof(*m), match_cmp);
		/* enough digits to tell neighbours apart */
		for (i = 1; i < nm; i++) {
			for (j = 0; j < ID_LEN && m[i - 1].id[j] == m[i].id[j]; j++)
				;
			if ((int)j + 1 > show)
				show = (int)j + 1;
		}
		list_candidates(cand, candlen, m, nm, show);
		err = -EEXIST;
	}
	free(m);
	return err;
}

/* ---- PIDs ------------------------------------------------------------------ */

int proc_vpid(pid_t pid)
{
	char path[64], line[512];
	int vpid = pid;
	FILE *f;

	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL;

		if (strncmp(line, "NSpid:", 6))
			continue;
		/* the last field: the PID in the process's own namespace */
		for (tok = strtok_r(line + 6, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
			vpid = atoi(tok);
		break;
	}
	fclose(f);
	return vpid > 0 ? vpid : -ESRCH;
}
