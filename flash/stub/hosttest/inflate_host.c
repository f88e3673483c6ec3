/* Host harness for the stub's inflater (flash/stub/src/inflate.c), built
 * by flash/inflate_host_test.go with the host's cc and AddressSanitizer.
 * stdin: a 4-byte little-endian block size, then a zlib stream. The
 * stream is fed in blocks of that size with the stub's carry discipline
 * (the unconsumed tail goes again in front of the next block); the
 * output goes to stdout. Exit 0 at the end of the stream, 2 on a data
 * error, 3 on an Adler-32 mismatch, 4 when the stream is cut short, 5
 * when the carried tail would not fit the stub's 1 KiB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/inflate.h"

/* The stub brings these itself; the host's libc has them. */
u32 udiv32(u32 n, u32 d) { return d ? n / d : 0; }

static int out(void *arg, u8 b)
{
	(void)arg;
	return putchar(b) == EOF;
}

int main(void)
{
	static inflate_state s;
	static u8 in[1 << 24];
	u8 hdr[4];
	if (fread(hdr, 1, 4, stdin) != 4)
		return 9;
	u32 bs = (u32)hdr[0] | (u32)hdr[1] << 8 | (u32)hdr[2] << 16 | (u32)hdr[3] << 24;
	if (bs == 0 || bs > 0x4000)
		return 9;
	size_t n = fread(in, 1, sizeof in, stdin);
	inflate_init(&s, out, 0);
	u8 *buf = malloc(1024 + bs);
	u32 carry = 0;
	for (size_t pos = 0; pos < n || carry; ) {
		u32 k = n - pos < bs ? (u32)(n - pos) : bs;
		memcpy(buf + carry, in + pos, k);
		pos += k;
		u32 used = 0;
		int r = inflate_feed(&s, buf, carry + k, &used);
		if (r == INF_DONE)
			return 0;
		if (r == INF_ERR_ADLER)
			return 3;
		if (r < 0)
			return 2;
		u32 left = carry + k - used;
		if (left > 1024)
			return 5;
		memmove(buf, buf + used, left);
		carry = left;
		if (k == 0)
			return 4; /* no progress and no more input */
	}
	return 4;
}
