/* blynkbridge's ESP8266 flasher stub: the loader protocol of
 * docs/flash.md (SLIP frames, esptool-compatible opcodes and status bytes)
 * on top of a HAL. Written for this project from the documented protocol.
 *
 * Flow: frames are decoded from the receive ring into frame_buf. A data
 * block is checked (length, checksum) and acknowledged before it is
 * written, so the host sends the next block while this one is inflated,
 * erased and programmed; the next frame waits in the ring meanwhile.
 * Errors found after the acknowledgement (inflate, too much data, flash)
 * are reported on the next data block or FLASH_END reply. */
#include "hal.h"
#include "inflate.h"

enum {
	OP_FLASH_BEGIN = 0x02, OP_FLASH_DATA = 0x03, OP_FLASH_END = 0x04,
	OP_MEM_BEGIN = 0x05, OP_MEM_END = 0x06, OP_MEM_DATA = 0x07,
	OP_SYNC = 0x08, OP_WRITE_REG = 0x09, OP_READ_REG = 0x0A,
	OP_SPI_SET_PARAMS = 0x0B, OP_SPI_ATTACH = 0x0D, OP_CHANGE_BAUD = 0x0F,
	OP_DEFL_BEGIN = 0x10, OP_DEFL_DATA = 0x11, OP_DEFL_END = 0x12,
	OP_SPI_FLASH_MD5 = 0x13, OP_ERASE_FLASH = 0xD0, OP_ERASE_REGION = 0xD1,
	OP_READ_FLASH = 0xD2, OP_RUN_USER_CODE = 0xD3,
};

enum {
	E_OK = 0x00, E_BAD_DATA_LEN = 0xC0, E_BAD_CHECKSUM = 0xC1, E_BAD_BLOCKSIZE = 0xC2,
	E_INVALID_COMMAND = 0xC3, E_FAILED_SPI_OP = 0xC4, E_FAILED_SPI_UNLOCK = 0xC5,
	E_NOT_IN_FLASH_MODE = 0xC6, E_INFLATE = 0xC7, E_NOT_ENOUGH_DATA = 0xC8,
	E_TOO_MUCH_DATA = 0xC9, E_NOT_IMPLEMENTED = 0xFF,
	E_ERASE_ADDR = 0x32, E_ERASE_LEN = 0x33,
};

#define MAX_BLOCK 0x4000u
#define SECTOR 0x1000u
#define BLOCK64 0x10000u
#define PAGE 0x100u
/* Room in front of the frame for the inflate input carried over from the
 * previous block (a dynamic Huffman header is at most ~300 bytes). */
#define CARRY 0x400u
#define FRAME_MAX (8u + 16u + MAX_BLOCK)

volatile u32 rx_head, rx_tail;
u8 rx_ring[RX_RING_SIZE];

static u8 frame_buf[CARRY + FRAME_MAX + 4] __attribute__((aligned(4)));
static u8 carry_buf[CARRY];
static u32 carry_len;
static u8 tx_buf[64];

void rx_put(u8 b)
{
	u32 h = rx_head, n = h + 1 == RX_RING_SIZE ? 0 : h + 1;
	if (n == rx_tail)
		return; /* full: the byte is lost, the frame's checksum tells */
	rx_ring[h] = b;
	rx_head = n;
}

/* ---- SLIP ---- */

static u8 *const frame = frame_buf + CARRY;
static u32 frame_len;
static int slip_in_frame, slip_esc, slip_overflow;

/* next_frame decodes ring bytes; 1 when frame[0:frame_len] is complete. */
static int next_frame(void)
{
	while (rx_tail != rx_head) {
		u32 t = rx_tail;
		u8 b = rx_ring[t];
		rx_tail = t + 1 == RX_RING_SIZE ? 0 : t + 1;
		if (b == 0xC0) {
			if (slip_in_frame && frame_len > 0) {
				slip_in_frame = 0;
				return 1;
			}
			slip_in_frame = 1;
			frame_len = 0;
			slip_esc = slip_overflow = 0;
			continue;
		}
		if (!slip_in_frame)
			continue;
		if (slip_esc) {
			slip_esc = 0;
			b = b == 0xDC ? 0xC0 : b == 0xDD ? 0xDB : b;
		} else if (b == 0xDB) {
			slip_esc = 1;
			continue;
		}
		if (frame_len < FRAME_MAX)
			frame[frame_len] = b;
		else
			slip_overflow = 1;
		frame_len++;
	}
	return 0;
}

