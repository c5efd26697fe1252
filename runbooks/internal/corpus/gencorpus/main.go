// Command gencorpus writes the benchmark corpus of generated runbooks to a
// directory, for comparing the search CLI with grep (bench/runbooks).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/incidentbot/incidentbot/runbooks/internal/corpus"
)

func main() {
	dir := flag.String("out", "", "directory to write the runbooks to (required)")
	sections := flag.Int("sections", 10000, "number of sections")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *dir == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := corpus.Write(*dir, *sections, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}
