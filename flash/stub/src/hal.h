/* The stub's hardware seam. stub.c and inflate.c are the protocol; a HAL
 * gives them bytes, a flash chip, MD5 and registers. hal_esp8266.c calls the
 * ESP8266 mask ROM (addresses in esp8266.ld); hal_qemu.c runs the same core
 * under qemu-system-xtensa with semihosting and a RAM flash, for tests. */
#ifndef STUB_HAL_H
#define STUB_HAL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int s32;

/* Receive ring, filled by the HAL (an interrupt on the chip, a blocking
 * read under qemu) and drained by the core. Single producer, single
 * consumer: head is written only by the producer, tail only by the core. */
#define RX_RING_SIZE 0x4800u
extern volatile u32 rx_head, rx_tail;
extern u8 rx_ring[RX_RING_SIZE];
void rx_put(u8 b);

void hal_init(void);
/* hal_rx_wait returns once at least one byte was added to the ring (or at
 * once when the ring is full). */
void hal_rx_wait(void);
void hal_tx(const u8 *p, u32 n);
/* hal_tx_flush waits until every byte has left the UART. */
void hal_tx_flush(void);

/* Flash: 0 on success. hal_flash_write's src is word-aligned, len a
 * multiple of 4 and within one 256-byte page. */
u32 hal_flash_size(void);
int hal_flash_set_params(u32 id, u32 size, u32 block, u32 sector, u32 page, u32 mask);
int hal_flash_attach(void);
int hal_flash_erase_sector(u32 sector);
int hal_flash_erase_block(u32 block);
int hal_flash_erase_chip(void);
int hal_flash_write(u32 addr, const u32 *src, u32 len);
int hal_flash_read(u32 addr, u32 *dst, u32 len);

/* MD5 with the ROM's context layout. */
typedef struct {
	u32 buf[4];
	u32 bits[2];
	u8 in[64];
} md5_ctx;
void hal_md5_init(md5_ctx *c);
void hal_md5_update(md5_ctx *c, const u8 *p, u32 n);
void hal_md5_final(u8 out[16], md5_ctx *c);

/* hal_change_baud switches the UART after the reply left at the old rate. */
void hal_change_baud(u32 new_baud, u32 old_baud);
u32 hal_read_reg(u32 addr);
void hal_write_reg(u32 addr, u32 value, u32 mask, u32 delay_us);
void hal_delay_us(u32 us);
/* hal_reboot resets the chip; the GPIO0 strap decides what runs next. */
void hal_reboot(void) __attribute__((noreturn));

/* Freestanding helpers (Debian's lx106 gcc ships no libc or libgcc
 * division: nothing here may use / or % on variables). */
void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);
void *memmove(void *d, const void *s, unsigned long n);
u32 udiv32(u32 n, u32 d);

#endif
