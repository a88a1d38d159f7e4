package defendertest

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// TestFastJSONMatchesEncodingJSON: the device lists' own encoders send the
// bytes encoding/json sends, for every built-in tenant, a fleet, and rows
// holding what a fast path could get wrong (characters JSON or HTML escapes,
// nulls, tags, times off UTC and below the second).
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	epoch := time.Date(2026, 12, 1, 22, 7, 0, 0, time.UTC)
	var machines []machine
	var av []avInfo
	var recs []recommendation
	for _, s := range append(Scenarios(), Fleet(3)...) {
		d := newDataset(s, epoch)
		machines = append(machines, d.machines...)
		av = append(av, d.avInfo...)
		recs = append(recs, d.recommendations...)
	}
	odd := "a\"b\\c<d>e&f\u2028g\x01h\té\xff"
	zone := time.FixedZone("", -(3*3600 + 30*60))
	machines = append(machines,
		machine{ID: odd, ComputerDNSName: odd, OSVersion: &odd, AADDeviceID: &odd, MachineTags: []string{odd, ""},
			FirstSeen: time.Date(2026, 1, 2, 3, 4, 5, 600, zone), LastSeen: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC),
			OSBuild: -1, RBACGroupID: 42, IsAADJoined: true},
		machine{})
	av = append(av, avInfo{ID: odd, QuickScanError: odd, FullScanTime: "\n"}, avInfo{})
	for _, f := range []float64{0, math.Copysign(0, -1), 1e-7, -1e-7, 1e-6, 1e21, 1e20, 123.456, 0.1, 5e-324,
		math.MaxFloat64, -2.5e-10, 1.5e300} {
		recs = append(recs, recommendation{ID: odd, SeverityScore: f, ConfigScoreImpact: -f, ExposureImpact: f / 3,
			AssociatedThreats: []string{odd}, Weaknesses: -7, HasUnpatchableCve: true})
	}
	recs = append(recs, recommendation{})
	for _, c := range []struct {
		name, context, next string
		fast                func(b []byte, context, next string) []byte
		rows                any
	}{
		{"machines", "https://127.0.0.1:1/api/$metadata#Machines", "", func(b []byte, ctx, next string) []byte {
			return appendCollection(b, ctx, machines, next)
		}, machines},
		{"machines, next page", "ctx", "https://127.0.0.1:1/api/machines?$skip=2&$top=1", func(b []byte, ctx, next string) []byte {
			return appendCollection(b, ctx, machines[:1], next)
		}, machines[:1]},
		{"no machines", "ctx", "", func(b []byte, ctx, next string) []byte {
			return appendCollection(b, ctx, []machine{}, next)
		}, []machine{}},
		{"avinfo", "https://127.0.0.1:1/api/$metadata#DeviceAvInfo", "<&>", func(b []byte, ctx, next string) []byte {
			return appendCollection(b, ctx, av, next)
		}, av},
		{"recommendations", "https://127.0.0.1:1/api/$metadata#Recommendations", "", func(b []byte, ctx, next string) []byte {
			return appendCollection(b, ctx, recs, next)
		}, recs},
	} {
		want, err := json.Marshal(collection{Context: c.context, Value: c.rows, NextLink: c.next})
		if err != nil {
			t.Fatal(err)
		}
		got := c.fast([]byte("stale"), c.context, c.next)
		if !bytes.Equal(got[len("stale"):], want) {
			i := 0
			for i < len(want) && i < len(got)-5 && got[5+i] == want[i] {
				i++
			}
			t.Errorf("%s: differs from encoding/json at byte %d:\n got %.120s\nwant %.120s", c.name, i, got[5+i:], want[i:])
		}
	}
}

// TestPlainJSON: the bytes written as they are in a JSON string are those
// encoding/json writes as they are.
func TestPlainJSON(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		q, _ := json.Marshal(string([]byte{byte(c)}))
		if want := string(q) == `"`+string([]byte{byte(c)})+`"`; plainJSON(byte(c)) != want {
			t.Errorf("byte %#x: plain %v, encoding/json writes %s", c, plainJSON(byte(c)), q)
		}
	}
}

// TestPlainString: a string is plain when each of its bytes is, whatever
// its length and wherever the one byte that is not stands.
func TestPlainString(t *testing.T) {
	t.Parallel()
	for n := range 20 {
		for at := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("a", n))
				b[at] = byte(c)
				if got, want := plainString(string(b)), plainJSON(byte(c)); got != want {
					t.Fatalf("%q: plain %v, want %v", b, got, want)
				}
			}
		}
	}
}

// TestAppendRFC3339: the written-out RFC 3339 is AppendFormat's, inside
// and outside what it writes out itself.
func TestAppendRFC3339(t *testing.T) {
	t.Parallel()
	east := time.FixedZone("X", 5*3600+45*60)
	for _, at := range []time.Time{
		time.Date(2026, 12, 1, 22, 7, 0, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(9, 9, 9, 9, 9, 9, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 60, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 0, east),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("UTC", 0)),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local),
	} {
		for _, layout := range []string{time.RFC3339, time.RFC3339Nano} {
			if got, want := string(appendRFC3339([]byte("x"), at, layout)), "x"+at.Format(layout); got != want {
				t.Errorf("%v, %s: %s, want %s", at, layout, got, want)
			}
		}
		if got, want := ts(at), at.UTC().Format(time.RFC3339); got != want {
			t.Errorf("ts(%v) = %s, want %s", at, got, want)
		}
	}
}
