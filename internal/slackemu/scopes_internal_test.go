package slackemu

import "testing"

// A method served without an entry in methodScopes would need no scope by
// accident; one listed but not served is a stale entry.
func TestEveryMethodHasAScopeRule(t *testing.T) {
	for m := range methods {
		if _, ok := methodScopes[m]; !ok {
			t.Errorf("%s is served but has no scope rule", m)
		}
	}
	for m := range methodScopes {
		if _, ok := methods[m]; !ok {
			t.Errorf("%s has a scope rule but is not served", m)
		}
	}
}
