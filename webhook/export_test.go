package webhook

import "time"

// WithAttemptTimeout shortens each attempt, so a test of a hanging target
// does not wait the real 5 s.
func (c *Client) WithAttemptTimeout(d time.Duration) *Client { c.attempt = d; return c }
