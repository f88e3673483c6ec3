/* Deflate decoder: see inflate.h. The algorithm is RFC 1951's canonical
 * Huffman decoding, bit by bit (small tables, slow enough but far faster
 * than the UART delivers compressed data). */
#include "inflate.h"

enum { ST_ZHDR, ST_BLOCK, ST_STORED, ST_HUFF, ST_ADLER, ST_DONE };

static const u16 len_base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const u8 len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const u16 dist_base[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const u8 dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
static const u8 clen_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

void inflate_init(inflate_state *s, int (*out)(void *, u8), void *arg)
{
	s->bitbuf = s->bitcnt = 0;
	s->state = ST_ZHDR;
	s->last = 0;
	s->stored_left = 0;
	s->adler_a = 1;
	s->adler_b = 0;
	s->out_total = 0;
	s->out = out;
	s->arg = arg;
}

/* bits returns the next n (<= 24) bits, LSB first; on running out of input
 * it sets underflow and returns 0 (the unit is then rolled back). */
static u32 bits(inflate_state *s, u32 n)
{
	while (s->bitcnt < n) {
		if (s->in_pos >= s->in_len) {
			s->underflow = 1;
			return 0;
		}
		s->bitbuf |= (u32)s->in[s->in_pos++] << s->bitcnt;
		s->bitcnt += 8;
	}
	u32 v = s->bitbuf & ((1u << n) - 1);
	s->bitbuf >>= n;
	s->bitcnt -= n;
	return v;
}

static int emit(inflate_state *s, u8 b)
{
	s->window[s->out_total & (INF_WINDOW - 1)] = b;
	s->out_total++;
	s->adler_a += b;
	if (s->adler_a >= 65521)
		s->adler_a -= 65521;
	s->adler_b += s->adler_a;
	if (s->adler_b >= 65521)
		s->adler_b -= 65521;
	return s->out(s->arg, b);
}

/* build makes a canonical code from lengths; 0 if complete, >0 if
 * incomplete, <0 if over-subscribed. */
static int build(inf_huff *h, const u8 *lengths, u32 n)
{
	u16 offs[16];
	u32 i;
	for (i = 0; i < 16; i++)
		h->count[i] = 0;
	for (i = 0; i < n; i++)
		h->count[lengths[i]]++;
	if (h->count[0] == n)
		return 0;
	int left = 1;
	for (i = 1; i < 16; i++) {
		left <<= 1;
		left -= h->count[i];
		if (left < 0)
			return left;
	}
	offs[1] = 0;
	for (i = 1; i < 15; i++)
		offs[i + 1] = offs[i] + h->count[i];
	for (i = 0; i < n; i++)
		if (lengths[i] != 0)
			h->symbol[offs[lengths[i]]++] = (u16)i;
	return left;
}

/* decode reads one symbol bit by bit; -1 on underflow or a bad code. */
static int decode(inflate_state *s, const inf_huff *h)
{
	int code = 0, first = 0, index = 0;
	for (int len = 1; len < 16; len++) {
		code |= (int)bits(s, 1);
		if (s->underflow)
			return -1;
		int count = h->count[len];
		if (code - count < first)
			return h->symbol[index + (code - first)];
		index += count;
		first += count;
		first <<= 1;
		code <<= 1;
	}
	return -2;
}

static void fixed_tables(inflate_state *s)
{
	u8 l[288];
	u32 i;
	for (i = 0; i < 144; i++)
		l[i] = 8;
	for (; i < 256; i++)
		l[i] = 9;
	for (; i < 280; i++)
		l[i] = 7;
	for (; i < 288; i++)
		l[i] = 8;
	build(&s->lit, l, 288);
	for (i = 0; i < 30; i++)
		l[i] = 5;
	build(&s->dist, l, 30);
}

/* dynamic reads a dynamic block's code tables (one unit). */
static int dynamic(inflate_state *s)
{
	u8 l[320];
	u32 nlen = bits(s, 5) + 257, ndist = bits(s, 5) + 1, ncode = bits(s, 4) + 4;
	if (s->underflow)
		return 0;
	if (nlen > 286 || ndist > 30)
		return INF_ERR_DATA;
	u32 i;
	for (i = 0; i < 19; i++)
		l[clen_order[i]] = i < ncode ? (u8)bits(s, 3) : 0;
	if (s->underflow)
		return 0;
	if (build(&s->lit, l, 19) != 0)
		return INF_ERR_DATA;
	for (i = 0; i < nlen + ndist;) {
		int sym = decode(s, &s->lit);
		if (s->underflow)
			return 0;
		if (sym < 0)
			return INF_ERR_DATA;
		if (sym < 16) {
			l[i++] = (u8)sym;
			continue;
		}
		u32 rep;
		u8 v = 0;
		if (sym == 16) {
			if (i == 0)
				return INF_ERR_DATA;
			v = l[i - 1];
			rep = 3 + bits(s, 2);
		} else if (sym == 17) {
			rep = 3 + bits(s, 3);
		} else {
			rep = 11 + bits(s, 7);
		}
		if (s->underflow)
			return 0;
		if (i + rep > nlen + ndist)
			return INF_ERR_DATA;
		while (rep--)
			l[i++] = v;
	}
	if (l[256] == 0)
		return INF_ERR_DATA;
	int e = build(&s->lit, l, nlen);
	if (e < 0 || (e > 0 && nlen - s->lit.count[0] != 1))
		return INF_ERR_DATA;
	e = build(&s->dist, l + nlen, ndist);
	if (e < 0 || (e > 0 && ndist - s->dist.count[0] != 1))
		return INF_ERR_DATA;
	return 1;
}

/* unit runs one decoding step; 1 = progress, 0 = needs input (rolled back
 * by the caller), <0 error, INF_DONE handled by state. */
static int unit(inflate_state *s)
{
	switch (s->state) {
	case ST_ZHDR: {
		u32 cmf = bits(s, 8), flg = bits(s, 8);
		if (s->underflow)
			return 0;
		u32 v = cmf << 8 | flg;
		while (v >= 31)
			v -= 31;
		if ((cmf & 0x0F) != 8 || (cmf >> 4) > 7 || (flg & 0x20) || v != 0)
			return INF_ERR_DATA;
		s->state = ST_BLOCK;
		return 1;
	}
	case ST_BLOCK: {
		if (s->last) {
			/* byte-align, then the big-endian Adler-32 */
			s->bitbuf >>= s->bitcnt & 7;
			s->bitcnt &= ~7u;
			s->state = ST_ADLER;
			return 1;
		}
		u32 last = bits(s, 1), type = bits(s, 2);
		if (s->underflow)
			return 0;
		if (type == 0) {
			s->bitbuf >>= s->bitcnt & 7;
			s->bitcnt &= ~7u;
			u32 len = bits(s, 16), nlen = bits(s, 16);
			if (s->underflow)
				return 0;
			if ((len ^ 0xFFFF) != nlen)
				return INF_ERR_DATA;
			s->stored_left = len;
			s->state = ST_STORED;
		} else if (type == 1) {
			fixed_tables(s);
			s->state = ST_HUFF;
		} else if (type == 2) {
			int r = dynamic(s);
			if (r <= 0)
				return r;
			s->state = ST_HUFF;
		} else {
			return INF_ERR_DATA;
		}
		s->last = (int)last;
		return 1;
	}
	case ST_STORED: {
		if (s->stored_left == 0) {
			s->state = ST_BLOCK;
			return 1;
		}
		u32 b = bits(s, 8);
		if (s->underflow)
			return 0;
		s->stored_left--;
		return emit(s, (u8)b) ? INF_ERR_OUTPUT : 1;
	}
	case ST_HUFF: {
		int sym = decode(s, &s->lit);
		if (s->underflow)
			return 0;
		if (sym < 0 || sym > 285)
			return INF_ERR_DATA;
		if (sym < 256)
			return emit(s, (u8)sym) ? INF_ERR_OUTPUT : 1;
		if (sym == 256) {
			s->state = ST_BLOCK;
			return 1;
		}
		sym -= 257;
		u32 len = len_base[sym] + bits(s, len_extra[sym]);
		int ds = decode(s, &s->dist);
		if (s->underflow)
			return 0;
		if (ds < 0 || ds > 29)
			return INF_ERR_DATA;
		u32 dist = dist_base[ds] + bits(s, dist_extra[ds]);
		if (s->underflow)
			return 0;
		if (dist > s->out_total || dist > INF_WINDOW)
			return INF_ERR_DATA;
		while (len--)
			if (emit(s, s->window[(s->out_total - dist) & (INF_WINDOW - 1)]))
				return INF_ERR_OUTPUT;
		return 1;
	}
	case ST_ADLER: {
		u32 a = bits(s, 16), b = bits(s, 16);
		if (s->underflow)
			return 0;
		/* bytes arrive big-endian: swap each 16-bit half */
		u32 want = (a & 0xFF) << 24 | (a >> 8) << 16 | (b & 0xFF) << 8 | (b >> 8);
		if (want != (s->adler_b << 16 | s->adler_a))
			return INF_ERR_ADLER;
		s->state = ST_DONE;
		return 1;
	}
	}
	return INF_DONE;
}

int inflate_feed(inflate_state *s, const u8 *in, u32 len, u32 *used)
{
	s->in = in;
	s->in_pos = 0;
	s->in_len = len;
	for (;;) {
		if (s->state == ST_DONE) {
			*used = s->in_pos;
			return INF_DONE;
		}
		u32 pos = s->in_pos, bb = s->bitbuf, bc = s->bitcnt;
		int st = s->state, last = s->last;
		s->underflow = 0;
		int r = unit(s);
		if (r < 0) {
			*used = s->in_pos;
			return r;
		}
		if (r == 0) {
			/* roll back: the unit starts again with the next block */
			s->in_pos = pos;
			s->bitbuf = bb;
			s->bitcnt = bc;
			s->state = st;
			s->last = last;
			*used = pos;
			return INF_MORE;
		}
	}
}
