package defendertest

import "testing"

// NewTestCloud starts a fake cloud for a test and closes it when the test ends.
func NewTestCloud(t testing.TB, opts Options) *Cloud {
	t.Helper()
	c, err := Start(opts)
	if err != nil {
		t.Fatalf("starting the fake Microsoft cloud: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}
