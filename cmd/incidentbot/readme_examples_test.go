package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEShowsTheTestedExamples keeps the README's workflow examples the
// files the workflow tests check and dry-run: a README edit that is not
// made to the file too fails here.
func TestREADMEShowsTheTestedExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("testdata/readme/*.yaml")
	if err != nil || len(files) != 3 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), "```yaml\n"+strings.TrimRight(string(b), "\n")+"\n```") {
			t.Errorf("README.md does not show %s as it is", f)
		}
	}
}
