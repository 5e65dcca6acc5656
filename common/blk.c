#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "blk.h"
#include "base.h"

#define SYS_BLOCK "/sys/class/block"

/* ---- names --------------------------------------------------------------- */

struct blkdev {
	uint32_t dev;
	char name[40];
};
static struct blkdev *devs;
static size_t ndevs;
static uint64_t scanned_ns;

static int read_dev(const char *name, uint32_t *dev)
{
	char path[128], buf[32];
	unsigned ma, mi;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), SYS_BLOCK "/%s/dev", name);
	f = fopen(path, "r");
	if (!f)
		return -ENODEV;
	ok = fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &ma, &mi) == 2;
	fclose(f);
	if (!ok)
		return -ENODEV;
	*dev = BLK_MKDEV(ma, mi);
	return 0;
}

static void scan(void)
{
	DIR *d = opendir(SYS_BLOCK);
	struct dirent *e;
	size_t cap = ndevs;

	scanned_ns = loupe_now_mono();
	ndevs = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		uint32_t dev;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(devs->name) ||
		    read_dev(e->d_name, &dev))
			continue;
		if (ndevs == cap) {
			struct blkdev *n = realloc(devs, (cap ? cap * 2 : 32) * sizeof(*n));

			if (!n)
				break;
			devs = n;
			cap = cap ? cap * 2 : 32;
		}
		devs[ndevs].dev = dev;
		strcpy(devs[ndevs].name, e->d_name);
		ndevs++;
	}
	closedir(d);
}

int blk_lookup(const char *name, uint32_t *dev, bool *partition)
{
	char path[128];

	if (!strncmp(name, "/dev/", 5))
		name += 5;
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strlen(name) > 64 || read_dev(name, dev))
		return -ENODEV;
	snprintf(path, sizeof(path), SYS_BLOCK "/%s/partition", name);
	*partition = access(path, F_OK) == 0;
	return 0;
}

const char *blk_name(uint32_t dev, char *buf, size_t len)
{
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ndevs; i++)
			if (devs[i].dev == dev) {
				snprintf(buf, len, "%s", devs[i].name);
				return buf;
			}
		/* new devices: look again, at most once a second */
		if (pass || (scanned_ns && loupe_now_mono() - scanned_ns < 1000000000ULL))
			break;
		scan();
	}
	snprintf(buf, len, "%u:%u", BLK_MAJOR(dev), BLK_MINOR(dev));
	return buf;
}

/* ---- operations and flags ------------------------------------------------- */

#define MAX_OPS 64

/* bcc's order: the first here is the leftmost in "NoWait-...-Sync-Read" */
static struct {
	const char *btf_name, *text;
	int bit;  /* -1: not in this kernel */
} flags[] = {
	{ "__REQ_NOWAIT", "NoWait", -1 },
	{ "__REQ_BACKGROUND", "Background", -1 },
	{ "__REQ_RAHEAD", "ReadAhead", -1 },
	{ "__REQ_IDLE", "Idle", -1 },
	{ "__REQ_NOMERGE", "NoMerge", -1 },
	{ "__REQ_PRIO", "Priority", -1 },
	{ "__REQ_PREFLUSH", "PreFlush", -1 },
	{ "__REQ_FUA", "ForcedUnitAccess", -1 },
	{ "__REQ_META", "Metadata", -1 },
	{ "__REQ_SYNC", "Sync", -1 },
};
#define NFLAGS (sizeof(flags) / sizeof(flags[0]))
static char op_name[MAX_OPS][24];
static uint32_t op_mask;
static bool flags_ready;

/* REQ_OP_WRITE_ZEROES -> WriteZeroes */
static void camel(char *dst, size_t len, const char *src)
{
	size_t n = 0;
	bool up = true;

	for (; *src && n + 1 < len; src++) {
		if (*src == '_') {
			up = true;
			continue;
		}
		dst[n++] = up ? (char)toupper((unsigned char)*src) :
			       (char)tolower((unsigned char)*src);
		up = false;
	}
	dst[n] = 0;
}

static const struct btf_type *find_enum(const struct btf *btf, const char *a,
					const char *b)
{
	int id = btf__find_by_name_kind(btf, a, BTF_KIND_ENUM);

	if (id < 0 && b)
		id = btf__find_by_name_kind(btf, b, BTF_KIND_ENUM);
	return id < 0 ? NULL : btf__type_by_id(btf, id);
}

int blk_flags_init(const struct btf *btf)
{
	const struct btf_type *ops, *bits;
	const struct btf_enum *e;
	int i, op_bits = 8;
	size_t j;

	if (!btf)
		return -ENOENT;
	/* enum req_opf until 5.19, enum req_op since 6.0 */
	ops = find_enum(btf, "req_op", "req_opf");
	bits = find_enum(btf, "req_flag_bits", NULL);
	if (!ops || !bits)
		return -ENOENT;
	e = btf_enum(bits);
	for (i = 0; i < btf_vlen(bits); i++, e++) {
		const char *n = btf__name_by_offset(btf, e->name_off);

		/* the first flag bit follows the operation bits */
		if (!strcmp(n, "__REQ_FAILFAST_DEV"))
			op_bits = e->val;
		for (j = 0; j < NFLAGS; j++)
			if (!strcmp(n, flags[j].btf_name))
				flags[j].bit = e->val;
	}
	op_mask = op_bits >= 32 ? ~0u : (1u << op_bits) - 1;
	e = btf_enum(ops);
	for (i = 0; i < btf_vlen(ops); i++, e++) {
		const char *n = btf__name_by_offset(btf, e->name_off);

		if (e->val >= 0 && e->val < MAX_OPS && !strncmp(n, "REQ_OP_", 7) &&
		    strcmp(n, "REQ_OP_LAST"))
			camel(op_name[e->val], sizeof(op_name[0]), n + 7);
	}
	flags_ready = true;
	return 0;
}

void blk_flags_name(uint32_t f, char *buf, size_t len)
{
	uint32_t op = f & op_mask;
	size_t j, n = 0;

	if (!flags_ready) {
		snprintf(buf, len, "0x%x", f);
		return;
	}
	buf[0] = 0;
	for (j = 0; j < NFLAGS && n < len; j++)
		if (flags[j].bit >= 0 && flags[j].bit < 32 && (f & (1u << flags[j].bit)))
			n += (size_t)snprintf(buf + n, len - n, "%s-", flags[j].text);
	if (n >= len)
		return;
	if (op < MAX_OPS && op_name[op][0])
		snprintf(buf + n, len - n, "%s", op_name[op]);
	else
		snprintf(buf + n, len - n, "Op%u", op);
}
