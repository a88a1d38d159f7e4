package defendertest

// TB is the part of testing.TB NewTestCloud needs. It is declared here so
// that a binary linking the fake cloud (the sandbox) does not link the
// testing package; *testing.T and *testing.B satisfy it.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// NewTestCloud starts a fake cloud for a test and closes it when the test ends.
func NewTestCloud(t TB, opts Options) *Cloud {
	t.Helper()
	c, err := Start(opts)
	if err != nil {
		t.Fatalf("starting the fake Microsoft cloud: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}
