/*
 * Block devices for the block tools: names from device numbers (disks and
 * partitions, from /sys/class/block), and the text of a request's
 * operation and flags (struct request.cmd_flags) in bcc's style
 * ("Sync-Write", "ReadAhead-Read"). The flag bits and operation numbers
 * moved between kernels (REQ_OP_ZONE_OPEN was 10, is 11), so they are read
 * from the kernel's BTF (enum req_op / req_opf, enum req_flag_bits), not
 * compiled in. Functions return 0 or -errno and print nothing.
 */
#ifndef LOUPE_BLK_H
#define LOUPE_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct btf;

/* The kernel's dev_t encoding (what BPF reads from struct block_device). */
#define BLK_MKDEV(ma, mi) (((uint32_t)(ma) << 20) | (uint32_t)(mi))
#define BLK_MAJOR(d) ((d) >> 20)
#define BLK_MINOR(d) ((d) & ((1u << 20) - 1))

/* A disk or partition by name ("sda", "sda1", "/dev/loop0"): its kernel
 * dev_t, and whether it is a partition. -ENODEV when there is none. */
int blk_lookup(const char *name, uint32_t *dev, bool *partition);
/* The name of a device number ("sda1"), or "MAJOR:MINOR" when unknown. */
const char *blk_name(uint32_t dev, char *buf, size_t len);

/* Read the operation and flag values from the kernel's BTF. Without it
 * (-ENOENT), blk_flags_name() writes the value in hex. */
int blk_flags_init(const struct btf *vmlinux);
/* "Sync-Write", "Read", "NoWait-ReadAhead-Read", "Op12" for an unknown op. */
void blk_flags_name(uint32_t cmd_flags, char *buf, size_t len);

#endif
