//go:build nodemo

package main

import (
	"context"
	"errors"
	"io"
)

// demo is left out of builds tagged nodemo (the container image), so the
// emulator and the embedded Redis are not linked into production.
func demo(context.Context, func(string) string, io.Writer, io.Writer) error {
	return errors.New("this build has no demo; run it from source: go run ./cmd/incidentbot demo")
}
