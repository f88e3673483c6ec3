/*
 * blynkbridge_config.h - a config block that `blynkbridge image patch` and
 * `blynkbridge flash --server/--token/--fingerprint` rewrite in a built
 * image, so changing server, token or certificate needs no rebuild.
 *
 * Use (one source file of the sketch, usually the .ino):
 *
 *     #define BBCFG_DEFAULT_HOST  "blynk.example.com"   // optional defaults,
 *     #define BBCFG_DEFAULT_PORT  9443                  // before the include
 *     #include "blynkbridge_config.h"
 *
 *     bbcfg_t cfg;
 *     if (bbcfg_load(&cfg) != BBCFG_OK) { ...halt or use defaults... }
 *     Blynk.begin(cfg.token, ssid, pass, cfg.host, cfg.port, bbcfg_fingerprint_str(&cfg));
 *
 * Other source files that need the block: #define BLYNKBRIDGE_CONFIG_DECLARE_ONLY
 * before including, so there is exactly one block (blynkbridge refuses an
 * image with two).
 *
 * Layout: version 1, 272 bytes, little-endian; the byte-by-byte table is in
 * firmware/arduino/README.md and must match firmware/config.go.
 *
 * Placement: the block lives in flash (section .irom.text.blynkbridge_cfg,
 * which the ESP8266 Arduino linker script puts into .irom0.text, i.e. the
 * flash-mapped part of the image), so it costs no RAM and blynkbridge finds
 * it in the .bin. `used` keeps the compiler from dropping it; the sketch
 * reading it through bbcfg_load() keeps the linker's --gc-sections from
 * dropping it. Flash-mapped memory on the ESP8266 may only be read with
 * aligned 32-bit loads, so bbcfg_load() copies it word by word into RAM and
 * every accessor works on that copy.
 *
 * The CRC: a C initializer cannot compute one, so the block is compiled with
 * crc = 0, meaning "as compiled, not sealed yet"; blynkbridge seals it on the
 * first patch and bbcfg_load() checks it whenever it is not 0.
 */
#ifndef BLYNKBRIDGE_CONFIG_H
#define BLYNKBRIDGE_CONFIG_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BBCFG_VERSION 1
#define BBCFG_LENGTH 272

#define BBCFG_TLS_NONE   0 /* plain TCP */
#define BBCFG_TLS_SHA1   1 /* pin the leaf certificate's SHA-1 */
#define BBCFG_TLS_SHA256 2 /* pin the leaf certificate's SHA-256 */
#define BBCFG_TLS_CA     3 /* trust anchors compiled into the sketch */

#ifndef BBCFG_DEFAULT_HOST
#define BBCFG_DEFAULT_HOST "blynk-cloud.com"
#endif
#ifndef BBCFG_DEFAULT_PORT
#define BBCFG_DEFAULT_PORT 443
#endif
#ifndef BBCFG_DEFAULT_TOKEN
#define BBCFG_DEFAULT_TOKEN "" /* patched in by blynkbridge; never commit a real one */
#endif
#ifndef BBCFG_DEFAULT_TLS
#define BBCFG_DEFAULT_TLS BBCFG_TLS_CA
#endif
#ifndef BBCFG_DEFAULT_FP_LEN
#define BBCFG_DEFAULT_FP_LEN 0
#endif
#ifndef BBCFG_DEFAULT_FP
#define BBCFG_DEFAULT_FP {0}
#endif
#ifndef BBCFG_DEFAULT_SSID
#define BBCFG_DEFAULT_SSID "" /* empty: the sketch's own WiFi settings apply */
#endif
#ifndef BBCFG_DEFAULT_PASS
#define BBCFG_DEFAULT_PASS ""
#endif

