/* The ESP8266 HAL: UART0 by its registers with a receive interrupt, flash,
 * MD5 and timing through the mask ROM's routines. Addresses of the ROM
 * routines come from the SDK's ROM linker script (esp8266.ld); register
 * addresses from the ESP8266 technical reference (UART0 at 0x60000000). */
#include "hal.h"

#define REG(a) (*(volatile u32 *)(a))
#define UART_FIFO 0x60000000u
#define UART_INT_ST 0x60000008u
#define UART_INT_ENA 0x6000000Cu
#define UART_INT_CLR 0x60000010u
#define UART_CLKDIV 0x60000014u
#define UART_STATUS 0x6000001Cu
#define UART_CONF1 0x60000024u
#define UART_RXFIFO_FULL (1u << 0)
#define UART_RXFIFO_TOUT (1u << 8)
#define UART_INUM 5

/* ROM routines (esp8266.ld) */
extern int SPIEraseSector(u32 sector);
extern int SPIEraseBlock(u32 block);
extern int SPIEraseChip(void);
extern int SPIWrite(u32 addr, const u32 *src, u32 len);
extern int SPIRead(u32 addr, u32 *dst, u32 len);
extern int SPIUnlock(void);
extern int SPIParamCfg(u32 id, u32 size, u32 block, u32 sector, u32 page, u32 mask);
extern void spi_flash_attach(void);
extern void MD5Init(md5_ctx *c);
extern void MD5Update(md5_ctx *c, const u8 *p, u32 n);
extern void MD5Final(u8 out[16], md5_ctx *c);
extern void uart_div_modify(u32 uart, u32 div);
extern void ets_delay_us(u32 us);
extern void ets_isr_attach(int inum, void (*fn)(void *), void *arg);
extern void ets_isr_mask(u32 mask);
extern void ets_isr_unmask(u32 mask);
extern void software_reset(void);

/* The ROM's flash descriptor; its chip_size bounds SPIRead/SPIWrite. */
extern struct {
	u32 id, chip_size, block_size, sector_size, page_size, status_mask;
} flashchip;

static void drain(void)
{
	while (REG(UART_STATUS) & 0xFF)
		rx_put((u8)REG(UART_FIFO));
}

static void uart_isr(void *arg)
{
	(void)arg;
	drain();
	REG(UART_INT_CLR) = UART_RXFIFO_FULL | UART_RXFIFO_TOUT;
}

void hal_init(void)
{
	ets_isr_mask(1u << UART_INUM);
	/* interrupt at 32 bytes in the FIFO, or after 2 idle byte times */
	REG(UART_CONF1) = (REG(UART_CONF1) & ~0x7Fu & ~(0x7Fu << 24)) | 32u | (2u << 24) | (1u << 31);
	REG(UART_INT_CLR) = 0xFFFF;
	REG(UART_INT_ENA) = UART_RXFIFO_FULL | UART_RXFIFO_TOUT;
	ets_isr_attach(UART_INUM, uart_isr, 0);
	ets_isr_unmask(1u << UART_INUM);
	/* The loader may run with interrupts raised: let level 1 through. */
	u32 ps;
	__asm__ volatile("rsil %0, 0" : "=r"(ps));
	(void)ps;
	spi_flash_attach();
	SPIUnlock();
}

void hal_rx_wait(void)
{
	/* Also drain the FIFO here (with the interrupt masked, so the ISR and
	 * this loop never both write the ring): should the interrupt not
	 * fire, the stub still works, only without the overlap. */
	u32 h = rx_head;
	while (h == rx_head && rx_tail != (h + 1 == RX_RING_SIZE ? 0 : h + 1)) {
		ets_isr_mask(1u << UART_INUM);
		drain();
		ets_isr_unmask(1u << UART_INUM);
	}
}

void hal_tx(const u8 *p, u32 n)
{
	while (n--) {
		while (((REG(UART_STATUS) >> 16) & 0xFF) >= 126)
			;
		REG(UART_FIFO) = *p++;
	}
}

void hal_tx_flush(void)
{
	while ((REG(UART_STATUS) >> 16) & 0xFF)
		;
	ets_delay_us(200); /* the shift register's last byte */
}

u32 hal_flash_size(void) { return flashchip.chip_size; }

int hal_flash_set_params(u32 id, u32 size, u32 block, u32 sector, u32 page, u32 mask)
{
	return SPIParamCfg(id, size, block, sector, page, mask);
}

int hal_flash_attach(void)
{
	spi_flash_attach();
	return SPIUnlock();
}

int hal_flash_erase_sector(u32 s) { return SPIEraseSector(s); }
int hal_flash_erase_block(u32 b) { return SPIEraseBlock(b); }
int hal_flash_erase_chip(void) { return SPIEraseChip(); }
int hal_flash_write(u32 a, const u32 *src, u32 n) { return SPIWrite(a, src, n); }
int hal_flash_read(u32 a, u32 *dst, u32 n) { return SPIRead(a, dst, n); }

void hal_md5_init(md5_ctx *c) { MD5Init(c); }
void hal_md5_update(md5_ctx *c, const u8 *p, u32 n) { MD5Update(c, p, n); }
void hal_md5_final(u8 out[16], md5_ctx *c) { MD5Final(out, c); }

void hal_change_baud(u32 new_baud, u32 old_baud)
{
	/* the divider scales with the rate: div_new = div_now * old / new
	 * (div_now * old fits 32 bits: 694 * 115200 at a 40 MHz crystal) */
	u32 div = REG(UART_CLKDIV) & 0xFFFFF;
	if (old_baud == 0)
		old_baud = 115200;
	ets_delay_us(10000);
	uart_div_modify(0, udiv32(div * old_baud, new_baud));
}

u32 hal_read_reg(u32 a) { return REG(a); }

void hal_write_reg(u32 a, u32 v, u32 mask, u32 delay)
{
	REG(a) = (REG(a) & ~mask) | (v & mask);
	if (delay)
		ets_delay_us(delay);
}

void hal_delay_us(u32 us) { ets_delay_us(us); }

void hal_reboot(void)
{
	ets_isr_mask(1u << UART_INUM);
	software_reset();
	for (;;)
		;
}