static void slip_bytes(const u8 *p, u32 n)
{
	static const u8 esc_c0[2] = {0xDB, 0xDC}, esc_db[2] = {0xDB, 0xDD};
	u32 start = 0;
	for (u32 i = 0; i < n; i++) {
		if (p[i] == 0xC0 || p[i] == 0xDB) {
			hal_tx(p + start, i - start);
			hal_tx(p[i] == 0xC0 ? esc_c0 : esc_db, 2);
			start = i + 1;
		}
	}
	hal_tx(p + start, n - start);
}

static void send_frame(const u8 *p, u32 n)
{
	static const u8 end = 0xC0;
	hal_tx(&end, 1);
	slip_bytes(p, n);
	hal_tx(&end, 1);
}

static u32 rd32(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }

static void wr32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

/* reply sends a response: value, optional payload, 2 status bytes. */
static void reply2(u8 op, u32 value, const u8 *payload, u32 plen, u8 err, u8 err2)
{
	u8 *r = tx_buf;
	r[0] = 0x01;
	r[1] = op;
	r[2] = (u8)(plen + 2);
	r[3] = (u8)((plen + 2) >> 8);
	wr32(r + 4, value);
	static const u8 end = 0xC0;
	hal_tx(&end, 1);
	slip_bytes(r, 8);
	if (plen)
		slip_bytes(payload, plen);
	u8 st[2] = {err, err2};
	slip_bytes(st, 2);
	hal_tx(&end, 1);
}

static void reply(u8 op, u32 value, const u8 *payload, u32 plen, u8 err)
{
	reply2(op, value, payload, plen, err, 0);
}

/* ---- flash session ---- */

static struct {
	int on, defl;
	u32 start, next;   /* session start; next flash address to program */
	u32 end;           /* start + uncompressed size */
	u32 erased_to;
	u32 seq_next;      /* sequence number of the next new data block */
	u8 err;            /* deferred error, reported on the next reply */
	u32 page_addr, page_fill;
	u32 page[PAGE / 4];
} fs;

static inflate_state inf;

static int erase_ahead(u32 upto)
{
	while (fs.erased_to < upto) {
		u32 a = fs.erased_to;
		/* a 64 KiB block erase takes ~150 ms against 16 x 45 ms */
		if ((a & (BLOCK64 - 1)) == 0 && fs.end - a >= BLOCK64) {
			if (hal_flash_erase_block(a >> 16))
				return E_FAILED_SPI_OP;
			fs.erased_to = a + BLOCK64;
		} else {
			if (hal_flash_erase_sector(a >> 12))
				return E_FAILED_SPI_OP;
			fs.erased_to = a + SECTOR;
		}
	}
	return 0;
}

/* program_page writes the staged page unless it is all 0xFF (already so
 * after the erase). */
static int program_page(void)
{
	if (fs.page_fill == 0)
		return 0;
	u32 a = fs.page_addr;
	int r = erase_ahead(a + PAGE);
	if (r)
		return r;
	for (u32 i = 0; i < PAGE / 4; i++) {
		if (fs.page[i] != 0xFFFFFFFFu) {
			if (hal_flash_write(a, fs.page, PAGE))
				return E_FAILED_SPI_OP;
			break;
		}
	}
	fs.page_addr = a + PAGE;
	fs.page_fill = 0;
	memset(fs.page, 0xFF, PAGE);
	return 0;
}

static int put_byte(void *arg, u8 b)
{
	(void)arg;
	if (fs.next >= fs.end) {
		fs.err = E_TOO_MUCH_DATA;
		return 1;
	}
	u32 off = fs.next - fs.page_addr;
	((u8 *)fs.page)[off] = b;
	fs.page_fill = off + 1;
	fs.next++;
	if (off + 1 == PAGE) {
		int r = program_page();
		if (r) {
			fs.err = (u8)r;
			return 1;
		}
	}
	return 0;
}

