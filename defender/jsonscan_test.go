package defender

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// refPage is the reference the one-pass reader must agree with:
// encoding/json, item by item, as the engine decoded pages before.
func refPage[T any](body []byte, room int) (items []T, next string, full bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := refDelim(dec, '{'); err != nil {
		return nil, "", false, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, "", false, err
		}
		switch key, _ := tok.(string); {
		case strings.EqualFold(key, "value"):
			tok, err := dec.Token()
			if err != nil {
				return nil, "", false, err
			}
			if tok == nil {
				continue
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return nil, "", false, fmt.Errorf("value is %v", tok)
			}
			for dec.More() {
				if len(items) >= room {
					return items, "", true, nil
				}
				var v T
				if err := dec.Decode(&v); err != nil {
					return nil, "", false, err
				}
				clipStrings(reflect.ValueOf(&v).Elem())
				items = append(items, v)
			}
			if err := refDelim(dec, ']'); err != nil {
				return nil, "", false, err
			}
		case strings.EqualFold(key, "@odata.nextLink"):
			var s *string
			if err := dec.Decode(&s); err != nil {
				return nil, "", false, err
			}
			if s != nil {
				next = *s
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, "", false, err
			}
		}
	}
	return items, next, false, refDelim(dec, '}')
}

func refDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %v, got %v", want, tok)
	}
	return nil
}

// agree fails unless the one-pass reader and encoding/json read body alike:
// both refuse it, or both return the same items, link and fullness.
func agree[T any, P listItem[T]](t *testing.T, body []byte, room int) {
	t.Helper()
	items, next, full, err := decodePage[T, P](scanBytes(body), room)
	wItems, wNext, wFull, wErr := refPage[T](body, room)
	// The same page arriving a byte at a time, through the sliding window.
	sItems, sNext, sFull, sErr := decodePage[T, P](newScanner(iotest.OneByteReader(bytes.NewReader(body))), room)
	if (sErr == nil) != (err == nil) || !reflect.DeepEqual(sItems, items) || sNext != next || sFull != full {
		t.Fatalf("%q: streamed %+v %q %v %v, whole %+v %q %v %v", clip(string(body), 300), sItems, sNext, sFull, sErr, items, next, full, err)
	}
	if err != nil && wErr == nil && !validFirst(body) {
		// encoding/json's token reader lets a missing comma between
		// elements pass; JSON does not, nor does the one-pass reader.
		return
	}
	if (err == nil) != (wErr == nil) {
		t.Fatalf("%q: one-pass error %v, encoding/json error %v", clip(string(body), 300), err, wErr)
	}
	if err != nil {
		return
	}
	if !reflect.DeepEqual(items, wItems) && !(len(items) == 0 && len(wItems) == 0) || next != wNext || full != wFull {
		t.Fatalf("%q:\none-pass  %+v %q %v\nencoding/json %+v %q %v", clip(string(body), 300), items, next, full, wItems, wNext, wFull)
	}
}

// bigPage is a list of n devices with the fields Microsoft sends, many
// windows long.
func bigPage(n int) string {
	var b strings.Builder
	b.WriteString(`{"@odata.context":"https://api.security.microsoft.com/api/$metadata#Machines","value":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%040d","computerDnsName":"wks-%d.contoso.com","osVersion":null,"machineTags":["t\u00e9",%d],`+
			`"healthStatus":%q,"onboardingStatus":"Onboarded","riskScore":"Low","exposedMachinesCount":%d,"severityScore":%d.5}`,
			i, i, i, []string{"Active", "Inactive", "NoSensorData"}[i%3], i, i%10)
	}
	b.WriteString(`],"@odata.nextLink":"https://api.security.microsoft.com/api/machines?$skip=3000"}`)
	return b.String()
}

// validFirst reports whether body starts with one valid JSON value.
func validFirst(body []byte) bool {
	var v json.RawMessage
	return json.NewDecoder(bytes.NewReader(body)).Decode(&v) == nil
}

