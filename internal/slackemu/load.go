package slackemu

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Load is someone writing into a channel at a steady rate, for drills that
// count what a fault lost: each message is "m-" and a number.
type Load struct {
	mu    sync.Mutex
	texts []string
	err   error
	stop  chan struct{}
	done  chan struct{}
}

// StartLoad posts a message as userID into channelID every interval until
// Stop.
func (e *Emulator) StartLoad(ctx context.Context, userID, channelID string, every time.Duration) *Load {
	l := &Load{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-l.stop:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			text := fmt.Sprintf("m-%06d", i)
			if _, err := e.PostMessage(ctx, userID, channelID, text); err != nil {
				l.mu.Lock()
				l.err = fmt.Errorf("post %s: %w", text, err)
				l.mu.Unlock()
				return
			}
			l.mu.Lock()
			l.texts = append(l.texts, text)
			l.mu.Unlock()
		}
	}()
	return l
}

// Posted is how many messages were posted so far.
func (l *Load) Posted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.texts)
}

// Stop ends the load and returns the texts posted, in order, and the error
// that stopped it early, if one did.
func (l *Load) Stop() ([]string, error) {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.texts, l.err
}

// Tally counts the posted texts missing from recorded and those in it more
// than once.
func Tally(posted, recorded []string) (lost, doubled int) {
	count := make(map[string]int, len(recorded))
	for _, text := range recorded {
		count[text]++
	}
	for _, text := range posted {
		switch c := count[text]; {
		case c == 0:
			lost++
		case c > 1:
			doubled++
		}
	}
	return lost, doubled
}
