package rom

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Op is a loader command opcode.
type Op uint8

// Opcodes (reference section 3). The ESP8266 ROM implements 0x02..0x0A.
const (
	OpFlashBegin     Op = 0x02
	OpFlashData      Op = 0x03
	OpFlashEnd       Op = 0x04
	OpMemBegin       Op = 0x05
	OpMemEnd         Op = 0x06
	OpMemData        Op = 0x07
	OpSync           Op = 0x08
	OpWriteReg       Op = 0x09
	OpReadReg        Op = 0x0A
	OpSPISetParams   Op = 0x0B
	OpSPIAttach      Op = 0x0D
	OpChangeBaud     Op = 0x0F
	OpFlashDeflBegin Op = 0x10
	OpFlashDeflData  Op = 0x11
	OpFlashDeflEnd   Op = 0x12
	OpSPIFlashMD5    Op = 0x13
	OpGetSecInfo     Op = 0x14
	OpEraseFlash     Op = 0xD0
	OpEraseRegion    Op = 0xD1
	OpReadFlash      Op = 0xD2
	OpRunUserCode    Op = 0xD3
)

var opNames = map[Op]string{
	OpFlashBegin: "FLASH_BEGIN", OpFlashData: "FLASH_DATA", OpFlashEnd: "FLASH_END",
	OpMemBegin: "MEM_BEGIN", OpMemEnd: "MEM_END", OpMemData: "MEM_DATA",
	OpSync: "SYNC", OpWriteReg: "WRITE_REG", OpReadReg: "READ_REG",
	OpSPISetParams: "SPI_SET_PARAMS", OpSPIAttach: "SPI_ATTACH", OpChangeBaud: "CHANGE_BAUDRATE",
	OpFlashDeflBegin: "FLASH_DEFL_BEGIN", OpFlashDeflData: "FLASH_DEFL_DATA", OpFlashDeflEnd: "FLASH_DEFL_END",
	OpSPIFlashMD5: "SPI_FLASH_MD5", OpGetSecInfo: "GET_SECURITY_INFO", OpEraseFlash: "ERASE_FLASH",
	OpEraseRegion: "ERASE_REGION", OpReadFlash: "READ_FLASH", OpRunUserCode: "RUN_USER_CODE",
}

func (o Op) String() string {
	if n, ok := opNames[o]; ok {
		return n
	}
	return fmt.Sprintf("OP_0x%02X", uint8(o))
}

// Protocol constants.
const (
	DirRequest  = 0x00
	DirResponse = 0x01

	HeaderLen      = 8
	DataHeaderLen  = 16     // len, seq, 0, 0 before FLASH_DATA/MEM_DATA payload
	ChecksumSeed   = 0xEF   // data checksum starts here, XOR of payload bytes
	FlashBlockSize = 0x400  // ROM FLASH_DATA block
	RAMBlockSize   = 0x1800 // MEM_DATA block
	SectorSize     = 0x1000
	EraseBlockSize = 0x10000
	SyncValue      = 0x20120707 // value field of the ROM's SYNC replies
	ChipMagicReg   = 0x40001000
	ESP8266Magic   = 0xFFF0C101
)

// SyncPayload is the 36-byte SYNC body: 07 07 12 20 and 32 x 0x55.
var SyncPayload = func() []byte {
	b := []byte{0x07, 0x07, 0x12, 0x20}
	for i := 0; i < 32; i++ {
		b = append(b, 0x55)
	}
	return b
}()

// Checksum is the loader's data checksum: 0xEF XOR every payload byte.
func Checksum(data []byte) uint32 {
	c := byte(ChecksumSeed)
	for _, b := range data {
		c ^= b
	}
	return uint32(c)
}

// Request is a host->chip packet (before SLIP).
type Request struct {
	Op       Op
	Checksum uint32 // only meaningful for the *_DATA commands
	Data     []byte
}

// Marshal encodes the request header and data (not SLIP-framed).
func (r Request) Marshal() []byte {
	b := make([]byte, HeaderLen+len(r.Data))
	b[0] = DirRequest
	b[1] = byte(r.Op)
	binary.LittleEndian.PutUint16(b[2:], uint16(len(r.Data)))
	binary.LittleEndian.PutUint32(b[4:], r.Checksum)
	copy(b[8:], r.Data)
	return b
}

// ErrShortPacket reports a packet shorter than its 8-byte header.
var ErrShortPacket = errors.New("packet shorter than its 8-byte header")

