package serialio

import "context"

// Lender is a port that must not be handed to a borrower as it is - a
// view of a board that a daemon owns, shared with other clients - but can
// get one that may: Lend returns an exclusive port to the same board and a
// release that gives it back. monitor.Engine.Borrow uses it, so the flash
// key of a monitor attached through the daemon flashes through a loan
// (capture paused, the loan journaled) instead of over the shared stream.
type Lender interface {
	Lend(ctx context.Context, what string) (Port, func(), error)
}