/* The block exactly as stored (offsets in the comments; static asserts below). */
typedef struct bbcfg_block {
    char     magic[16];      /* 0x000 "BLYNKBRIDGE-CFG" + 0xB5 */
    uint16_t version;        /* 0x010 1 */
    uint16_t length;         /* 0x012 272 */
    uint32_t generation;     /* 0x014 0 as compiled, +1 per patch */
    char     host[64];       /* 0x018 NUL-terminated, NUL-padded */
    uint16_t port;           /* 0x058 */
    uint8_t  tls_mode;       /* 0x05A BBCFG_TLS_* */
    uint8_t  fp_len;         /* 0x05B 0, 20 or 32 */
    uint32_t flags;          /* 0x05C reserved, 0 */
    char     token[33];      /* 0x060 32 characters + NUL */
    uint8_t  reserved1[3];   /* 0x081 0 */
    uint8_t  fingerprint[32];/* 0x084 raw digest bytes, fp_len of them used */
    char     ssid[33];       /* 0x0A4 up to 32 bytes + NUL */
    char     password[65];   /* 0x0C5 up to 64 bytes + NUL */
    uint8_t  reserved2[6];   /* 0x106 0 */
    uint32_t crc;            /* 0x10C CRC-32/MPEG-2 of bytes 0x000-0x10B; 0 = not sealed */
} bbcfg_block_t;

#ifdef __cplusplus
#define BBCFG_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define BBCFG_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
BBCFG_STATIC_ASSERT(sizeof(bbcfg_block_t) == BBCFG_LENGTH, "bbcfg_block_t must be 272 bytes");
BBCFG_STATIC_ASSERT(offsetof(bbcfg_block_t, port) == 0x58, "port at 0x58");
BBCFG_STATIC_ASSERT(offsetof(bbcfg_block_t, token) == 0x60, "token at 0x60");
BBCFG_STATIC_ASSERT(offsetof(bbcfg_block_t, fingerprint) == 0x84, "fingerprint at 0x84");
BBCFG_STATIC_ASSERT(offsetof(bbcfg_block_t, ssid) == 0xA4, "ssid at 0xA4");
BBCFG_STATIC_ASSERT(offsetof(bbcfg_block_t, password) == 0xC5, "password at 0xC5");
BBCFG_STATIC_ASSERT(offsetof(bbcfg_block_t, crc) == 0x10C, "crc at 0x10C");

/* The RAM copy the accessors use. */
typedef bbcfg_block_t bbcfg_t;

typedef enum {
    BBCFG_OK = 0,
    BBCFG_BAD_MAGIC = 1,
    BBCFG_BAD_VERSION = 2,
    BBCFG_BAD_CRC = 3,
    BBCFG_BAD_FIELD = 4
} bbcfg_status_t;

/* The one block. Defined here (external linkage, so a second definition in
 * another file is a link error rather than a second block in the image). */
extern const bbcfg_block_t blynkbridge_config;

#ifndef BLYNKBRIDGE_CONFIG_DECLARE_ONLY
__attribute__((used, aligned(4), section(".irom.text.blynkbridge_cfg")))
const bbcfg_block_t blynkbridge_config = {
    /* magic: 15 characters, then 0xB5 (not ASCII, so no text mention matches) */
    {'B', 'L', 'Y', 'N', 'K', 'B', 'R', 'I', 'D', 'G', 'E', '-', 'C', 'F', 'G', (char)0xB5},
    BBCFG_VERSION,
    BBCFG_LENGTH,
    0,
    BBCFG_DEFAULT_HOST,
    BBCFG_DEFAULT_PORT,
    BBCFG_DEFAULT_TLS,
    BBCFG_DEFAULT_FP_LEN,
    0,
    BBCFG_DEFAULT_TOKEN,
    {0, 0, 0},
    BBCFG_DEFAULT_FP,
    BBCFG_DEFAULT_SSID,
    BBCFG_DEFAULT_PASS,
    {0, 0, 0, 0, 0, 0},
    0
};
#endif

/* CRC-32/MPEG-2 (poly 0x04C11DB7, init 0xFFFFFFFF, MSB first, no final XOR):
 * the same CRC the Arduino core's ESP.checkFlashCRC() uses. Bitwise: small. */
