package profiles

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// Edit is the one way to change the profiles file: it takes an exclusive
// lock (a .profiles.toml.lock file next to the real file, through any
// symlink), loads the file, runs edit, and saves the result atomically
// before unlocking. Twenty `profile add` at once therefore all land, one
// after the other; without the lock each would save its own stale copy.
// Nothing is saved when edit fails. The wait for the lock ends with ctx.
func Edit(ctx context.Context, path string, edit func(f *File) error) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, bberr.Wrap(err, bberr.Permission, "check the config directory's permissions", "cannot create %s", filepath.Dir(path))
	}
	unlock, err := safeio.Lock(ctx, safeio.LockPath(path))
	if err != nil {
		return nil, err
	}
	defer unlock()
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	if err := edit(f); err != nil {
		return nil, err
	}
	return f, f.Save()
}

// AddOptions is a `profile add` run besides the profile itself.
type AddOptions struct {
	Default bool     // make it the default profile
	Force   bool     // replace a profile of the same name
	Relay   []string // relay options, FLAG=VALUE
}

// Added is what Add did.
type Added struct {
	Path     string
	Default  bool     // the profile is now the default
	Warnings []string // things to fix that did not stop the add
}

// Add stores p in the profiles file at path (under Edit's lock). The first
// profile becomes the default. Relative file paths in p (image, elf, ca,
// token_file) are made absolute from the working directory, so the profile
// works from anywhere. A token file that cannot be read yet only warns: the
// profile may be written before the file.
func Add(ctx context.Context, path string, p *Profile, o AddOptions) (*Added, error) {
	for _, f := range []*string{&p.Image, &p.ELF, &p.CA, &p.TokenFile} {
		*f = absPath(*f)
	}
	if !ValidName(p.Name) {
		return nil, bberr.New(bberr.Usage, "use letters, digits, '-', '_' and '.'", "bad profile name %q", p.Name)
	}
	relay, err := ParseRelayOptions(o.Relay)
	if err != nil {
		return nil, err
	}
	p.Relay = relay
	res := &Added{Path: path}
	if p.TokenFile != "" {
		if _, warn, err := ReadTokenFile(p.TokenFile); err != nil {
			res.Warnings = append(res.Warnings, bberr.HintOf(err)+" (the profile is saved; create the file before using it)")
		} else {
			res.Warnings = append(res.Warnings, warn...)
		}
	}
	f, err := Edit(ctx, path, func(f *File) error {
		if _, exists := f.Get(p.Name); exists && !o.Force {
			return bberr.New(bberr.Usage, "add --force to replace it, or: blynkbridge profile rm "+p.Name, "profile %q already exists in %s", p.Name, f.Path)
		}
		if err := f.Set(p); err != nil {
			return err
		}
		if o.Default || f.Default == "" {
			f.Default = p.Name
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Default = f.Default == p.Name
	res.Warnings = append(f.Warnings, res.Warnings...)
	return res, nil
}

// Remove deletes the named profile from the file at path.
func RemoveFrom(ctx context.Context, path, name string) error {
	_, err := Edit(ctx, path, func(f *File) error {
		if !f.Remove(name) {
			return bberr.New(bberr.BadInput, "run blynkbridge profile list to see the profiles", "no profile %q in %s", name, f.Path)
		}
		return nil
	})
	return err
}

// Use makes the named profile the default in the file at path.
func Use(ctx context.Context, path, name string) error {
	_, err := Edit(ctx, path, func(f *File) error {
		if _, err := f.Select(name); err != nil {
			return err
		}
		f.Default = name
		return nil
	})
	return err
}

// ParseRelayOptions turns --relay FLAG=VALUE values into the relay table,
// keeping numbers and booleans typed in the TOML file.
func ParseRelayOptions(vals []string) (map[string]any, error) {
	var out map[string]any
	for _, kv := range vals {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, bberr.New(bberr.Usage, "write --relay FLAG=VALUE, e.g. --relay reconnect-max=30s", "bad --relay %q", kv)
		}
		if out == nil {
			out = map[string]any{}
		}
		out[strings.TrimLeft(k, "-")] = relayValue(v)
	}
	return out, nil
}

func relayValue(v string) any {
	if b, err := strconv.ParseBool(v); err == nil {
		return b
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	return v
}

// writeFile writes the profiles file: 0600, atomically, through a symlink.
func writeFile(path string, data []byte) error {
	err := safeio.WriteFile(path, data, 0o600, true)
	if bberr.CodeOf(err) == bberr.Permission {
		return bberr.Wrap(err, bberr.Permission, "check the config directory's permissions", "cannot write %s", path)
	}
	return err
}

// absPath makes p absolute from the working directory; "" and ~paths stay.
func absPath(p string) string {
	if p == "" || strings.HasPrefix(p, "~") {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
