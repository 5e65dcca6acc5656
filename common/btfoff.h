/*
 * Offsets of kernel struct fields, read by user space from the kernel's BTF
 * and handed to BPF objects in .rodata: the objects then read those
 * fields with plain bpf_probe_read_kernel() and carry no CO-RE relocation,
 * so libbpf does not load the kernel's BTF for them on every run
 * (DESIGN.md §10); the BTF is loaded only when the fields are needed (-C,
 * or loupe in a PID namespace of its own). Functions return 0 or -errno
 * and print nothing.
 */
#ifndef LOUPE_BTFOFF_H
#define LOUPE_BTFOFF_H

#include <stdint.h>

#include "../bpf/types.h"

struct btf;

/* The byte offset of field path ("ns.inum": nested members, anonymous
 * structs and unions looked through) in struct or union type. -ENOENT
 * when there is no such type or field, -EINVAL for a bitfield. */
int btf_offset(const struct btf *btf, const char *type, const char *path, uint32_t *off);
/* sizeof(struct type). */
int btf_struct_size(const struct btf *btf, const char *type, uint32_t *size);
/* struct loupe_task_offsets from the kernel's BTF (on = 1). -ENOENT when
 * the kernel has no BTF or lacks a field. */
int btf_task_offsets(struct loupe_task_offsets *t);
/* struct loupe_cgroup_offsets, likewise. */
int btf_cgroup_offsets(struct loupe_cgroup_offsets *c);

#endif
