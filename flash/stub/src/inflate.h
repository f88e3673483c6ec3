/* A resumable zlib (RFC 1950) / deflate (RFC 1951) decoder written for the
 * stub: input arrives in blocks of up to 16 KiB that cut the stream
 * anywhere, output goes to a callback through a 32 KiB window. Each decoding
 * unit (a header, one symbol with its extra bits, a stored byte) either
 * completes or is rolled back to where it started, so the caller keeps the
 * unconsumed tail and feeds it again in front of the next block. */
#ifndef STUB_INFLATE_H
#define STUB_INFLATE_H
#include "hal.h"

#define INF_WINDOW 0x8000u

enum {
	INF_MORE = 0,     /* all complete units consumed; feed more */
	INF_DONE = 1,     /* end of the zlib stream (Adler-32 checked) */
	INF_ERR_DATA = -1,
	INF_ERR_ADLER = -2,
	INF_ERR_OUTPUT = -3, /* the output callback refused (too much data) */
};

typedef struct {
	u16 count[16];
	u16 symbol[288];
} inf_huff;

typedef struct {
	/* input of the current call */
	const u8 *in;
	u32 in_pos, in_len;
	int underflow;
	/* bits carried between calls */
	u32 bitbuf, bitcnt;
	int state, last;
	u32 stored_left;
	u32 adler_a, adler_b;
	u32 out_total;
	u8 window[INF_WINDOW];
	inf_huff lit, dist;
	int (*out)(void *arg, u8 b);
	void *arg;
} inflate_state;

void inflate_init(inflate_state *s, int (*out)(void *arg, u8 b), void *arg);
/* inflate_feed decodes what it can of in[0:len] and sets *used to the bytes
 * consumed; the caller must pass in[*used:len] again, ahead of new input. */
int inflate_feed(inflate_state *s, const u8 *in, u32 len, u32 *used);

#endif