static void session_begin(u32 size, u32 offset, int defl)
{
	fs.on = 1;
	fs.defl = defl;
	fs.start = fs.next = offset;
	fs.end = offset + size;
	fs.erased_to = offset & ~(SECTOR - 1);
	fs.seq_next = 0;
	fs.err = 0;
	fs.page_addr = offset & ~(PAGE - 1);
	fs.page_fill = 0;
	memset(fs.page, 0xFF, PAGE);
	/* bytes of the first page before offset stay 0xFF: programming 0xFF
	 * leaves NOR flash as it is */
	carry_len = 0;
	if (defl)
		inflate_init(&inf, put_byte, 0);
}

static void session_finish(void)
{
	if (fs.on && !fs.err && fs.page_fill) {
		int r = program_page();
		if (r)
			fs.err = (u8)r;
	}
}

/* write_plain programs an uncompressed block (the last one 0xFF-padded). */
static void write_plain(const u8 *p, u32 n)
{
	for (u32 i = 0; i < n && fs.next < fs.end && !fs.err; i++)
		put_byte(0, p[i]);
	if (fs.next >= fs.end)
		session_finish();
}

static void write_deflated(u8 *p, u32 n)
{
	/* the carried tail goes right in front of this block's payload */
	p -= carry_len;
	memcpy(p, carry_buf, carry_len);
	n += carry_len;
	u32 used = 0;
	int r = inflate_feed(&inf, p, n, &used);
	carry_len = 0;
	if (r == INF_DONE) {
		session_finish();
		return;
	}
	if (r < 0) {
		if (!fs.err)
			fs.err = r == INF_ERR_OUTPUT ? E_TOO_MUCH_DATA : E_INFLATE;
		return;
	}
	if (n - used > CARRY) {
		fs.err = E_INFLATE;
		return;
	}
	carry_len = n - used;
	memcpy(carry_buf, p + used, carry_len);
}

/* ---- commands ---- */

static u32 xor_checksum(const u8 *p, u32 n)
{
	u8 c = 0xEF;
	for (u32 i = 0; i < n; i++)
		c ^= p[i];
	return c;
}

static u32 md5_buf[SECTOR / 4];

static int flash_md5(u32 addr, u32 len, u8 out[16])
{
	md5_ctx c;
	hal_md5_init(&c);
	while (len) {
		u32 n = len < SECTOR ? len : SECTOR;
		if (hal_flash_read(addr, md5_buf, (n + 3) & ~3u))
			return E_FAILED_SPI_OP;
		hal_md5_update(&c, (const u8 *)md5_buf, n);
		addr += n;
		len -= n;
	}
	hal_md5_final(out, &c);
	return 0;
}

static int erase_region(u32 addr, u32 len)
{
	if (addr & (SECTOR - 1))
		return E_ERASE_ADDR;
	if (len & (SECTOR - 1))
		return E_ERASE_LEN;
	while (len) {
		if ((addr & (BLOCK64 - 1)) == 0 && len >= BLOCK64) {
			if (hal_flash_erase_block(addr >> 16))
				return E_FAILED_SPI_OP;
			addr += BLOCK64;
			len -= BLOCK64;
		} else {
			if (hal_flash_erase_sector(addr >> 12))
				return E_FAILED_SPI_OP;
			addr += SECTOR;
			len -= SECTOR;
		}
	}
	return 0;
}

/* read_flash streams [addr, addr+len) in frames of pkt bytes, at most
 * max_unacked frames ahead of the host's acknowledgements (a 4-byte frame
 * with the total it received), then the MD5 of the whole range. A frame is
 * read from flash a sector at a time into md5_buf. */
