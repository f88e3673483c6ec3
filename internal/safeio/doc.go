// Package safeio owns how blynkbridge touches files a user names on the
// command line (or in a profile): images, ELF files, token files, the
// profiles file, certificates, logs and traces, and every file it writes.
//
// Reading:
//   - ReadFile reads a whole file of a Kind: regular files only (a FIFO,
//     /dev/zero, a directory or a serial device is refused up front, never
//     opened in a way that blocks), at most Kind.Max bytes (a 6 GB file is
//     refused after reading Max+1 bytes, not loaded), and the read stops
//     with ctx.Err() as soon as ctx is cancelled, so Ctrl-C always ends
//     the command with 130.
//   - Open is for commands that stream (decode FILE): a regular file or a
//     named pipe, unbounded, with the open (which blocks on a FIFO until a
//     writer comes) and every Read cancelled by ctx.
//
// Writing:
//   - WriteFile replaces a file atomically (temp file in the same directory,
//     fsync, rename), with an exact mode whatever the umask; without force it
//     never replaces an existing file (the final step is a hard link, so a
//     file appearing meanwhile is not clobbered); with force it still only
//     replaces a regular file: a device, directory or FIFO is refused. A
//     symlink is followed and its target is replaced, the link kept.
//   - CheckWritable runs WriteFile's checks without writing, so a command
//     that writes several files can refuse before writing any.
//   - Create opens a streamed output (trace, log): a regular file (created
//     with the given mode, appended or exclusive), or an existing FIFO or
//     character device (/dev/stderr, a pipe from the shell); never a
//     directory. Opening a FIFO waits for a reader, cancellably.
//
// Locking: Lock takes an exclusive advisory lock on a lock file (flock,
// LockFileEx on Windows), waiting cancellably; LockPath names the lock file
// for a file, through symlinks. profiles.Edit holds it around each
// read-modify-write of profiles.toml.
//
// Every error is a *bberr.Error naming the path, with a hint: missing file
// or wrong kind of file is BadInput (9), permission is Permission (4), an
// existing output without --force is Usage (2). Cancellation returns
// ctx.Err() unwrapped (the CLI maps it to 130).
//
// It does not know what the bytes mean, and it does not redact: wrap a
// writer in secret.NewMaskWriter for that.
package safeio
