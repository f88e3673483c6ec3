// Package doctor checks the things that stop a newcomer from talking to a
// board on Linux — not being in the port's group, brltty claiming CH340 and
// CP210x bridges, ModemManager probing the port, another program holding
// it, no 74880 baud support, no ports at all (charge-only cable, missing
// driver), a broken profiles file — and says how to fix each.
//
// Every probe of the system goes through System (a filesystem root plus a
// few functions), so tests fake each condition. It does not open or
// configure the board's port; it only looks.
package doctor