static void read_flash(u32 addr, u32 len, u32 pkt, u32 max_unacked)
{
	static const u8 end = 0xC0;
	u32 sent = 0, acked = 0;
	md5_ctx c;
	hal_md5_init(&c);
	while (acked < len) {
		if (sent < len && sent - acked < max_unacked * pkt) {
			u32 n = len - sent < pkt ? len - sent : pkt;
			hal_tx(&end, 1);
			for (u32 done = 0; done < n;) {
				u32 k = n - done < SECTOR ? n - done : SECTOR;
				if (hal_flash_read(addr + sent + done, md5_buf, (k + 3) & ~3u))
					return; /* the host times out and reports it */
				slip_bytes((const u8 *)md5_buf, k);
				hal_md5_update(&c, (const u8 *)md5_buf, k);
				done += k;
			}
			hal_tx(&end, 1);
			sent += n;
			continue;
		}
		if (next_frame()) {
			if (frame_len == 4)
				acked = rd32(frame);
			continue;
		}
		hal_rx_wait();
	}
	u8 sum[16];
	hal_md5_final(sum, &c);
	send_frame(sum, 16);
}

static void handle(void)
{
	if (frame_len < 8 || frame[0] != 0x00)
		return; /* not a request (e.g. a stray READ_FLASH ack) */
	u8 op = frame[1];
	u32 size = (u32)frame[2] | (u32)frame[3] << 8;
	u32 chk = rd32(frame + 4);
	u8 *d = frame + 8;
	if (slip_overflow) {
		reply2(op, 0, 0, 0, E_BAD_DATA_LEN, 0xEE); /* payload too long */
		return;
	}
	if (size != frame_len - 8) {
		reply(op, 0, 0, 0, E_BAD_DATA_LEN);
		return;
	}
	switch (op) {
	case OP_SYNC:
		for (int i = 0; i < 8; i++)
			reply(op, 0, 0, 0, E_OK);
		return;
	case OP_READ_REG:
		if (size != 4)
			break;
		reply(op, hal_read_reg(rd32(d)), 0, 0, E_OK);
		return;
	case OP_WRITE_REG:
		if (size == 0 || (size & 15))
			break;
		for (u32 i = 0; i < size; i += 16)
			hal_write_reg(rd32(d + i), rd32(d + i + 4), rd32(d + i + 8), rd32(d + i + 12));
		reply(op, 0, 0, 0, E_OK);
		return;
	case OP_SPI_ATTACH:
		if (size != 4)
			break;
		reply(op, 0, 0, 0, hal_flash_attach() ? E_FAILED_SPI_OP : E_OK);
		return;
	case OP_SPI_SET_PARAMS:
		if (size != 24)
			break;
		reply(op, 0, 0, 0, hal_flash_set_params(rd32(d), rd32(d + 4), rd32(d + 8), rd32(d + 12), rd32(d + 16), rd32(d + 20)) ? E_FAILED_SPI_OP : E_OK);
		return;
	case OP_CHANGE_BAUD:
		if (size != 8 || rd32(d) == 0)
			break;
		reply(op, 0, 0, 0, E_OK);
		hal_tx_flush();
		hal_change_baud(rd32(d), rd32(d + 4));
		return;
	case OP_FLASH_BEGIN:
	case OP_DEFL_BEGIN: {
		if (size != 16 && size != 20)
			break;
		u32 total = rd32(d), blk = rd32(d + 8), off = rd32(d + 12);
		if (blk > MAX_BLOCK) {
			reply(op, 0, 0, 0, E_BAD_BLOCKSIZE);
			return;
		}
		if (off > hal_flash_size() || total > hal_flash_size() - off) {
			fs.on = 0;
			reply(op, 0, 0, 0, E_TOO_MUCH_DATA);
			return;
		}
		session_begin(total, off, op == OP_DEFL_BEGIN);
		reply(op, 0, 0, 0, E_OK);
		return;
	}
	case OP_FLASH_DATA:
	case OP_DEFL_DATA: {
		if (!fs.on || fs.defl != (op == OP_DEFL_DATA)) {
			reply(op, 0, 0, 0, E_NOT_IN_FLASH_MODE);
			return;
		}
		if (size < 16 || rd32(d) != size - 16) {
			reply(op, 0, 0, 0, E_BAD_DATA_LEN);
			return;
		}
		u8 *p = d + 16;
		u32 n = size - 16;
		if (xor_checksum(p, n) != chk) {
			reply(op, 0, 0, 0, E_BAD_CHECKSUM);
			return;
		}
		if (fs.err) {
			reply(op, 0, 0, 0, fs.err);
			return;
		}
		u32 seq = rd32(d + 4);
		if (fs.seq_next > 0 && seq == fs.seq_next - 1) {
			/* sent again because our reply was lost: taken already */
			reply(op, 0, 0, 0, E_OK);
			return;
		}
		if (seq != fs.seq_next) {
			reply(op, 0, 0, 0, E_BAD_BLOCKSIZE); /* out of sequence */
			return;
		}
		fs.seq_next++;
		/* acknowledge first: the next block streams in meanwhile */
		reply(op, 0, 0, 0, E_OK);
		if (fs.defl)
			write_deflated(p, n);
		else
			write_plain(p, n);
		return;
	}
	case OP_FLASH_END:
	case OP_DEFL_END: {
		if (size != 4)
			break;
		session_finish();
		u8 e = fs.err;
		if (fs.on && !e && fs.next < fs.end)
			e = E_NOT_ENOUGH_DATA;
		fs.on = 0;
		reply(op, 0, 0, 0, e);
		if (rd32(d) == 0) {
			hal_tx_flush();
			hal_delay_us(10000);
			hal_reboot();
		}
		return;
	}
	case OP_SPI_FLASH_MD5: {
		if (size != 16)
			break;
		u32 a = rd32(d), n = rd32(d + 4);
		if (a > hal_flash_size() || n > hal_flash_size() - a) {
			reply(op, 0, 0, 0, E_TOO_MUCH_DATA);
			return;
		}
		if (a & 3) {
			reply(op, 0, 0, 0, E_BAD_DATA_LEN);
			return;
		}
		u8 sum[16];
		int e = flash_md5(a, n, sum);
		reply(op, 0, sum, e ? 0 : 16, (u8)e);
		return;
	}
	case OP_ERASE_FLASH:
		reply(op, 0, 0, 0, hal_flash_erase_chip() ? E_FAILED_SPI_OP : E_OK);
		return;
	case OP_ERASE_REGION: {
		if (size != 8)
			break;
		u32 a = rd32(d), n = rd32(d + 4);
		if (a > hal_flash_size() || n > hal_flash_size() - a) {
			reply(op, 0, 0, 0, E_TOO_MUCH_DATA);
			return;
		}
		reply(op, 0, 0, 0, (u8)erase_region(a, n));
		return;
	}
	case OP_READ_FLASH: {
		if (size != 16)
			break;
		u32 a = rd32(d), n = rd32(d + 4), pkt = rd32(d + 8), mu = rd32(d + 12);
		if (pkt == 0 || pkt > MAX_BLOCK || mu == 0 || (a & 3) || a > hal_flash_size() || n > hal_flash_size() - a) {
			reply(op, 0, 0, 0, E_BAD_DATA_LEN);
			return;
		}
		reply(op, 0, 0, 0, E_OK);
		read_flash(a, n, pkt, mu);
		return;
	}
	case OP_RUN_USER_CODE:
		hal_tx_flush();
		hal_reboot();
	default:
		reply(op, 0, 0, 0, E_NOT_IMPLEMENTED);
		return;
	}
	reply(op, 0, 0, 0, E_BAD_DATA_LEN);
}

extern u8 _bss_start[], _bss_end[];

void stub_main(void)
{
	memset(_bss_start, 0, (unsigned long)(_bss_end - _bss_start));
	hal_init();
	static const u8 ohai[4] = {'O', 'H', 'A', 'I'};
	send_frame(ohai, 4);
	for (;;) {
		if (next_frame())
			handle();
		else
			hal_rx_wait();
	}
}

/* ---- freestanding helpers ---- */

void *memcpy(void *d, const void *s, unsigned long n)
{
	u8 *dp = d;
	const u8 *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, unsigned long n)
{
	u8 *dp = d;
	const u8 *sp = s;
	if (dp < sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

void *memset(void *d, int c, unsigned long n)
{
	u8 *dp = d;
	while (n--)
		*dp++ = (u8)c;
	return d;
}

u32 udiv32(u32 n, u32 d)
{
	u32 q = 0, r = 0;
	if (d == 0)
		return 0;
	for (int i = 31; i >= 0; i--) {
		r = r << 1 | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1u << i;
		}
	}
	return q;
}
