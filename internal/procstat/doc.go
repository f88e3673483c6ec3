// Package procstat reads this process's CPU time on every platform the
// release builds for, for the benchmarks' "CPU per ..." figures
// (getrusage on Unix, GetProcessTimes on Windows).
package procstat
