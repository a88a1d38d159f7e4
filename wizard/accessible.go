package wizard

import (
	"context"
	"errors"
	"io"
)

// RunAccessible runs the wizard as plain, screen-reader friendly prompts.
func RunAccessible(ctx context.Context, opts Options, in io.Reader, out io.Writer) (Result, error) {
	return Result{}, errors.New("not yet")
}
