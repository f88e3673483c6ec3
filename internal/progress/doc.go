// Package progress draws the progress of long board operations (flash,
// read): a \r bar on a terminal, a line per 10% otherwise, nothing for
// --json. It owns only the drawing; callers pass done/total counts.
package progress
