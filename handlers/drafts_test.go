package handlers

import "testing"

func TestChangeRatio(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		want          float64
	}{
		{"untouched", "a b c d", "a b c d", 0},
		{"one word of four", "a b c d", "a b x d", 0.25},
		{"rewritten", "a b", "c d", 1},
		{"both empty", "", "", 0},
		{"from nothing", "", "a b", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ChangeRatio(tt.before, tt.after); got != tt.want {
				t.Errorf("ChangeRatio = %v, want %v", got, tt.want)
			}
		})
	}
}
