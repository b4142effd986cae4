/*
 * blk-proto.h - the block protocol between blk-server and blk-client:
 * requests and replies are channel 0 messages, data moves through shared
 * region 0. The server trusts nothing in a request.
 */
#ifndef BLK_PROTO_H
#define BLK_PROTO_H

#include <stdint.h>

enum { BLK_OP_INFO = 1, BLK_OP_READ = 2 };

/* Client → server. READ: len bytes from sector into the region at off. */
struct blk_req {
	uint32_t op;
	uint32_t id;
	uint64_t sector;
	uint64_t len;
	uint64_t off;
};

/* Server → client. status: bytes read (READ), the disk size (INFO), or a
 * negative errno for a refused request. */
struct blk_rep {
	uint32_t id;
	uint32_t pad;
	int64_t status;
};

#endif
