/*
 * GDB stub memory: m/M/X at guest virtual addresses, through the guest's
 * own page tables (src/vcpu/gva.c).
 */
#include <string.h>

#include "gdb_internal.h"

uint64_t gdb_read_virt(struct gdbstub *g, uint64_t gva, uint8_t *dst,
		       uint64_t len)
{
	return vcpu_read_virt(cur_vcpu(g), gva, dst, len);
}

/* All or nothing: every page is checked before the first byte changes. */
static int write_virt(struct gdbstub *g, uint64_t gva, const uint8_t *src,
		      uint64_t len)
{
	struct vcpu *v = cur_vcpu(g);
	uint64_t done, n;

	for (done = 0; done < len; done += n) {
		n = vcpu_page_chunk(gva + done, len - done);
		if (!vcpu_virt_ptr(v, gva + done, n))
			return -1;
	}
	for (done = 0; done < len; done += n) {
		n = vcpu_page_chunk(gva + done, len - done);
		memcpy(vcpu_virt_ptr(v, gva + done, n), src + done, n);
	}
	return 0;
}

void gdb_cmd_read_mem(struct gdbstub *g, const char *args)
{
	static uint8_t buf[GDB_MAX_PACKET / 2];
	uint64_t addr, len, got;

	if (gdb_parse_addr_len(args, '\0', &addr, &len, NULL) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);	/* gdb accepts a short read */
	got = gdb_read_virt(g, addr, buf, len);
	if (!got && len) {
		gdb_send_str(g, "E14");
		return;
	}
	gdb_hex_encode(g->reply, buf, got);
	gdb_send_str(g, g->reply);
}

void gdb_cmd_write_mem(struct gdbstub *g, char *args, size_t len,
		       bool binary)
{
	uint8_t *data;
	uint64_t addr, n;
	const char *rest;
	long have;

	if (gdb_parse_addr_len(args, ':', &addr, &n, &rest) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	data = (uint8_t *)args + (rest - args);
	have = (long)(len - (size_t)(rest - args));
	if (binary)
		have = gdb_unescape(data, (size_t)have);
	else if ((uint64_t)have != 2 * n ||
		 gdb_hex_decode((char *)data, data, n) < 0)
		have = -1;
	else
		have = (long)n;
	if (have < 0 || (uint64_t)have != n) {
		gdb_send_str(g, "E01");
		return;
	}
	gdb_send_str(g, write_virt(g, addr, data, n) < 0 ? "E14" : "OK");
}
