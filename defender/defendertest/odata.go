package defendertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
// the absolute URL of the next page on base. $select keeps only the named fields.
func writePage[T any](w http.ResponseWriter, r *http.Request, base, entity string, all []T, defTop int) {
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
	writeJSON(w, http.StatusOK, odataJSON, out)
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
