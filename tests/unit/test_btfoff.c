/* Field offsets from BTF (common/btfoff.h), on a BTF built here. */
#include <errno.h>
#include <stdint.h>

#include <bpf/btf.h>

#include "unit.h"
#include "btfoff.h"

TEST(btf_offsets_nested_and_anonymous)
{
	struct btf *b = btf__new_empty();
	int u32, ns, anon, outer, u;
	uint32_t off = 0, size = 0;

	CHECK(b != NULL);
	if (!b)
		return;
	u32 = btf__add_int(b, "unsigned int", 4, 0);
	/* struct ns_common { u32 type; u32 inum; } */
	ns = btf__add_struct(b, "ns_common", 8);
	btf__add_field(b, "type", u32, 0, 0);
	btf__add_field(b, "inum", u32, 32, 0);
	/* an anonymous union { u32 a; u32 b; } */
	anon = btf__add_union(b, NULL, 4);
	btf__add_field(b, "a", u32, 0, 0);
	btf__add_field(b, "b", u32, 0, 0);
	/* struct mnt_namespace { u32 x; struct ns_common ns; <anon> ; u32 bits:3; } */
	outer = btf__add_struct(b, "mnt_namespace", 20);
	btf__add_field(b, "x", u32, 0, 0);
	btf__add_field(b, "ns", ns, 32, 0);
	btf__add_field(b, NULL, anon, 96, 0);
	btf__add_field(b, "bits", u32, 128, 3);
	u = btf__add_union(b, "u", 8);
	btf__add_field(b, "p", outer, 0, 0);
	(void)u;
	CHECK_EQ(btf_offset(b, "mnt_namespace", "ns.inum", &off), 0);
	CHECK_EQ(off, 8);
	CHECK_EQ(btf_offset(b, "mnt_namespace", "b", &off), 0);
	CHECK_EQ(off, 12);
	CHECK_EQ(btf_offset(b, "u", "p.ns.type", &off), 0);
	CHECK_EQ(off, 4);
	CHECK_EQ(btf_offset(b, "mnt_namespace", "bits", &off), -EINVAL);
	CHECK_EQ(btf_offset(b, "mnt_namespace", "nope", &off), -ENOENT);
	CHECK_EQ(btf_offset(b, "no_such_struct", "x", &off), -ENOENT);
	CHECK_EQ(btf_offset(b, "mnt_namespace", "x.y", &off), -ENOENT);
	CHECK_EQ(btf_struct_size(b, "ns_common", &size), 0);
	CHECK_EQ(size, 8);
	btf__free(b);
}
