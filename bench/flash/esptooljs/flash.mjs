// Flashes one image with esptool-js (its own ESP8266 stub, deflate, MD5
// check) over a pseudo-terminal, for bench/flash. esptool-js speaks the Web
// Serial API; PtySerial below is the smallest Web Serial port over a pty:
// bytes through the file descriptor, the line rate through stty (the sim
// reads the rate the host set on the pty), no modem lines (a pty has none;
// the simulated board waits in its loader).
//
//   node flash.mjs PTY IMAGE ADDRESS ROM_BAUD FLASH_BAUD
//
// Prints one JSON line: {"connect_s":..,"write_s":..,"total_s":..,"md5":..}.
import fs from "node:fs";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { ESPLoader, Transport } from "esptool-js";

class PtySerial {
  constructor(path) {
    this.path = path;
    this.fd = -1;
    this.ctl = null; // the open stream's controller; null while closed
    this.readable = null;
    this.writable = null;
  }
  stty(baud) {
    execFileSync("stty", ["-F", this.path, String(baud), "raw", "-echo"]);
  }
  // One non-blocking descriptor, polled, for the whole run: esptool-js
  // closes and reopens the port around resets (a read still blocked on a
  // closed descriptor would swallow the next open's first bytes), and Node
  // waits at exit for a thread blocked in read(). While closed, bytes are
  // dropped, as a real port drops them. The poll adds at most ~1 ms per
  // reply, less than a USB bridge's latency.
  pump() {
    const buf = Buffer.alloc(4096);
    for (;;) {
      let n = 0;
      try {
        n = fs.readSync(this.fd, buf, 0, buf.length, null);
      } catch (e) {
        if (e.code !== "EAGAIN") return;
      }
      if (n <= 0) break;
      if (this.ctl) this.ctl.enqueue(new Uint8Array(buf.subarray(0, n)));
    }
    this.timer = setTimeout(() => this.pump(), 1);
  }
  async open({ baudRate }) {
    this.stty(baudRate);
    if (this.fd < 0) {
      const c = fs.constants;
      this.fd = fs.openSync(this.path, c.O_RDWR | c.O_NONBLOCK | c.O_NOCTTY);
      this.pump();
    }
    const fd = this.fd;
    this.readable = new ReadableStream({
      start: (ctl) => {
        this.ctl = ctl;
      },
      cancel: () => {
        this.ctl = null;
      },
    });
    this.writable = new WritableStream({
      write: (chunk) =>
        new Promise((resolve, reject) => {
          let off = 0;
          const step = () => {
            try {
              off += fs.writeSync(fd, chunk, off, chunk.length - off);
            } catch (e) {
              if (e.code !== "EAGAIN") return reject(e);
            }
            if (off < chunk.length) setTimeout(step, 1);
            else resolve();
          };
          step();
        }),
    });
  }
  async setBaudRate(baud) {
    this.stty(baud);
  }
  async setSignals() {}
  getInfo() {
    return {};
  }
  async close() {
    if (this.ctl) {
      try {
        this.ctl.close();
      } catch {}
    }
    this.ctl = null;
    this.readable = null;
    this.writable = null;
  }
}

const [pty, imagePath, address, romBaud, flashBaud] = process.argv.slice(2);
const image = new Uint8Array(fs.readFileSync(imagePath));
const quiet = process.env.EJS_DEBUG ? { clean() {}, writeLine: (l) => console.error(l), write: (l) => process.stderr.write(l) } : { clean() {}, writeLine() {}, write() {} };
const t0 = performance.now();
const transport = new Transport(new PtySerial(pty), false);
const loader = new ESPLoader({ transport, baudrate: Number(flashBaud), romBaudrate: Number(romBaud), terminal: quiet });
await loader.main("no_reset");
const t1 = performance.now();
await loader.writeFlash({
  fileArray: [{ data: image, address: Number(address) }],
  flashSize: "keep",
  flashMode: "keep",
  flashFreq: "keep",
  eraseAll: false,
  compress: true,
  // esptool-js checks the stub's SPI_FLASH_MD5 against this and fails
  // the write on a mismatch.
  calculateMD5Hash: (d) => createHash("md5").update(d).digest("hex"),
});
const t2 = performance.now();
// Synchronous write, then exit: the board stays in the stub, and waiting
// for esptool-js to release the port can outlast the run.
fs.writeSync(1, JSON.stringify({ connect_s: (t1 - t0) / 1000, write_s: (t2 - t1) / 1000, total_s: (t2 - t0) / 1000,
  md5: createHash("md5").update(image).digest("hex") }) + "\n");
process.exit(0);
