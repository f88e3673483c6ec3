/*
 * BlynkSSL - the Blynk library's ESP8266_Standalone_SSL example, rewritten
 * so that server host, port, auth token and certificate fingerprint come
 * from the blynkbridge config block instead of being compiled in.
 *
 * Build it once (Arduino IDE: Sketch > Export compiled binary, or
 * PlatformIO), then set or change the values without rebuilding:
 *
 *   blynkbridge image patch BlynkSSL.ino.bin -o fw.bin \
 *       --server 192.168.1.10:9443 --token-file token.txt \
 *       --fingerprint-from 192.168.1.10:9443
 *   blynkbridge flash fw.bin
 *
 * or patch and flash in one go, writing only the changed 4 KiB sectors:
 *
 *   blynkbridge flash BlynkSSL.ino.bin --server 192.168.1.10:9443 \
 *       --token-file token.txt --fingerprint "AA BB ..." --config-only --base BlynkSSL.ino.bin
 *
 * Copy blynkbridge_config.h next to this file (or into your libraries).
 * Blynk library 0.4.x-0.6.x (axTLS / BearSSL shim) or 1.x (BearSSL).
 */

#define BLYNK_PRINT Serial

/* Defaults compiled into the block; blynkbridge rewrites them in the .bin. */
#define BBCFG_DEFAULT_HOST "blynk-cloud.com"
#define BBCFG_DEFAULT_PORT 8441
#define BBCFG_DEFAULT_TLS  BBCFG_TLS_CA
#include "blynkbridge_config.h"

#include <ESP8266WiFi.h>
#include <BlynkSimpleEsp8266_SSL.h>

// WiFi credentials: used unless the block carries its own (--wifi-ssid).
char ssid[] = "YourNetworkName";
char pass[] = "YourPassword";

static bbcfg_t cfg; // RAM copy of the block (flash may only be read by words)

void setup()
{
  Serial.begin(115200);
  Serial.println();

  bbcfg_status_t st = bbcfg_load(&cfg);
  if (st != BBCFG_OK) {
    // A damaged block: say so plainly and stop instead of connecting with
    // garbage. blynkbridge never writes one; a bad flash or a hand edit does.
    Serial.printf("[bbcfg] config block unusable (status %d); reflash with blynkbridge\n", (int)st);
    for (;;) delay(1000);
  }
  if (bbcfg_token(&cfg)[0] == '\0') {
    Serial.println("[bbcfg] no auth token yet: blynkbridge image patch FILE --token-file token.txt");
    for (;;) delay(1000);
  }

  const char *wifiSsid = bbcfg_has_wifi(&cfg) ? bbcfg_ssid(&cfg) : ssid;
  const char *wifiPass = bbcfg_has_wifi(&cfg) ? bbcfg_password(&cfg) : pass;

  // NULL fingerprint = verify the chain with the library's CA (TLS mode "ca").
  // A SHA-1 pin comes as "AA BB CC ...", the form Blynk passes to
  // axTLS verify() / BearSSL setFingerprint().
  const char *fingerprint = bbcfg_fingerprint_str(&cfg);

  Serial.printf("[bbcfg] block generation %u: %s:%u, TLS mode %u%s\n",
                (unsigned)bbcfg_generation(&cfg), bbcfg_host(&cfg), (unsigned)bbcfg_port(&cfg),
                (unsigned)bbcfg_tls_mode(&cfg), fingerprint ? " (pinned SHA-1)" : "");

  Blynk.begin(bbcfg_token(&cfg), wifiSsid, wifiPass, bbcfg_host(&cfg), bbcfg_port(&cfg), fingerprint);
}

void loop()
{
  Blynk.run();
}