func TestDecodePageAgreesWithEncodingJSON(t *testing.T) {
	long := strings.Repeat("é", maxField)
	tests := []string{
		`{"value":[{"healthStatus":"Active","onboardingStatus":"Onboarded","id":"x","machineTags":["a",{"b":[1,2.5e3,-0.1]}]}]}`,
		`{"@odata.context":"x","value":[{"HEALTHSTATUS":"Inactive"},null,{}],"@odata.nextLink":"https://h/api/machines?$skip=1"}`,
		`{"value":null,"@odata.nextLink":null}`,
		`{"Value":[],"value":[{"healthStatus":"a\u00e9\n\"b"}]}`,
		`{"value":[{"healthStatus":"` + long + `"}]}`,
		// Longer than the scanner's window: kept, skipped, escaped, as a key.
		`{"value":[{"healthStatus":"` + strings.Repeat("ab", windowSize) + `"}]}`,
		`{"value":[{"skipped":"` + strings.Repeat("ab", windowSize) + `","healthStatus":"Active"}]}`,
		`{"value":[{"healthStatus":"` + strings.Repeat(`\u00e9`, windowSize/2) + `"}]}`,
		`{"value":[{"` + strings.Repeat("k", 3*windowSize) + `":1,"onboardingStatus":"Onboarded"}]}`,
		`{"value":[{"x":` + strings.Repeat("9", 2*windowSize) + `}]}`,
		bigPage(3000),
		`{"value":[{"healthStatus":"\xff\xfeok"}]}`,
		`{"value":[{"healthStatus":5}]}`,
		`{"value":[{"healthStatus":"a"} {"healthStatus":"b"}]}`,
		`{"value":[{"healthStatus":"a",}]}`,
		`{"value":[1]}`,
		`{"value":["x"]}`,
		`{"value":{}}`,
		`{"value":[{"x":[[[[[]]]]],"y":{"z":{}}}]}`,
		`{"value":[{"x":01}]}`,
		`{"value":[{"x":1.}]}`,
		`{"value":[{"x":-}]}`,
		`{"value":[{"x":tru}]}`,
		`{"value":[{"x":"\x01"}]}`,
		`{"value":[{"x":"\u12"}]}`,
		`{"value":[{"x":"\q"}]}`,
		`{"value":[{"x":[1,]}]}`,
		`{"value":[{"x":{"a"}}]}`,
		`{"value":[{"x":{"a":1,}}]}`,
		`{"value":[]}trailing`,
		`{"value":[]`,
		`{"value":[`,
		`{"va`,
		``,
		`[]`,
		`{} `,
		` { "value" : [ { "healthStatus" : "Active" } ] } `,
		`{"value":[{"healthStatus":null,"onboardingStatus":"Onboarded"}]}`,
		`{"@odata.nextLink":5}`,
		`{"value":[{"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}]}`,
		`{"value":[{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}]}`,
		`{"value":[{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}]}`,
		`{"skipped":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
		`{"skipped":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
	}
	for _, body := range tests {
		agree[machine](t, []byte(body), maxListItems)
		agree[machine](t, []byte(body), 1)
		agree[avInfo](t, []byte(body), maxListItems)
		agree[recommendation](t, []byte(body), maxListItems)
		agree[healthOverview](t, []byte(body), maxListItems)
	}
	recs := `{"value":[{"recommendationName":"n","severityScore":7.5,"exposedMachinesCount":3,"status":"Active"},` +
		`{"severityScore":null,"exposedMachinesCount":null},{"exposedMachinesCount":3.5},{"severityScore":"x"},{"exposedMachinesCount":1e2},{"severityScore":1e999}]}`
	for _, item := range strings.SplitAfter(strings.TrimSuffix(strings.TrimPrefix(recs, `{"value":[`), `]}`), "},") {
		agree[recommendation](t, []byte(`{"value":[`+strings.TrimSuffix(item, ",")+`]}`), maxListItems)
	}
}

func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"value":[{"healthStatus":"Active","onboardingStatus":"Onboarded"}],"@odata.nextLink":"https://x/y"}`))
	f.Add([]byte(`{"value":[{"machineId":"m","avIsSignatureUpToDate":"True","x":[1,{"y":null}]}]}`))
	f.Add([]byte(`{"value":[{"recommendationName":"r","severityScore":7,"exposedMachinesCount":2}]}`))
	f.Add([]byte(`{"value":[{"id":"Microsoft365Defender","service":"Microsoft Defender XDR","status":"serviceOperational"}]}`))
	// Strings longer than a word, with a stop byte at each place of one.
	f.Add([]byte(`{"value":[{"recommendationName":"Update Microsoft Edge \"Chromium\" to 120.0","status":"Active"}]}`))
	f.Add([]byte("{\"value\":[{\"machineId\":\"0123456789abcdef\u00e9 Gerät München \xff\xfe\",\"id\":\"a\tb\"}]}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		agree[machine](t, body, 3)
		agree[avInfo](t, body, maxListItems)
		agree[recommendation](t, body, maxListItems)
		agree[healthOverview](t, body, maxListItems)
	})
}

// TestPlainRun: the words plainRun steps over hold no byte that ends a
// plain run (stringStop), and it stops at the word of the first that does,
// for every byte value at every place of two words, alone or after another
// stop (a borrow must not hide the first).
func TestPlainRun(t *testing.T) {
	for c := range 256 {
		for p := range 16 {
			for _, before := range []int{-1, 0x00, 0x1f, '"', '\\', 0x80, 0xff} {
				b := []byte(strings.Repeat("a~ Z09{}", 2) + "tail")
				b[p] = byte(c)
				if before >= 0 && p > 0 {
					b[p-1] = byte(before)
				}
				first := len(b)
				for i, x := range b {
					if stringStop[x] {
						first = i
						break
					}
				}
				if want := min(first, len(b)-len(b)%8) / 8 * 8; plainRun(b) != want {
					t.Fatalf("%q: plainRun %d, want %d", b, plainRun(b), want)
				}
			}
		}
	}
}
