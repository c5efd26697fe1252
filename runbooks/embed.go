package runbooks

import (
	"embed"
	"io/fs"
)

//go:embed library/*.md
var starter embed.FS

// Starter returns the starter library shipped in the binary: the runbooks
// used when no RUNBOOKS_DIR is configured, and a template for writing one.
func Starter() fs.FS {
	sub, err := fs.Sub(starter, "library")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "library" is valid.
		return starter
	}
	return sub
}
