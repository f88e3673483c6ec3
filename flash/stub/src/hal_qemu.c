/* The test HAL: the stub's core under qemu-system-xtensa -M sim. The UART
 * is QEMU's semihosting stdin/stdout (simcall 3 reads, 4 writes; binary
 * safe over pipes), the SPI flash a RAM buffer at 0x40180000 with NOR
 * semantics (erase sets 0xFF, program ANDs), MD5 a C implementation (RFC
 * 1321) because the ROM is not there. Registers are a small table. */
#include "hal.h"

#define QFLASH ((u8 *)0x40180000)
#define QFLASH_SIZE 0x80000u

static int simcall(int nr, int a, int b, int c)
{
	register int a2 __asm__("a2") = nr;
	register int a3 __asm__("a3") = a;
	register int a4 __asm__("a4") = b;
	register int a5 __asm__("a5") = c;
	__asm__ volatile("simcall" : "+r"(a2) : "r"(a3), "r"(a4), "r"(a5) : "memory");
	return a2;
}

static u32 chip_size = QFLASH_SIZE;
static u32 regs[4][2] = {
	{0x40001000u, 0xFFF0C101u}, /* chip magic: an ESP8266 */
	{0x60000014u, 0x1C4u},      /* UART divider at 115200 */
	{0x3FF00050u, 0}, {0x3FF00054u, 0},
};

void hal_init(void)
{
	for (u32 i = 0; i < QFLASH_SIZE; i += 4)
		*(u32 *)(QFLASH + i) = 0xFFFFFFFFu;
}

void hal_rx_wait(void)
{
	static u8 buf[512];
	int n = simcall(3, 0, (int)buf, sizeof buf);
	if (n <= 0)
		simcall(1, 0, 0, 0); /* the host closed the pipe */
	for (int i = 0; i < n; i++)
		rx_put(buf[i]);
}

void hal_tx(const u8 *p, u32 n)
{
	if (n)
		simcall(4, 1, (int)p, (int)n);
}

void hal_tx_flush(void) {}

u32 hal_flash_size(void) { return chip_size; }

int hal_flash_set_params(u32 id, u32 size, u32 block, u32 sector, u32 page, u32 mask)
{
	(void)id; (void)block; (void)sector; (void)page; (void)mask;
	chip_size = size < QFLASH_SIZE ? size : QFLASH_SIZE;
	return 0;
}

int hal_flash_attach(void) { return 0; }

static int erase(u32 a, u32 n)
{
	if (a + n > QFLASH_SIZE)
		return 1;
	for (u32 i = 0; i < n; i += 4)
		*(u32 *)(QFLASH + a + i) = 0xFFFFFFFFu;
	return 0;
}

int hal_flash_erase_sector(u32 s) { return erase(s << 12, 0x1000); }
int hal_flash_erase_block(u32 b) { return erase(b << 16, 0x10000); }
int hal_flash_erase_chip(void) { return erase(0, QFLASH_SIZE); }

int hal_flash_write(u32 a, const u32 *src, u32 n)
{
	if (a + n > chip_size || (a & 3) || (n & 3))
		return 1;
	for (u32 i = 0; i < n; i += 4)
		*(u32 *)(QFLASH + a + i) &= src[i >> 2];
	return 0;
}

int hal_flash_read(u32 a, u32 *dst, u32 n)
{
	if (a + n > QFLASH_SIZE || (a & 3))
		return 1;
	for (u32 i = 0; i < n; i += 4)
		dst[i >> 2] = *(u32 *)(QFLASH + a + i);
	return 0;
}

/* ---- MD5 (RFC 1321) ---- */

static const u32 md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
static const u8 md5_r[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

static void md5_block(u32 h[4], const u8 *p)
{
	u32 w[16], a = h[0], b = h[1], c = h[2], d = h[3];
	for (int i = 0; i < 16; i++)
		w[i] = (u32)p[4 * i] | (u32)p[4 * i + 1] << 8 | (u32)p[4 * i + 2] << 16 | (u32)p[4 * i + 3] << 24;
	for (int i = 0; i < 64; i++) {
		u32 f;
		int g, round = i >> 4;
		if (round == 0) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (round == 1) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) & 15;
		} else if (round == 2) {
			f = b ^ c ^ d;
			g = (3 * i + 5) & 15;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) & 15;
		}
		u32 s = md5_r[(round << 2) | (i & 3)];
		u32 x = a + f + md5_k[i] + w[g];
		a = d;
		d = c;
		c = b;
		b = b + (x << s | x >> (32 - s));
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

void hal_md5_init(md5_ctx *c)
{
	c->buf[0] = 0x67452301;
	c->buf[1] = 0xefcdab89;
	c->buf[2] = 0x98badcfe;
	c->buf[3] = 0x10325476;
	c->bits[0] = c->bits[1] = 0;
}

void hal_md5_update(md5_ctx *c, const u8 *p, u32 n)
{
	u32 have = (c->bits[0] >> 3) & 63;
	u32 old = c->bits[0];
	c->bits[0] += n << 3;
	if (c->bits[0] < old)
		c->bits[1]++;
	c->bits[1] += n >> 29;
	while (n--) {
		c->in[have++] = *p++;
		if (have == 64) {
			md5_block(c->buf, c->in);
			have = 0;
		}
	}
}

void hal_md5_final(u8 out[16], md5_ctx *c)
{
	u8 len[8];
	for (int i = 0; i < 4; i++) {
		len[i] = (u8)(c->bits[0] >> (8 * i));
		len[4 + i] = (u8)(c->bits[1] >> (8 * i));
	}
	static const u8 pad80 = 0x80, zero = 0;
	hal_md5_update(c, &pad80, 1);
	while (((c->bits[0] >> 3) & 63) != 56)
		hal_md5_update(c, &zero, 1);
	hal_md5_update(c, len, 8);
	for (int i = 0; i < 16; i++)
		out[i] = (u8)(c->buf[i >> 2] >> (8 * (i & 3)));
}

void hal_change_baud(u32 new_baud, u32 old_baud)
{
	(void)old_baud;
	/* no line rate on a pipe; remember the divider the chip would use */
	regs[1][1] = udiv32(0x1C4u * 115200u, new_baud);
}

u32 hal_read_reg(u32 a)
{
	for (u32 i = 0; i < 4; i++)
		if (regs[i][0] == a)
			return regs[i][1];
	return 0;
}

void hal_write_reg(u32 a, u32 v, u32 mask, u32 delay)
{
	(void)delay;
	for (u32 i = 0; i < 4; i++)
		if (regs[i][0] == a)
			regs[i][1] = (regs[i][1] & ~mask) | (v & mask);
}

void hal_delay_us(u32 us) { (void)us; }

void hal_reboot(void)
{
	simcall(1, 0, 0, 0);
	for (;;)
		;
}
