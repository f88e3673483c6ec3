package flash

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// resumeState is what an interrupted write leaves behind so --resume can
// continue it: which image, where, and how far it was confirmed.
type resumeState struct {
	Version     int       `json:"v"`
	ImageSHA256 string    `json:"image_sha256"`
	Offset      uint32    `json:"offset"`
	Size        int       `json:"size"`
	Confirmed   uint32    `json:"confirmed"` // absolute: [Offset, Confirmed) is on the flash
	Port        string    `json:"port"`
	Time        time.Time `json:"time"`
}

func imageHash(image []byte) string {
	h := sha256.Sum256(image)
	return hex.EncodeToString(h[:])
}

// ResumeFile is the state file for writing image at offset under dir:
// resume-<hash>.json, the hash covering both image and offset.
func ResumeFile(dir string, image []byte, offset uint32) string {
	h := sha256.New()
	h.Write(image)
	_ = binary.Write(h, binary.LittleEndian, offset)
	return filepath.Join(dir, "resume-"+hex.EncodeToString(h.Sum(nil))[:16]+".json")
}

// DefaultStateDir is where the CLI keeps resume state: the user cache dir.
func DefaultStateDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "blynkbridge"), nil
}

func loadState(path string, image []byte, offset uint32) (resumeState, bool, error) {
	var st resumeState
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, false, err
	}
	ok := st.Version == 1 && st.ImageSHA256 == imageHash(image) && st.Offset == offset &&
		st.Size == len(image) && st.Confirmed >= offset && st.Confirmed <= offset+uint32(len(image))
	return st, ok, nil
}

// saveState writes atomically (temp + rename), 0600.
func saveState(path string, st resumeState) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".resume-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
