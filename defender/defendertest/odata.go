package defendertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// maxTop is the Defender API's largest page.
const maxTop = 10000

// collection is an OData collection answer.
type collection struct {
	Context  string `json:"@odata.context"`
	Value    any    `json:"value"`
	NextLink string `json:"@odata.nextLink,omitempty"`
}

// writePage answers one page of all. $top is the page size (default defTop,
// at most maxTop) and $skip the offset; when items remain, @odata.nextLink is
// the absolute URL of the next page on the API. $select keeps only the named
// fields.
func writePage[T any](c *Cloud, w http.ResponseWriter, r *http.Request, entity string, all []T, defTop int) {
	base := c.APIURL
	q := r.URL.Query()
	top, err := queryInt(q, "$top", defTop)
	if err == nil && top > maxTop {
		//lint:ignore ST1005 the Defender API's own wording, sent to clients as its error message
		err = fmt.Errorf("The limit of '%d' for Top query has been exceeded. The value from the incoming request is '%d'.", maxTop, top)
	}
	skip, skipErr := queryInt(q, "$skip", 0)
	if err == nil {
		err = skipErr
	}
	if err != nil {
		writeDefenderError(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	start := min(skip, len(all))
	end := min(start+top, len(all))
	page, err := selectFields(all[start:end], q.Get("$select"))
	if err != nil {
		writeDefenderError(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	out := collection{Context: base + "/api/$metadata#" + entity, Value: page}
	if end < len(all) {
		q.Set("$skip", strconv.Itoa(end))
		q.Set("$top", strconv.Itoa(top))
		out.NextLink = base + r.URL.Path + "?" + q.Encode()
	}
	switch rows := page.(type) {
	case []machine:
		writeRows(w, &c.bodies, out, rows)
	case []avInfo:
		writeRows(w, &c.bodies, out, rows)
	case []recommendation:
		if !slices.ContainsFunc(rows, func(r recommendation) bool { return !r.finite() }) {
			writeRows(w, &c.bodies, out, rows)
			break
		}
		writeJSON(w, http.StatusOK, odataJSON, out) // refuses the number, as it always did
	default:
		writeJSON(w, http.StatusOK, odataJSON, out)
	}
}

// writeRows answers 200 with a collection of rows that encode themselves,
// the bytes writeJSON would send.
func writeRows[T any, PT interface {
	*T
	fastRow
}](w http.ResponseWriter, bodies *sync.Pool, out collection, rows []T) {
	buf, _ := bodies.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer bodies.Put(buf)
	// About a kilobyte a row: grown once, not doubled from nothing.
	*buf = appendCollection[T, PT](slices.Grow((*buf)[:0], 1024*(len(rows)+1)), out.Context, rows, out.NextLink)
	writeBody(w, http.StatusOK, odataJSON, *buf)
}

func queryInt(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		//lint:ignore ST1005 the Defender API's own wording, sent to clients as its error message
		return 0, fmt.Errorf("Invalid value '%s' for query option %s: a non-negative integer is required.", v, name)
	}
	return n, nil
}

// selectFields applies $select; without it the items go out as they are.
func selectFields[T any](items []T, sel string) (any, error) {
	if strings.TrimSpace(sel) == "" {
		if items == nil {
			return []T{}, nil // "value":[] even for an empty tenant
		}
		return items, nil
	}
	fields := strings.Split(sel, ",")
	out := make([]map[string]json.RawMessage, 0, len(items))
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(b, &all); err != nil {
			return nil, err
		}
		kept := make(map[string]json.RawMessage, len(fields))
		for _, f := range fields {
			f = strings.TrimSpace(f)
			v, ok := all[f]
			if !ok {
				//lint:ignore ST1005 the Defender API's own wording, sent to clients as its error message
				return nil, fmt.Errorf("Could not find a property named '%s' on type 'microsoft.windowsDefenderATP.api.PublicAssetDto'.", f)
			}
			kept[f] = v
		}
		out = append(out, kept)
	}
	return out, nil
}