static inline uint32_t bbcfg_crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) {
        crc ^= (uint32_t)(*p++) << 24;
        for (int i = 0; i < 8; i++)
            crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : (crc << 1);
    }
    return crc;
}

/* bbcfg_load copies the block from flash into *out with aligned 32-bit
 * reads and checks magic, version, length, CRC and field termination. */
static inline bbcfg_status_t bbcfg_load(bbcfg_t *out)
{
    const volatile uint32_t *src = (const volatile uint32_t *)&blynkbridge_config;
    for (size_t i = 0; i < sizeof(bbcfg_block_t) / 4; i++) {
        uint32_t w = src[i]; /* one aligned 32-bit flash read */
        /* byte-wise store: alias-safe, compiles to one store */
        __builtin_memcpy((char *)out + 4 * i, &w, 4);
    }
    static const char magic[16] = {'B', 'L', 'Y', 'N', 'K', 'B', 'R', 'I', 'D', 'G', 'E', '-', 'C', 'F', 'G', 0};
    for (int i = 0; i < 15; i++)
        if (out->magic[i] != magic[i])
            return BBCFG_BAD_MAGIC;
    if ((uint8_t)out->magic[15] != 0xB5)
        return BBCFG_BAD_MAGIC;
    if (out->version != BBCFG_VERSION || out->length != BBCFG_LENGTH)
        return BBCFG_BAD_VERSION;
    if (out->crc != 0 && bbcfg_crc32((const uint8_t *)out, offsetof(bbcfg_block_t, crc)) != out->crc)
        return BBCFG_BAD_CRC;
    if (out->host[63] || out->token[32] || out->ssid[32] || out->password[64] || out->tls_mode > BBCFG_TLS_CA ||
        (out->fp_len != 0 && out->fp_len != 20 && out->fp_len != 32))
        return BBCFG_BAD_FIELD;
    return BBCFG_OK;
}

static inline const char *bbcfg_host(const bbcfg_t *c) { return c->host; }
static inline uint16_t bbcfg_port(const bbcfg_t *c) { return c->port; }
static inline const char *bbcfg_token(const bbcfg_t *c) { return c->token; }
static inline uint8_t bbcfg_tls_mode(const bbcfg_t *c) { return c->tls_mode; }
static inline const uint8_t *bbcfg_fingerprint(const bbcfg_t *c) { return c->fp_len ? c->fingerprint : NULL; }
static inline uint8_t bbcfg_fingerprint_len(const bbcfg_t *c) { return c->fp_len; }
static inline int bbcfg_has_wifi(const bbcfg_t *c) { return c->ssid[0] != 0; }
static inline const char *bbcfg_ssid(const bbcfg_t *c) { return c->ssid; }
static inline const char *bbcfg_password(const bbcfg_t *c) { return c->password; }
static inline uint32_t bbcfg_generation(const bbcfg_t *c) { return c->generation; }

/* bbcfg_fingerprint_str formats a SHA-1 fingerprint as "AA BB CC ..." (the
 * form Blynk's begin()/axTLS verify()/BearSSL setFingerprint() take) into a
 * static buffer; NULL when the block does not pin a SHA-1. */
static inline const char *bbcfg_fingerprint_str(const bbcfg_t *c)
{
    static char buf[20 * 3];
    static const char hex[] = "0123456789ABCDEF";
    if (c->tls_mode != BBCFG_TLS_SHA1 || c->fp_len != 20)
        return NULL;
    for (int i = 0; i < 20; i++) {
        buf[i * 3] = hex[c->fingerprint[i] >> 4];
        buf[i * 3 + 1] = hex[c->fingerprint[i] & 15];
        buf[i * 3 + 2] = i == 19 ? 0 : ' ';
    }
    return buf;
}

#ifdef __cplusplus
}
#endif

#endif /* BLYNKBRIDGE_CONFIG_H */