// ParseRequest decodes a request packet. A size field that disagrees with
// the data length is an error, as the ROM rejects it ("invalid message").
func ParseRequest(b []byte) (Request, error) {
	if len(b) < HeaderLen {
		return Request{}, ErrShortPacket
	}
	if b[0] != DirRequest {
		return Request{}, fmt.Errorf("request direction byte 0x%02X, want 0x00", b[0])
	}
	size := int(binary.LittleEndian.Uint16(b[2:]))
	if size != len(b)-HeaderLen {
		return Request{}, fmt.Errorf("request size field %d, but %d data bytes", size, len(b)-HeaderLen)
	}
	return Request{Op: Op(b[1]), Checksum: binary.LittleEndian.Uint32(b[4:]), Data: b[8:]}, nil
}

// Response is a chip->host packet (before SLIP).
type Response struct {
	Op    Op
	Value uint32 // READ_REG result; SYNC: non-zero from ROM; otherwise junk
	Data  []byte // payload then status bytes at the end
}

// Marshal encodes the response (not SLIP-framed).
func (r Response) Marshal() []byte {
	b := make([]byte, HeaderLen+len(r.Data))
	b[0] = DirResponse
	b[1] = byte(r.Op)
	binary.LittleEndian.PutUint16(b[2:], uint16(len(r.Data)))
	binary.LittleEndian.PutUint32(b[4:], r.Value)
	copy(b[8:], r.Data)
	return b
}

// ParseResponse decodes a response packet.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < HeaderLen {
		return Response{}, ErrShortPacket
	}
	if b[0] != DirResponse {
		return Response{}, fmt.Errorf("response direction byte 0x%02X, want 0x01", b[0])
	}
	size := int(binary.LittleEndian.Uint16(b[2:]))
	if size > len(b)-HeaderLen {
		return Response{}, fmt.Errorf("response size field %d, but only %d data bytes", size, len(b)-HeaderLen)
	}
	return Response{Op: Op(b[1]), Value: binary.LittleEndian.Uint32(b[4:]), Data: b[8 : 8+size]}, nil
}

// Status returns the two status bytes of a response that carries payloadLen
// bytes before them, by esptool's rule: the 2 bytes at payloadLen, or the
// first two when the data is too short.
func (r Response) Status(payloadLen int) (flag, reason byte) {
	d := r.Data
	switch {
	case len(d) >= payloadLen+2:
		return d[payloadLen], d[payloadLen+1]
	case len(d) >= 2:
		return d[0], d[1]
	default:
		return 1, 0
	}
}

// Reason is a ROM error code (second status byte when the flag is 1).
type Reason uint8

// ROM reason codes (reference 2.4).
const (
	ReasonUndefined     Reason = 0x00
	ReasonInvalidParam  Reason = 0x01
	ReasonMallocFailed  Reason = 0x02
	ReasonSendFailed    Reason = 0x03
	ReasonRecvFailed    Reason = 0x04
	ReasonInvalidMsg    Reason = 0x05
	ReasonResultWrong   Reason = 0x06
	ReasonChecksum      Reason = 0x07
	ReasonFlashWrite    Reason = 0x08
	ReasonFlashRead     Reason = 0x09
	ReasonFlashReadLen  Reason = 0x0A
	ReasonDeflateFailed Reason = 0x0B
)

var reasonText = map[Reason]string{
	ReasonUndefined:     "undefined error",
	ReasonInvalidParam:  "invalid input parameter",
	ReasonMallocFailed:  "out of memory in the loader",
	ReasonSendFailed:    "send failed",
	ReasonRecvFailed:    "receive failed",
	ReasonInvalidMsg:    "invalid message (command not supported or malformed)",
	ReasonResultWrong:   "message OK but result wrong",
	ReasonChecksum:      "data checksum error",
	ReasonFlashWrite:    "flash write error (read-back mismatch)",
	ReasonFlashRead:     "flash read error",
	ReasonFlashReadLen:  "flash read length error",
	ReasonDeflateFailed: "deflate failed",
}

func (r Reason) String() string {
	if s, ok := reasonText[r]; ok {
		return s
	}
	return fmt.Sprintf("error 0x%02X", uint8(r))
}

// DataBlock builds the data field of FLASH_DATA/MEM_DATA: the 16-byte header
// (len, seq, 0, 0) followed by payload. The checksum goes in the request
// header, see Checksum.
func DataBlock(seq uint32, payload []byte) []byte {
	b := make([]byte, DataHeaderLen+len(payload))
	binary.LittleEndian.PutUint32(b[0:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[4:], seq)
	copy(b[16:], payload)
	return b
}

// Words encodes little-endian 32-bit words, the shape of every BEGIN/END body.
func Words(w ...uint32) []byte {
	b := make([]byte, 4*len(w))
	for i, v := range w {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

// Word returns the i-th little-endian 32-bit word of b, or 0 if b is short.
func Word(b []byte, i int) uint32 {
	if len(b) < 4*i+4 {
		return 0
	}
	return binary.LittleEndian.Uint32(b[4*i:])
}
